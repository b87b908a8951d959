"""framework.distributed in one process: the functions, DDP and SyncBatchNorm behave as
a group of one, and the launcher builds the right mpiexec command."""
import os
import stat
import sys

import numpy as np
import pytest

import framework.distributed as dist
import framework.functions as F
from framework import nn
from framework.distributed import launch
from framework.errors import UserError


@pytest.fixture(autouse=True)
def _no_group():
    dist.destroy_process_group()
    yield
    dist.destroy_process_group()


def test_without_a_group_everything_is_one_process():
    assert not dist.is_initialized()
    assert (dist.get_rank(), dist.get_world_size(), dist.get_local_rank()) == (0, 1, 0)
    assert dist.is_main_process()
    a = np.arange(4.0)
    out = dist.all_reduce(a)
    assert np.array_equal(out, a) and out is not a
    assert np.array_equal(dist.all_reduce(a, op="mean"), a)
    assert dist.broadcast(a) is a
    assert dist.all_gather(a).shape == (1, 4)
    assert dist.broadcast_object({"a": (1, 2)}) == {"a": [1, 2]}
    dist.barrier()


def test_init_single_and_bad_backend():
    comm = dist.init_process_group("single")
    assert dist.is_initialized() and dist.get_backend() == "single"
    assert dist.init_process_group("single") is comm
    with pytest.raises(RuntimeError, match="already initialised with backend 'single'"):
        dist.init_process_group("mpi")
    dist.destroy_process_group()
    with pytest.raises(ValueError, match="backend must be one of mpi, nccl, single, got 'gloo'"):
        dist.init_process_group("gloo")
    with pytest.raises(ValueError, match="op must be one of sum, mean, max, min, got 'prod'"):
        dist.all_reduce(np.ones(2), op="prod")


def test_default_backend_follows_the_launcher(monkeypatch):
    for name in ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_RANK", "PMIX_RANK", "MPI_LOCALRANKID"):
        monkeypatch.delenv(name, raising=False)
    assert not dist.launched_by_mpi()
    assert dist.init_process_group().backend == "single"


def test_ddp_in_one_process_is_the_module():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    ddp = dist.DistributedDataParallel(model)
    assert ddp.module is model
    assert list(ddp.state_dict()) == ["module." + k for k in model.state_dict()]
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    y1 = ddp(x)
    y1.sum().backward()
    g1 = [p.grad.data.copy() for p in model.parameters()]
    model.zero_grad()
    model(x).sum().backward()
    for a, p in zip(g1, model.parameters()):
        np.testing.assert_array_equal(a, p.grad.data)
    with pytest.raises(TypeError, match="wraps an nn.Module, got function"):
        dist.DistributedDataParallel(lambda x: x)


def test_convert_sync_batchnorm_keeps_parameters_and_buffers():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Sequential(nn.BatchNorm2d(2)))
    bn = model[1]
    bn.running_mean[...] = 0.5
    weight = bn.weight
    out = dist.convert_sync_batchnorm(model)
    assert out is model
    assert isinstance(model[1], dist.SyncBatchNorm) and isinstance(model[2][0], dist.SyncBatchNorm)
    assert model[1].weight is weight
    assert np.all(model[1].running_mean == 0.5)
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias",
                                        "1.running_mean", "1.running_var",
                                        "1.num_batches_tracked", "2.0.weight", "2.0.bias",
                                        "2.0.running_mean", "2.0.running_var",
                                        "2.0.num_batches_tracked"]
    converted = dist.SyncBatchNorm.convert_sync_batchnorm(nn.BatchNorm1d(3))
    assert isinstance(converted, dist.SyncBatchNorm)


def test_sync_batchnorm_in_one_process_equals_batchnorm():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 3, 2, 2)).astype(np.float32)
    a, b = nn.BatchNorm2d(3), dist.SyncBatchNorm(3)
    ya, yb = a(x), b(x)
    np.testing.assert_allclose(ya.data, yb.data, atol=1e-6)
    np.testing.assert_allclose(a.running_var, b.running_var, atol=1e-6)


def _fake_mpiexec(tmp_path, version_text):
    path = tmp_path / "mpiexec"
    path.write_text(f"#!/bin/sh\necho '{version_text}'\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_mpiexec_command_for_open_mpi_and_mpich(tmp_path):
    ompi = _fake_mpiexec(tmp_path, "mpiexec (Open MPI) 4.1.5")
    cmd = launch.mpiexec_command(4, ["train.py", "-c", "c.yaml"], mpiexec=ompi,
                                 hostfile="hosts")
    root = ["--allow-run-as-root"] if os.geteuid() == 0 else []
    assert cmd == [ompi] + root + ["--oversubscribe", "--hostfile", "hosts", "-n", "4",
                                   sys.executable, "train.py", "-c", "c.yaml"]
    (tmp_path / "m").mkdir()
    mpich = _fake_mpiexec(tmp_path / "m", "HYDRA build details: Version: 4.2.0")
    assert launch.mpiexec_command(2, ["t.py"], mpiexec=mpich, hostfile="h") == \
        [mpich, "-f", "h", "-n", "2", sys.executable, "t.py"]


@pytest.mark.parametrize("bad", [0, -2, True, "4", 2.5])
def test_nproc_must_be_a_positive_int(bad):
    with pytest.raises(UserError, match=f"--nproc: expected a positive number of processes, "
                                        f"got {bad!r}"):
        launch.mpiexec_command(bad, ["t.py"], mpiexec="/bin/true")


def test_loader_shards_cover_the_global_batches_exactly():
    from framework.data import DataLoader, TensorDataset
    x = np.arange(22, dtype=np.float32).reshape(11, 2)
    y = np.arange(11)
    single = DataLoader(TensorDataset(x, y), batch_size=6, shuffle=True, seed=3)
    parts = [DataLoader(TensorDataset(x, y), batch_size=3, shuffle=True, seed=3).shard(r, 2)
             for r in range(2)]
    for epoch in range(2):
        for loader in [single] + parts:
            loader.set_epoch(epoch)
        want = [sorted(t.tolist()) for _, t in single]
        got = [sorted(a.tolist() + b.tolist()) for (_, a), (_, b) in zip(*parts)]
        assert got == want and len(parts[0]) == len(single) == 2
        assert [len(t) for _, t in parts[0]] == [3, 3] and [len(t) for _, t in parts[1]] == [3, 2]


def test_loader_shard_drops_a_last_batch_smaller_than_the_group_and_checks_rank():
    from framework.data import DataLoader, TensorDataset
    from framework.errors import ConfigError
    ds = TensorDataset(np.zeros((9, 1), np.float32), np.arange(9))
    parts = [DataLoader(ds, batch_size=2).shard(r, 4) for r in range(4)]
    assert [len(p) for p in parts] == [1] * 4  # 8 in one global batch; the 9th is dropped
    assert sorted(sum((t.tolist() for p in parts for _, t in p), [])) == list(range(8))
    with pytest.raises(ConfigError, match="rank 2 is not below world_size 2"):
        DataLoader(ds).shard(2, 2)
