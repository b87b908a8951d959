"""Helpers to run a script on several processes through mpiexec from a test."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def _mpiexec():
    beside = Path(sys.executable).with_name("mpiexec")
    return str(beside) if beside.exists() else shutil.which("mpiexec")


@pytest.fixture
def mpirun():
    """``mpirun(n, script, *args, timeout=60, launcher=False)`` -> CompletedProcess;
    skips where mpi4py or mpiexec is missing."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        pytest.skip("needs mpi4py and an MPI: pip install -e '.[mpi]'")
    mpiexec = _mpiexec()
    if mpiexec is None:
        pytest.skip("needs mpiexec beside this Python or on PATH: pip install -e '.[mpi]'")

    def run(n, script, *args, timeout=60, hostfile=None, cwd=None):
        env = dict(os.environ, PYTHONPATH=str(REPO), OPENBLAS_NUM_THREADS="1",
                   PYTHONUNBUFFERED="1")
        cmd = [mpiexec] + (["-f", str(hostfile)] if hostfile else []) + \
            ["-n", str(n), sys.executable, str(HERE / script)] + [str(a) for a in args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              env=env, cwd=cwd)
    return run


@pytest.fixture
def python_run():
    """Run a script in one plain process with the repository importable."""
    def run(script, *args, timeout=60, cwd=None):
        env = dict(os.environ, PYTHONPATH=str(REPO), OPENBLAS_NUM_THREADS="1")
        return subprocess.run([sys.executable, str(HERE / script)] + [str(a) for a in args],
                              capture_output=True, text=True, timeout=timeout, env=env,
                              cwd=cwd)
    return run
