"""The ``zeronn`` logger: a console handler and a run's ``info.log``.

:func:`setup_logging` configures the logger named ``zeronn`` (modules log through
``logging.getLogger("zeronn.<part>")`` or :func:`get_logger`).  Calling it again replaces
the handlers it installed, so repeated runs in one process never print lines twice.
Console lines go through ``tqdm.write`` so they do not tear a progress bar apart.  A
record logged with ``extra={"console": False}`` (a long config summary) goes to
``info.log`` only.
"""
import logging
import os
import sys

__all__ = ["LOGGER_NAME", "LOG_FILE", "setup_logging", "close_logging", "get_logger",
           "verbosity_level"]

LOGGER_NAME = "zeronn"
#: File name of the run log inside the log folder.
LOG_FILE = "info.log"
_LEVELS = {0: logging.WARNING, 1: logging.INFO, 2: logging.DEBUG}
_FILE_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
_MARK = "_zeronn_handler"  # set on the handlers this module installs


def verbosity_level(verbosity):
    """Map a config verbosity (0, 1, 2) to a logging level (WARNING, INFO, DEBUG).

    Raises:
        ValueError: verbosity is not 0, 1 or 2.
    """
    if isinstance(verbosity, bool) or verbosity not in _LEVELS:
        raise ValueError(f"verbosity must be 0 (warnings), 1 (info) or 2 (debug), "
                         f"got {verbosity!r}")
    return _LEVELS[verbosity]


class _ConsoleHandler(logging.StreamHandler):
    """Writes to the current ``sys.stdout`` (looked up per record, so captures work)
    through ``tqdm.write``, which clears and redraws any active progress bar."""

    def __init__(self):
        super().__init__(stream=sys.stdout)

    def emit(self, record):
        if not getattr(record, "console", True):
            return
        try:
            msg = self.format(record)
            stream = sys.stdout
            try:
                from tqdm import tqdm
            except ImportError:  # tqdm is a dependency, but logging must never fail
                stream.write(msg + "\n")
            else:
                tqdm.write(msg, file=stream)
            stream.flush()
        except Exception:
            self.handleError(record)


def get_logger(name=None):
    """Return the ``zeronn`` logger, or its child ``zeronn.<name>``."""
    return logging.getLogger(LOGGER_NAME if not name else f"{LOGGER_NAME}.{name}")


def _remove(logger, only_files):
    for handler in list(logger.handlers):
        if getattr(handler, _MARK, False) and \
                (not only_files or isinstance(handler, logging.FileHandler)):
            logger.removeHandler(handler)
            handler.close()


def setup_logging(log_dir=None, verbosity=2, quiet=False):
    """Configure the ``zeronn`` logger for a run.

    Args:
        log_dir: folder for ``info.log`` (created if needed); None: console only.
        verbosity: 0 warnings, 1 info, 2 debug (the logger's and file's level).
        quiet: the console shows warnings and errors only; ``info.log`` still gets
            everything ``verbosity`` allows.

    Returns:
        The ``zeronn`` logger.  It does not propagate to the root logger while
        configured (no doubled lines under an application's own ``basicConfig``).

    Raises:
        ValueError: verbosity is not 0, 1 or 2.
    """
    level = verbosity_level(verbosity)
    logger = get_logger()
    _remove(logger, only_files=False)
    logger.setLevel(level)
    logger.propagate = False

    console = _ConsoleHandler()
    console.setLevel(max(level, logging.WARNING) if quiet else level)
    console.setFormatter(logging.Formatter("%(message)s"))
    setattr(console, _MARK, True)
    logger.addHandler(console)

    if log_dir is not None:
        os.makedirs(log_dir, exist_ok=True)
        file_handler = logging.FileHandler(os.path.join(log_dir, LOG_FILE), encoding="utf-8")
        file_handler.setLevel(level)
        file_handler.setFormatter(logging.Formatter(_FILE_FORMAT))
        setattr(file_handler, _MARK, True)
        logger.addHandler(file_handler)
    return logger


def close_logging(all_handlers=False):
    """Remove and close the file handlers :func:`setup_logging` installed.

    Args:
        all_handlers: also remove the console handler and let the logger propagate to
            the root logger again (as before any setup).
    """
    logger = get_logger()
    _remove(logger, only_files=not all_handlers)
    if all_handlers:
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
