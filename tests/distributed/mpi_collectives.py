"""Run under mpiexec: checks each collective against the value every rank can compute;
rank 0 prints "ok <rank> <local_rank> <local_size> <is_main>" for every rank."""
import sys

import numpy as np

import framework.distributed as dist
from framework import backend

name = sys.argv[1] if len(sys.argv) > 1 else "mpi"
dist.init_process_group(name)
rank, world = dist.get_rank(), dist.get_world_size()
# nccl: the arrays live on each rank's GPU
dev = (lambda x: backend.as_cupy(x)) if name == "nccl" else (lambda x: x)
host = backend.as_numpy
a = np.arange(6, dtype=np.float32).reshape(2, 3) + rank
expect_sum = sum(np.arange(6, dtype=np.float32).reshape(2, 3) + r for r in range(world))
assert np.array_equal(host(dist.all_reduce(dev(a))), expect_sum)
assert np.allclose(host(dist.all_reduce(dev(a), op="mean")), expect_sum / world)
assert np.array_equal(host(dist.all_reduce(dev(a), op="max")), a - rank + world - 1)
assert np.array_equal(host(dist.all_reduce(dev(a), op="min")), a - rank)
b = dev(np.full(4, rank, dtype=np.float32))
dist.broadcast(b, src=world - 1)
assert np.array_equal(host(b), np.full(4, world - 1))
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
