"""Writing the resolved config of a run, and the package versions it ran with.

Every run folder gets a ``config.yaml`` holding the config after defaults and overrides,
so ``train.py -c saved/models/<name>/<run_id>/config.yaml`` repeats the run.  The file is
written atomically and reads back (through :func:`framework.config.load_config`) into an
equal :class:`ExperimentConfig`.
"""
import copy
import importlib.metadata
import platform

import yaml

from framework.config.loader import FLOAT_EXPONENT_PATTERN
from framework.config.schema import schema_fields
from framework.serialization import atomic_write

__all__ = ["config_to_dict", "package_versions", "save_resolved_config", "dump_config"]

_VERSIONED = (("zeronn", "zeronn"), ("numpy", "numpy"), ("pluggy", "pluggy"),
              ("pyyaml", "PyYAML"), ("tensorboard", "tensorboard"), ("tqdm", "tqdm"))


class _ConfigDumper(yaml.SafeDumper):
    """SafeDumper that quotes strings the config loader would read as floats ("1e-3")."""


_ConfigDumper.add_implicit_resolver("tag:yaml.org,2002:float", FLOAT_EXPONENT_PATTERN,
                                    list("-+0123456789."))


def _component(comp, allow_name=False):
    if allow_name and not comp.args:
        return comp.type
    return {"type": comp.type, "args": copy.deepcopy(comp.args)}


def _value(f, value):
    kind = f.metadata.get("kind", "value")
    if kind == "section":
        return None if value is None else _section(value)
    if kind == "component":
        return None if value is None else _component(value, f.metadata.get("short", False))
    if kind == "components":
        return [_component(c, allow_name=True) for c in value]
    return copy.deepcopy(value)


def _section(obj):
    out = {}
    for f in schema_fields(type(obj)):
        value = getattr(obj, f.name)
        if f.metadata.get("kind") == "rest":
            out.update(copy.deepcopy(value))  # passed-through keys sit beside the known ones
        elif value is None and f.metadata.get("kind") == "section" \
                and not f.metadata.get("write_none"):
            continue  # an optional section the config did not give
        else:
            out[f.name] = _value(f, value)
    return out


def config_to_dict(cfg):
    """Return an :class:`ExperimentConfig` as the plain dict a YAML file would hold.

    Keys come in the schema's order; every default is written out.
    """
    return _section(cfg)


def dump_config(cfg):
    """Return the YAML text of a config (no comments)."""
    return yaml.dump(config_to_dict(cfg), Dumper=_ConfigDumper, sort_keys=False,
                     default_flow_style=False, allow_unicode=True, width=100)


def package_versions():
    """Return the versions of Python and the packages a run depends on.

    Returns:
        ``{"python": "3.11.7", "zeronn": "0.1.0", "numpy": ..., "pluggy": ...,
        "pyyaml": ..., "tensorboard": ..., "tqdm": ...}``; "unknown" for a package that
        is not installed as a distribution (e.g. zeronn run from a plain checkout).
    """
    versions = {"python": platform.python_version()}
    for key, dist in _VERSIONED:
        try:
            versions[key] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[key] = "unknown"
    return versions


def _comment(text):
    return " ".join(str(text).splitlines())


def save_resolved_config(cfg, path, overrides=None, versions=None):
    """Write a run's resolved config as YAML, atomically.

    Overrides and versions go into comments at the top, so the file loads back into a
    config equal to ``cfg``.

    Args:
        cfg: the :class:`ExperimentConfig`.
        path: destination file (its folder must exist), usually
            ``saved/models/<name>/<run_id>/config.yaml``.
        overrides: the command-line overrides applied (e.g. ``["--set trainer.epochs=3"]``).
        versions: ``{package: version}``, e.g. from :func:`package_versions`.

    Raises:
        FileNotFoundError: the folder does not exist.
    """
    lines = [f"# Resolved config of experiment {cfg.name!r}: defaults and overrides "
             f"applied; load it with train.py -c"]
    if overrides:
        lines.append("# overrides: " + _comment("  ".join(str(o) for o in overrides)))
    if versions:
        lines.append("# versions: " + _comment(", ".join(f"{k} {v}"
                                                          for k, v in versions.items())))
    text = "\n".join(lines) + "\n" + dump_config(cfg)
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))
