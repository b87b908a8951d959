"""Run folders: ``<save_dir>/models/<name>/<run_id>/`` and ``<save_dir>/log/<name>/<run_id>/``.

The run id defaults to the start time, ``%m%d_%H%M%S`` (pytorch-template's habit).  It
never collides: the models folder is claimed with ``os.makedirs(exist_ok=False)``, which
is atomic, so two runs started in the same second (or an id already on disk) get
``<id>_1``, ``<id>_2``, ...
"""
import errno
import os
import shutil
from datetime import datetime

from framework.config.checks import check_safe_name
from framework.errors import ConfigError

__all__ = ["make_run_dirs", "RUN_ID_FORMAT", "check_save_dir", "remove_run_dirs"]

#: strftime format of the default run id.
RUN_ID_FORMAT = "%m%d_%H%M%S"
_MAX_SUFFIX = 10_000


def _save_dir_error(save_dir, problem):
    return ConfigError(f"trainer.save_dir: {save_dir!r} {problem}; set trainer.save_dir (or "
                       f"--set trainer.save_dir=PATH) to a writable folder")


def check_save_dir(save_dir):
    """Check that run folders can be created under ``save_dir``, creating nothing.

    Raises:
        ConfigError: a file is in the way, the path is too long, or the nearest
            existing folder is not writable (read-only file system, permissions).
    """
    path = os.path.abspath(os.fspath(save_dir))
    try:
        name_max = os.pathconf("/", "PC_NAME_MAX")
        path_max = os.pathconf("/", "PC_PATH_MAX")
    except (OSError, ValueError, AttributeError):
        name_max, path_max = 255, 4096
    if len(os.fsencode(path)) + 250 > path_max:  # room for models/<name>/<run_id>/<file>
        raise _save_dir_error(save_dir, f"is too long ({len(path)} characters)")
    for part in path.split(os.sep):
        if len(os.fsencode(part)) > name_max:
            raise _save_dir_error(save_dir, f"has a folder name longer than {name_max} "
                                            f"bytes ({part[:20]}...)")
    probe = path
    while not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    if not os.path.isdir(probe):
        raise _save_dir_error(save_dir, f"cannot hold folders: {probe} is a file")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise _save_dir_error(save_dir, f"is not writable ({probe} is read-only)")


def remove_run_dirs(*folders):
    """Remove run folders created by :func:`make_run_dirs` (a run that never started)."""
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def _made(path):
    """``os.makedirs`` that returns the folders it created (outermost first)."""
    created = []
    probe = os.path.abspath(path)
    while not os.path.exists(probe):
        created.append(probe)
        probe = os.path.dirname(probe)
    os.makedirs(path, exist_ok=True)
    return created[::-1]


def make_run_dirs(save_dir, name, run_id=None, *, now=None):
    """Create a fresh pair of run folders, or none at all.

    Args and Returns: see :func:`_make_run_dirs`.

    Raises:
        ConfigError: a bad name or run id, no free id, or ``save_dir`` cannot hold the
            folders (a file in the way, read-only, too long); whatever was created for
            this call is removed again.
    """
    created = []
    try:
        return _make_run_dirs(save_dir, name, run_id, now=now, created=created)
    except OSError as exc:
        for folder in reversed(created):
            try:
                os.rmdir(folder)
            except OSError:
                pass
        problem = {errno.EROFS: "is on a read-only file system",
                   errno.EACCES: "is not writable (permission denied)",
                   errno.ENOSPC: "is on a full disk",
                   errno.ENAMETOOLONG: "is too long",
                   errno.ENOTDIR: "runs through a file"}.get(exc.errno, None)
        detail = f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)
        raise _save_dir_error(save_dir, f"{problem or 'cannot hold the run folders'} "
                                        f"({detail})") from None


def _make_run_dirs(save_dir, name, run_id=None, *, now=None, created):
    """Create a fresh pair of run folders.

    Args:
        save_dir: the root (``trainer.save_dir``, e.g. ``saved/``); created if needed.
        name: the experiment name, a safe folder name.
        run_id: the wanted run id (a safe folder name); default: ``now`` formatted with
            :data:`RUN_ID_FORMAT`.  A suffix ``_1``, ``_2``, ... is added when taken.
        now: the datetime for the default run id (default: the current time).

    Returns:
        ``(models_dir, log_dir)``, both created and empty.

    Raises:
        ConfigError: ``name`` or ``run_id`` is not a safe folder name, or no free id
            was found.
        OSError: the folders cannot be created (permissions, a file in the way).
    """
    check_safe_name(name, "name")
    if run_id is None:
        run_id = (now or datetime.now()).strftime(RUN_ID_FORMAT)
    check_safe_name(run_id, "run_id")
    save_dir = os.fspath(save_dir)
    models_root = os.path.join(save_dir, "models", name)
    log_root = os.path.join(save_dir, "log", name)
    created += _made(models_root)
    created += _made(log_root)
    for n in range(_MAX_SUFFIX):
        candidate = run_id if n == 0 else f"{run_id}_{n}"
        models_dir = os.path.join(models_root, candidate)
        log_dir = os.path.join(log_root, candidate)
        try:
            os.makedirs(models_dir, exist_ok=False)  # the atomic claim
        except FileExistsError:
            continue
        try:
            os.makedirs(log_dir, exist_ok=False)
        except FileExistsError:
            # a stray log folder with this id: give the claim back, try the next id
            os.rmdir(models_dir)
            continue
        except BaseException:
            os.rmdir(models_dir)
            raise
        return models_dir, log_dir
    raise ConfigError(f"no free run id in {models_root}: {run_id!r} and {_MAX_SUFFIX - 1} "
                      f"suffixed ids are taken; pass another run id or clean up old runs")
