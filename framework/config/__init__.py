"""Experiment configs: YAML loading, schema validation, overrides, resolved copies.

Typical use (what ``train.py`` does)::

    raw = load_yaml("configs/default.yaml")
    raw = apply_overrides(raw, ["trainer.epochs=3"], lr=1e-3)
    cfg = validate_config(raw)          # or simply: load_config(path, sets, lr=1e-3)
    save_resolved_config(cfg, run_dir / "config.yaml", overrides, package_versions())
"""
from framework.config.checks import check_safe_name
from framework.config.loader import ConfigLoader, RawConfig, load_yaml, parse_value
from framework.config.overrides import SHORTCUTS, apply_overrides
from framework.config.resolved import (config_to_dict, dump_config, package_versions,
                                       save_resolved_config)
from framework.config.schema import (ComponentConfig, DataLoaderArgs, DataLoaderConfig,
                                     ExperimentConfig, SchedulerConfig, TrainerConfig)
from framework.config.validate import validate_config

__all__ = [
    "load_config", "load_yaml", "validate_config", "apply_overrides", "parse_value",
    "config_to_dict", "dump_config", "save_resolved_config", "package_versions",
    "check_safe_name", "ConfigLoader", "RawConfig", "SHORTCUTS",
    "ExperimentConfig", "ComponentConfig", "DataLoaderConfig", "DataLoaderArgs",
    "SchedulerConfig", "TrainerConfig",
]


def load_config(path, sets=(), *, lr=None, bs=None, epochs=None):
    """Read, override and validate an experiment config.

    Args:
        path: the YAML file.
        sets: ``--set`` overrides, ``["trainer.epochs=3", ...]``.
        lr, bs, epochs: the ``--lr``, ``--bs`` and ``--epochs`` shortcuts (None: unset).

    Returns:
        An :class:`ExperimentConfig`.

    Raises:
        ConfigError: the file cannot be read or parsed, an override is malformed, or the
            result does not validate; the message names the file and line (or the
            override) and the dotted key.
    """
    raw = load_yaml(path)
    if sets or lr is not None or bs is not None or epochs is not None:
        raw = apply_overrides(raw, sets, lr=lr, bs=bs, epochs=epochs)
    return validate_config(raw)
