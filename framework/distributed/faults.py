"""No hangs: a failure on one rank ends the whole job, with one line naming the rank.

Under MPI, a process that dies of a Python exception normally waits in
``MPI_Finalize`` while the others wait in their next collective: the job hangs
forever. Once a group of more than one process is initialised, an uncaught exception
prints ``rank R on HOST: <what went wrong>`` and calls ``MPI_Abort``, which makes the
launcher end every rank within seconds (the trainer ends a failed run the same way,
through ``framework.trainer.parallel.finish``). A rank killed outright (SIGKILL) is detected
by the launcher itself (MPICH's Hydra ends the job when a process vanishes).
"""
import socket
import sys
import traceback

__all__ = ["install", "uninstall", "failure_line"]

_comm = None
_previous_hook = None


def failure_line(rank, message):
    return f"rank {rank} on {socket.gethostname()}: {message}"


def _excepthook(exc_type, exc, tb):
    comm = _comm
    if comm is None:
        return (_previous_hook or sys.__excepthook__)(exc_type, exc, tb)
    text = f"{exc_type.__name__}: {exc}" if str(exc) else exc_type.__name__
    if not _is_user_error(exc):
        # A bug: its traceback helps, but the last line is the one that names the rank.
        traceback.print_exception(exc_type, exc, tb, file=sys.stderr)
    sys.stderr.write(failure_line(comm.rank, text) + "\n")
    comm.abort(2 if _is_user_error(exc) else 1)


def _is_user_error(exc):
    from framework.errors import UserError
    return isinstance(exc, UserError)


def install(comm):
    """Turn uncaught exceptions on any rank into a job abort."""
    global _comm, _previous_hook
    if _comm is None:
        _previous_hook = sys.excepthook
        sys.excepthook = _excepthook
    _comm = comm


def uninstall():
    global _comm, _previous_hook
    if _comm is not None and sys.excepthook is _excepthook:
        sys.excepthook = _previous_hook or sys.__excepthook__
    _comm = None
    _previous_hook = None
