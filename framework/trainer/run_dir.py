"""Run folders: ``<save_dir>/models/<name>/<run_id>/`` and ``<save_dir>/log/<name>/<run_id>/``.

The run id defaults to the start time, ``%m%d_%H%M%S`` (pytorch-template's habit).  It
never collides: the models folder is claimed with ``os.makedirs(exist_ok=False)``, which
is atomic, so two runs started in the same second (or an id already on disk) get
``<id>_1``, ``<id>_2``, ...
"""
import os
from datetime import datetime

from framework.config.checks import check_safe_name
from framework.errors import ConfigError

__all__ = ["make_run_dirs", "RUN_ID_FORMAT"]

#: strftime format of the default run id.
RUN_ID_FORMAT = "%m%d_%H%M%S"
_MAX_SUFFIX = 10_000


def make_run_dirs(save_dir, name, run_id=None, *, now=None):
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
    os.makedirs(models_root, exist_ok=True)
    os.makedirs(log_root, exist_ok=True)
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
