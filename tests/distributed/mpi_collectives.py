"""Run under mpiexec: checks each collective against the value every rank can compute;
rank 0 prints "ok <rank> <local_rank> <local_size> <is_main>" for every rank."""
import numpy as np

import framework.distributed as dist

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
a = np.arange(6, dtype=np.float32).reshape(2, 3) + rank
expect_sum = sum(np.arange(6, dtype=np.float32).reshape(2, 3) + r for r in range(world))
assert np.array_equal(dist.all_reduce(a), expect_sum)
assert np.allclose(dist.all_reduce(a, op="mean"), expect_sum / world)
assert np.array_equal(dist.all_reduce(a, op="max"), a - rank + world - 1)
assert np.array_equal(dist.all_reduce(a, op="min"), a - rank)
b = np.full(4, rank, dtype=np.int64)
dist.broadcast(b, src=world - 1)
assert np.array_equal(b, np.full(4, world - 1))
g = dist.all_gather(np.array([rank, 10 * rank]))
assert g.shape == (world, 2) and g[:, 0].tolist() == list(range(world))
obj = dist.broadcast_object({"run_id": f"run-{rank}", "n": [1, 2]})
assert obj == {"run_id": "run-0", "n": [1, 2]}
dist.barrier()
# rank 0 prints every rank's line (the ranks' own prints could interleave)
info = dist.all_gather(np.array([rank, dist.get_local_rank(), dist.get_local_world_size(),
                                 int(dist.is_main_process())]))
if rank == 0:
    for r, local, local_size, main in info.tolist():
        print("ok", r, local, local_size, bool(main), flush=True)
