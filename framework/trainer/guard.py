"""How a command ends: exit statuses, one line on stderr, SIGTERM handled like Ctrl-C.

:func:`run_guarded` runs a command and maps its outcome to an exit status (see
:data:`EXIT_CODES`): user errors are one line and exit 2, a failed write one line and
exit 74, SIGTERM exit 143, and anything unexpected is a bug in zeronn: its traceback,
then a line saying so, exit 1.
"""
import contextlib
import logging
import signal
import sys
import traceback

import numpy as np

from framework import threads as thread_control
from framework.errors import ConfigError, PluginError, UserError
from framework.logger import close_logging
from framework.trainer import parallel
from framework.trainer.base_trainer import TrainingDiverged, TrainingInterrupted

__all__ = ["run_guarded", "one_line", "add_import_path", "WriteFailed", "EXIT_CODES",
           "EXIT_OK", "EXIT_ERROR", "EXIT_USAGE", "EXIT_IO", "EXIT_INTERRUPTED",
           "EXIT_TERMINATED"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
EXIT_IO = 74  # sysexits' EX_IOERR: a write failed (disk full, read-only folder)
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM

#: Exit status -> what it means (the README's table).
EXIT_CODES = {
    EXIT_OK: "the run finished (or had nothing left to train)",
    EXIT_ERROR: "the loss became NaN/infinite, or a bug in zeronn (traceback and a line "
                "saying so)",
    EXIT_USAGE: "bad input: config, override, argument, checkpoint, plugin, save_dir, data, "
                "device",
    EXIT_IO: "a write failed during the run (disk full, read-only or vanished folder)",
    EXIT_INTERRUPTED: "Ctrl-C",
    EXIT_TERMINATED: "SIGTERM",
}


class WriteFailed(Exception):
    """Writing a run's files failed; the message names the folder and last checkpoint."""


class _Terminated(KeyboardInterrupt):
    """SIGTERM, delivered as an interrupt so the run stops the way Ctrl-C stops it."""


def one_line(exc):
    """An error message folded onto one line (multi-line reports become '; '-separated)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return "; ".join(lines).replace(":; ", ": ")


def _pin_threads(n):
    """Pin numpy's BLAS threads for ``--threads N`` (None leaves the mode as it is)."""
    if n is None:
        return
    if n < 1:
        raise ConfigError(f"--threads: expected a positive integer, got {n}")
    thread_control.set_num_threads(n)


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """Inside the block, SIGTERM raises :class:`_Terminated` (main thread only)."""
    def handler(signum, frame):
        raise _Terminated()
    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _terminated(exc):
    """True when the interrupt ``exc`` (or what it replaced) came from SIGTERM."""
    while exc is not None:
        if isinstance(exc, _Terminated):
            return True
        exc = exc.__context__
    return False


def run_guarded(func, debug=False, threads=None):
    """Run ``func()`` and map its outcome to an exit status with one line on stderr.

    Returns:
        0 done; 2 a user error (:class:`UserError`, or a local plugin's error);
        1 a diverged run, or any other exception, which is a bug in zeronn: its
        traceback is printed with a line saying so; 74 a failed write
        (:class:`WriteFailed`); 130 Ctrl-C; 143 SIGTERM.  With ``debug`` errors
        propagate with their traceback instead.  ``threads`` pins the BLAS threads for
        the call; the previous setting comes back after.
    """
    previous_mode = thread_control.get_mode()
    raise_exceptions = logging.raiseExceptions
    logging.raiseExceptions = False  # a full disk must not print logging tracebacks
    try:
        # numpy's overflow warnings would add lines to a NaN report: the trainer
        # detects a non-finite loss itself and says where it came from
        with _sigterm_as_interrupt(), \
                np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            _pin_threads(threads)
            func()
    except (UserError, PluginError) as exc:
        if debug:
            raise
        parallel.report(f"error: {one_line(exc)}")
        return EXIT_USAGE
    except TrainingDiverged as exc:
        if debug:
            raise
        parallel.report(f"error: {one_line(exc)}")
        return EXIT_ERROR
    except WriteFailed as exc:
        if debug:
            raise
        parallel.report(f"error: {one_line(exc)}")
        return EXIT_IO
    except KeyboardInterrupt as exc:
        sigterm = _terminated(exc)
        message = str(exc) if isinstance(exc, TrainingInterrupted) else ""
        if sigterm:  # the trainer's line went to the log; say it where scripts look
            print(f"terminated (SIGTERM){': ' + message if message else ''}",
                  file=sys.stderr)
            return EXIT_TERMINATED
        if not isinstance(exc, TrainingInterrupted):  # the trainer logs its own line
            print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if debug:
            raise
        traceback.print_exc()
        print(f"error: this is a bug in zeronn, not in your input ({type(exc).__name__}: "
              f"{one_line(exc)}); please report it with the traceback above",
              file=sys.stderr)
        return EXIT_ERROR
    finally:
        logging.raiseExceptions = raise_exceptions
        _forget_added_paths()
        close_logging()
        thread_control.set_num_threads(previous_mode)
    return EXIT_OK

def add_import_path(path):
    """Append ``path`` to ``sys.path`` until the command under :func:`run_guarded` ends."""
    if path not in sys.path:
        sys.path.append(path)
        _ADDED_PATHS.append(path)


def _forget_added_paths():
    while _ADDED_PATHS:
        path = _ADDED_PATHS.pop()
        if path in sys.path:
            sys.path.remove(path)


_ADDED_PATHS = []
