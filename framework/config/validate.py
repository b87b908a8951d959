"""Turning a parsed YAML mapping into an :class:`ExperimentConfig`, or a clear error.

The walk is driven by the schema's field metadata (:mod:`framework.config.schema`):
nothing here names a config key.  Every error is a :class:`ConfigError`
``"<file>, line <n>: <dotted.path>: <problem>"`` (or ``"--set key=value: ..."`` for a
value that came from an override), naming what was expected, what was found, and the
closest valid key for a misspelt one.
"""
import re
from dataclasses import MISSING, fields

from framework.config.checks import closest, config_error, describe
from framework.config.loader import RawConfig
from framework.config.schema import FOREIGN_KEYS, ComponentConfig, ExperimentConfig
from framework.errors import ConfigError

__all__ = ["validate_config", "dotted", "MODULE_PATTERN"]

#: A plugin module name: dotted Python identifiers.
MODULE_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_COMPONENT_EXAMPLE = "{type: <registered name>, args: {...}}"


def dotted(path):
    """Format a key path: ``("metrics", 0, "type")`` -> ``metrics[0].type``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _required(f):
    return f.default is MISSING and f.default_factory is MISSING


class _Validator:
    def __init__(self, raw):
        self.raw = raw

    def where(self, path):
        return self.raw.where(path) if isinstance(self.raw, RawConfig) else None

    def error(self, path, message):
        return config_error(dotted(path), message, self.where(path))

    def check_keys(self, mapping, path, allowed, required=()):
        for k in mapping:
            if k not in allowed:
                match = closest(k, allowed)
                hint = f"; did you mean {match!r}?" if match else ""
                raise self.error(path + (k,),
                                 f"unknown key {k!r}{hint} (valid keys: {', '.join(allowed)})")
        for k in required:
            if k not in mapping:
                raise self.error(path, f"missing required key {k!r}")

    def mapping(self, value, path, example):
        if not isinstance(value, dict):
            raise self.error(path, f"expected a mapping like {example}, got {describe(value)}")
        return value

    def checked(self, check, value, path):
        try:
            return check(value)
        except (ValueError, ConfigError) as exc:
            raise self.error(path, str(exc)) from None

    def args(self, value, path):
        if value is None:
            return {}
        self.mapping(value, path, "{key: value, ...}")
        for k in value:
            if not isinstance(k, str):
                raise self.error(path + (k,), f"argument names must be strings, got "
                                              f"{describe(k)}")
        return dict(value)

    def component(self, value, path, short=False, arg_checks=None):
        if short and isinstance(value, str):
            comp = ComponentConfig(type=self.checked(
                lambda v: v if v.strip() else self._blank(v), value, path), args={})
        else:
            if isinstance(value, str):
                raise self.error(path, f"expected a mapping like {_COMPONENT_EXAMPLE}, got "
                                       f"{describe(value)}; write {{type: {value}}}")
            comp = self.section(ComponentConfig, value, path, _COMPONENT_EXAMPLE)
        for name, check in (arg_checks or {}).items():
            if name in comp.args:
                self.checked(check, comp.args[name], path + ("args", name))
        return comp

    @staticmethod
    def _blank(value):
        raise ValueError(f"expected a registered name, got {describe(value)}")

    def components(self, value, path, hint):
        if value is None:
            return []
        if not isinstance(value, list):
            extra = f"; write [{value}]" if isinstance(value, str) else ""
            raise self.error(path, f"expected a list of {hint}, got {describe(value)}{extra}")
        return [self.component(item, path + (i,), short=True) for i, item in enumerate(value)]

    def modules(self, value, path):
        if value is None:
            return []
        if not isinstance(value, list):
            extra = f"; write [{value}]" if isinstance(value, str) else ""
            raise self.error(path, f"expected a list of module names, got "
                                   f"{describe(value)}{extra}")
        for i, name in enumerate(value):
            if not isinstance(name, str) or not MODULE_PATTERN.fullmatch(name):
                raise self.error(path + (i,), f"expected an importable module name like "
                                              f"'my_project.models', got {describe(name)}")
        return list(value)

    def section(self, cls, value, path, example):
        """Validate ``value`` (a mapping) into the dataclass ``cls``, field by field."""
        self.mapping(value, path, example)
        named = [f for f in fields(cls) if f.metadata.get("kind") != "rest"]
        rest = [f for f in fields(cls) if f.metadata.get("kind") == "rest"]
        names = [f.name for f in named]
        if not rest:
            self.check_keys(value, path, names)
        for f in named:
            if _required(f) and f.name not in value:
                hint = f.metadata.get("missing")
                raise self.error(path, f"missing required key {f.name!r}"
                                       + (f" {hint}" if hint else ""))
        kwargs = {}
        for f in named:
            if f.name in value:
                kwargs[f.name] = self.value(f, value[f.name], path + (f.name,))
        for f in rest:
            kwargs[f.name] = {k: v for k, v in value.items() if k not in names}
        return cls(**kwargs)

    def value(self, f, value, path):
        meta = f.metadata
        kind = meta.get("kind", "value")
        if kind == "section":
            if value is None and f.default is None:
                return None  # an optional section left out
            return self.section(meta["cls"], value, path, meta["example"])
        if kind == "component":
            if value is None and f.default is None:
                return None
            return self.component(value, path, short=meta.get("short", False),
                                  arg_checks=meta.get("arg_checks"))
        if kind == "components":
            return self.components(value, path, meta["hint"])
        if kind == "modules":
            return self.modules(value, path)
        if kind == "args":
            return self.args(value, path)
        return self.checked(meta["check"], value, path)


def validate_config(raw):
    """Validate a parsed config mapping.

    Args:
        raw: a dict, typically a :class:`RawConfig` from :func:`load_yaml` (after
            :func:`apply_overrides`); its locations make errors name file and line.

    Returns:
        An :class:`ExperimentConfig`.

    Raises:
        ConfigError: an unknown key (with the closest valid one), a missing required
            key, a value of the wrong type, or a value out of range.
    """
    validator = _Validator(raw)
    if not isinstance(raw, dict):
        raise validator.error((), f"the top level must be a mapping, got {describe(raw)}")
    required = [f.name for f in fields(ExperimentConfig) if _required(f)]
    validator.check_keys(raw, (), [f.name for f in fields(ExperimentConfig)]
                         + list(FOREIGN_KEYS), required)
    for name, example in FOREIGN_KEYS.items():  # checked by the command that owns them
        if raw.get(name) is not None:
            validator.mapping(raw[name], (name,), example)
    own = {k: v for k, v in raw.items() if k not in FOREIGN_KEYS}
    return validator.section(ExperimentConfig, own, (), "{name: ..., arch: ..., ...}")
