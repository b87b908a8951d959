"""Start a training command on N processes through mpiexec (``train.py --nproc N``).

The launcher is the mpiexec beside this Python (the ``mpich`` wheel puts one in the
virtual environment's ``bin``), else the first on PATH. Open MPI refuses to run as
root without ``--allow-run-as-root`` and to start more ranks than cores without
``--oversubscribe``; both are added when that MPI is the one found. After a failed
job, the shared-memory files MPICH leaves in /dev/shm for killed ranks are removed.
"""
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

from framework.errors import UserError

__all__ = ["find_mpiexec", "mpiexec_command", "run_with_mpiexec", "stale_shm_files",
           "record_rank", "RANK_DIR_ENV"]

_SHM_PATTERN = "/dev/shm/mpich_shm_*"


def find_mpiexec():
    """The mpiexec to use, or raise UserError saying how to get one."""
    beside = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.access(beside, os.X_OK):
        return beside
    found = shutil.which("mpiexec")
    if found:
        return found
    raise UserError("--nproc needs mpiexec, and none was found beside this Python or on "
                    "PATH; install one with: pip install -e '.[mpi]'")


def _flavour(mpiexec):
    try:
        out = subprocess.run([mpiexec, "--version"], capture_output=True, text=True,
                             timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    if "Open MPI" in out or "OpenRTE" in out or "open-mpi" in out.lower():
        return "openmpi"
    if "HYDRA" in out or "MPICH" in out.upper():
        return "mpich"
    return "unknown"


def mpiexec_command(nproc, argv, mpiexec=None, hostfile=None):
    """The argument list that runs ``python argv...`` on ``nproc`` processes.

    Args:
        nproc: the number of processes (a positive int).
        argv: the Python arguments, e.g. ``["train.py", "-c", "cfg.yaml"]``.
        mpiexec: the launcher (found when None).
        hostfile: a file naming the machines (``-f`` for MPICH, ``--hostfile`` for
            Open MPI).
    """
    if isinstance(nproc, bool) or not isinstance(nproc, int) or nproc < 1:
        raise UserError(f"--nproc: expected a positive number of processes, got {nproc!r}")
    mpiexec = mpiexec or find_mpiexec()
    flavour = _flavour(mpiexec)
    cmd = [mpiexec]
    if flavour == "openmpi":
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-run-as-root")
        cmd.append("--oversubscribe")
    if hostfile:
        cmd += ["--hostfile" if flavour == "openmpi" else "-f", str(hostfile)]
    cmd += ["-n", str(nproc), sys.executable] + list(argv)
    return cmd


def stale_shm_files():
    return set(glob.glob(_SHM_PATTERN))


#: Environment variable naming a folder where each rank records ``pid host`` at start,
#: so that the launcher can name the rank of a process that vanished.
RANK_DIR_ENV = "ZERONN_RANK_DIR"

# What MPICH's Hydra prints when a rank dies: a banner on stdout, an Abort line from
# the MPI library on stderr. The launcher replaces both with one line of its own.
_BANNER = re.compile(r"^(=+|=\s.*|YOUR APPLICATION TERMINATED.*|This typically refers.*|"
                     r"Please see the FAQ.*|\s*)$")
_ABORT = re.compile(r"^Abort\(\d+\) on node \d+")
_DEAD = re.compile(r"PID (\d+) RUNNING AT (\S+)")
_EXIT = re.compile(r"EXIT CODE: (\d+)")
_SIGNAL = re.compile(r"\(signal (\d+)\)")


def record_rank(rank):
    """Called by each rank at start under the launcher (see RANK_DIR_ENV)."""
    folder = os.environ.get(RANK_DIR_ENV)
    if folder and os.path.isdir(folder):
        try:
            with open(os.path.join(folder, f"{os.getpid()}.rank"), "w") as f:
                f.write(str(rank))
        except OSError:
            pass


def _forward(stream, out, keep, seen):
    for line in stream:
        dead = _DEAD.search(line)
        if dead:
            seen["pid"], seen["host"] = int(dead.group(1)), dead.group(2)
        code = _EXIT.search(line)
        if code:
            seen["code"] = int(code.group(1))
        sig = _SIGNAL.search(line)
        if sig:
            seen["signal"] = int(sig.group(1))
        if keep(line.rstrip("\n")):
            out.write(line)
            out.flush()


def _describe_death(seen, rank_dir):
    pid = seen.get("pid")
    if pid is None:
        return None
    try:
        with open(os.path.join(rank_dir, f"{pid}.rank")) as f:
            who = f"rank {f.read().strip()}"
    except OSError:
        who = "a process"
    code, sig = seen.get("code"), seen.get("signal")
    how = f"exit status {code}" if code is not None else "an unknown status"
    if sig is not None:
        try:
            how = f"signal {sig} ({signal.Signals(sig).name})"
        except ValueError:
            how = f"signal {sig}"
    return f"{who} on {seen.get('host', '?')} (pid {pid}) ended with {how}; the job was stopped"


def run_with_mpiexec(nproc, argv, hostfile=None, env=None):
    """Run the job and return its exit status.

    The ranks' output is passed through; MPICH's multi-line failure banner becomes one
    line naming the rank that failed. Shared-memory files that a failed job left behind
    (only those that appeared while it ran) are removed.
    """
    cmd = mpiexec_command(nproc, argv, hostfile=hostfile)
    before = stale_shm_files()
    seen = {}
    with tempfile.TemporaryDirectory(prefix="zeronn-ranks-") as rank_dir:
        env = dict(os.environ, **(env or {}), **{RANK_DIR_ENV: rank_dir})
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, bufsize=1, env=env)
        except OSError as exc:
            raise UserError(f"--nproc: could not start {cmd[0]}: {exc}") from None
        threads = [
            threading.Thread(target=_forward, daemon=True, args=(
                proc.stdout, sys.stdout, lambda line: not _BANNER.match(line), seen)),
            threading.Thread(target=_forward, daemon=True, args=(
                proc.stderr, sys.stderr, lambda line: not _ABORT.match(line), seen)),
        ]
        for t in threads:
            t.start()
        try:
            status = proc.wait()
        except KeyboardInterrupt:
            proc.send_signal(signal.SIGINT)
            status = proc.wait()
        for t in threads:
            t.join(timeout=5)
        if status != 0:
            line = _describe_death(seen, rank_dir)
            if line:
                sys.stderr.write(line + "\n")
                sys.stderr.flush()
    if status != 0:
        for path in stale_shm_files() - before:
            try:
                os.unlink(path)
            except OSError:
                pass
    return status
