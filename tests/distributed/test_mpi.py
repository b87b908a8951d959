"""Data-parallel training across real processes (mpiexec from the mpich wheel)."""
import glob
import os
import time

import numpy as np
import pytest


def _weights(path):
    with np.load(path) as f:
        return {k: f[k] for k in f.files}


def _assert_same(a, b, atol=2e-6):
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_allclose(a[k], b[k], rtol=1e-5, atol=atol, err_msg=k)


def test_collectives_on_two_ranks(mpirun):
    r = mpirun(2, "mpi_collectives.py")
    assert r.returncode == 0, r.stderr
    lines = sorted(r.stdout.split("\n")[:-1])
    assert lines == ["ok 0 0 2 True", "ok 1 1 2 False"]


@pytest.mark.gpu
def test_nccl_collectives_on_two_gpus(mpirun):
    import cupy
    if cupy.cuda.runtime.getDeviceCount() < 2:
        pytest.skip("needs 2 GPUs: NCCL puts each rank on its own device")
    r = mpirun(2, "mpi_collectives.py", "nccl")
    assert r.returncode == 0, r.stderr
    assert sorted(r.stdout.split("\n")[:-1]) == ["ok 0 0 2 True", "ok 1 1 2 False"]


def test_two_ranks_of_batch_b_equal_one_process_of_batch_2b(mpirun, python_run, tmp_path):
    r = mpirun(2, "mpi_equivalence.py", tmp_path / "two.npz", 8, 3)
    assert r.returncode == 0, r.stderr
    r = python_run("mpi_equivalence.py", tmp_path / "one.npz", 16, 3)
    assert r.returncode == 0, r.stderr
    two, one = _weights(tmp_path / "two.npz"), _weights(tmp_path / "one.npz")
    _assert_same(two, one)
    # and the training really moved the weights (a comparison of two no-ops proves nothing)
    r = python_run("mpi_equivalence.py", tmp_path / "zero.npz", 16, 0)
    start = _weights(tmp_path / "zero.npz")
    assert max(float(np.abs(one[k] - start[k]).max()) for k in one) > 0.05


@pytest.mark.slow
def test_sync_batchnorm_two_ranks_equal_one_process(mpirun, python_run, tmp_path):
    r = mpirun(2, "mpi_equivalence.py", tmp_path / "two.npz", 8, 3, "bn")
    assert r.returncode == 0, r.stderr
    r = python_run("mpi_equivalence.py", tmp_path / "one.npz", 16, 3, "bn")
    assert r.returncode == 0, r.stderr
    two, one = _weights(tmp_path / "two.npz"), _weights(tmp_path / "one.npz")
    assert "1.running_var" in two
    _assert_same(two, one)


@pytest.mark.slow
def test_hostfile_with_two_machine_names(mpirun, tmp_path):
    hosts = tmp_path / "hosts"
    hosts.write_text("localhost:1\n127.0.0.1:1\n")
    r = mpirun(2, "mpi_collectives.py", hostfile=hosts)
    assert r.returncode == 0, r.stderr
    assert sorted(line.split()[1] for line in r.stdout.split("\n")[:-1]) == ["0", "1"]


def _no_stray(marker, wait=5.0):
    """No process whose command line holds ``marker`` (a token unique to the test, so
    that other test runs on the machine do not count) within ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        out = os.popen(f"ps -eo args | grep -F -- {marker} | grep -v grep").read()
        if out.strip() == "" or time.monotonic() > deadline:
            return out.strip() == ""
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.parametrize("how, code, line", [
    ("raise", 1, "rank 1 on "),
    ("usererror", 2, "rank 1 on "),
])
def test_a_failing_rank_aborts_the_job_with_one_line(mpirun, how, code, line):
    token = f"token-{os.getpid()}-{time.monotonic_ns()}"
    start = time.monotonic()
    r = mpirun(2, "mpi_faults.py", how, token, timeout=30)
    assert time.monotonic() - start < 15
    assert r.returncode == code, r.stderr
    named = [l for l in r.stderr.splitlines() if l.startswith(line)]
    assert len(named) == 1, r.stderr
    if how == "usererror":  # a user's mistake: that one line and nothing else
        assert [l for l in r.stderr.splitlines() if not l.startswith("Abort(")] == named
    assert _no_stray(token)


def _only_others(paths):
    """True when every path is mapped by a process still running (another job's)."""
    held = os.popen("cat /proc/[0-9]*/maps 2>/dev/null").read()
    return all(os.path.basename(p) in held for p in paths)


@pytest.mark.slow
@pytest.mark.parametrize("how, line", [
    ("kill", "rank 1 on {host} (pid "),
    ("usererror", "rank 1 on {host}: ConfigError: arch.args.hidden"),
])
def test_launcher_names_the_failed_rank_and_cleans_shared_memory(mpirun, python_run, how,
                                                                  line):
    import socket
    before = set(glob.glob("/dev/shm/mpich_shm_*"))
    token = f"token-{os.getpid()}-{time.monotonic_ns()}"
    start = time.monotonic()
    r = python_run("launch_faults.py", how, token, timeout=30)
    assert time.monotonic() - start < 15
    assert r.returncode != 0
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith(line.format(host=socket.gethostname())), \
        r.stderr
    assert "BAD TERMINATION" not in r.stdout
    # files other jobs on the machine create meanwhile are theirs; this job's are gone
    left = set(glob.glob("/dev/shm/mpich_shm_*")) - before
    assert not left or _only_others(left)
    assert _no_stray(token)
