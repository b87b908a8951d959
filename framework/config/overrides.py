"""Command-line overrides: ``--set trainer.epochs=3`` and the ``--lr/--bs/--epochs`` shortcuts.

Overrides change the raw mapping before validation, so an overridden value is checked
exactly like one written in the file.  Values are parsed by the config's own YAML loader
(``1e-3`` is a float, ``[64, 32]`` a list, ``null`` None).  A key outside the schema is an
error naming the closest valid key, except below any ``args`` (and in
``data_loader.args``), where new keys are factory arguments.
"""
import copy

from framework.config.checks import closest, describe
from framework.config.loader import RawConfig, parse_value
from framework.config.schema import ExperimentConfig, schema_fields
from framework.config.validate import dotted
from framework.errors import ConfigError

__all__ = ["apply_overrides", "SHORTCUTS", "SCHEMA"]

#: Shortcut options and the config key each one sets.
SHORTCUTS = {
    "lr": ("optimizer", "args", "lr"),
    "bs": ("data_loader", "args", "batch_size"),
    "epochs": ("trainer", "epochs"),
}


class _Any:
    """Schema marker: anything may follow (factory arguments)."""


class _ListOf:
    """Schema marker: a list whose items follow ``item``."""

    def __init__(self, item):
        self.item = item


class _Open(dict):
    """Schema marker: a mapping whose keys not listed are free-form (``data_loader.args``)."""


_ANY = _Any()
_LEAF = None
_COMPONENT = {"type": _LEAF, "args": _ANY}


def _tree(cls):
    """The key tree of a config dataclass, from its fields' ``kind`` metadata."""
    out = {}
    open_ = False
    for f in schema_fields(cls):
        kind = f.metadata.get("kind", "value")
        if kind == "section":
            out[f.name] = _tree(f.metadata["cls"])
        elif kind == "component":
            out[f.name] = _COMPONENT
        elif kind == "components":
            out[f.name] = _ListOf(_COMPONENT)
        elif kind == "modules":
            out[f.name] = _ListOf(_LEAF)
        elif kind == "args":
            out[f.name] = _ANY
        elif kind == "rest":
            open_ = True
        else:
            out[f.name] = _LEAF
    return _Open(out) if open_ else out


#: The key tree overrides may address (derived from the schema); ``_ANY`` below ``args``.
SCHEMA = _tree(ExperimentConfig)


def _fail(origin, message):
    return ConfigError(f"{origin}: {message}")


def _set(root, parts, value, origin):
    """Assign ``value`` at ``parts`` inside ``root``, checking each key against SCHEMA."""
    schema, cur = SCHEMA, root
    for i, part in enumerate(parts):
        here = tuple(parts[:i])
        if isinstance(schema, _ListOf):
            if not part.isdigit():
                raise _fail(origin, f"{dotted(here)} is a list; expected an item index, got "
                                    f"{part!r}")
            schema = schema.item
        elif isinstance(schema, dict):
            if part not in schema and isinstance(schema, _Open):
                schema = _ANY  # a factory argument beside the known keys
            elif part not in schema:
                match = closest(part, list(schema))
                hint = f"; did you mean {match!r}?" if match else ""
                where = f" in {dotted(here)}" if here else ""
                raise _fail(origin, f"unknown key {part!r}{where}{hint} (valid keys: "
                                    f"{', '.join(schema)})")
            else:
                schema = schema[part]
        last = i == len(parts) - 1
        if schema is _LEAF and not last:
            raise _fail(origin, f"{dotted(tuple(parts[:i + 1]))} is a single value; it has "
                                f"no key {parts[i + 1]!r}")
        if isinstance(cur, list):
            index = int(part) if part.isdigit() else None
            if index is None or index >= len(cur):
                raise _fail(origin, f"{dotted(here)} has {len(cur)} item(s), no item {part!r}; "
                                    f"set the whole list instead (e.g. --set "
                                    f"{dotted(here)}=[...])")
            key = index
        else:
            key = part
        if last:
            cur[key] = value
            return
        nxt = cur[key] if isinstance(cur, list) else cur.get(key)
        if nxt is None:
            nxt = [] if isinstance(schema, _ListOf) else {}
            cur[key] = nxt
        elif isinstance(nxt, str) and schema is _COMPONENT:
            nxt = {"type": nxt, "args": {}}  # `loss: mse` -> {type: mse, args: {...}}
            cur[key] = nxt
        elif not isinstance(nxt, (dict, list)):
            raise _fail(origin, f"cannot set {dotted(parts)}: {dotted(here + (key,))} is "
                                f"{describe(nxt)}, not a mapping")
        cur = nxt


def _record(out, path, origin):
    for known in [p for p in out.locations if p[:len(path)] == path]:
        del out.locations[known]
    out.locations[path] = origin


def apply_overrides(raw, sets=(), lr=None, bs=None, epochs=None):
    """Apply ``--set`` overrides and shortcuts to a raw config mapping.

    Args:
        raw: the mapping from :func:`load_yaml` (or any dict); it is not modified.
        sets: ``["trainer.epochs=3", "optimizer.args.lr=1e-3", ...]``; list items are
            addressed by index (``metrics.0=top_k``).
        lr: sets ``optimizer.args.lr`` unless None.
        bs: sets ``data_loader.args.batch_size`` unless None.
        epochs: sets ``trainer.epochs`` unless None.

    Returns:
        A new :class:`RawConfig`; overridden keys report ``--set key=value`` as their
        location in later validation errors.

    Raises:
        ConfigError: an item without ``=``, an empty key segment, an unknown key (with
            the closest valid one), a value that is not valid YAML, or a path through a
            value that is not a mapping.
    """
    if isinstance(raw, RawConfig):
        out = raw.copy()
    else:
        out = RawConfig(copy.deepcopy(dict(raw)))
    if isinstance(sets, str):  # a single "key=value" rather than a list of them
        sets = [sets]
    for item in sets or ():
        origin = f"--set {item}"
        if not isinstance(item, str) or "=" not in item:
            raise ConfigError(f"--set expects key=value (e.g. --set trainer.epochs=3), got "
                              f"{item!r}")
        key, text = item.split("=", 1)
        parts = [p.strip() for p in key.strip().split(".")]
        if not all(parts):
            raise _fail(origin, f"invalid key {key!r}: expected dotted names like "
                                f"trainer.epochs")
        _set(out, parts, parse_value(text, where=origin), origin)
        _record(out, tuple(int(p) if p.isdigit() else p for p in parts), origin)
    for option, value in (("lr", lr), ("bs", bs), ("epochs", epochs)):
        if value is None:
            continue
        origin = f"--{option} {value}"
        if isinstance(value, str):
            value = parse_value(value, where=origin)
        path = SHORTCUTS[option]
        _set(out, list(path), value, origin)
        _record(out, path, origin)
    return out
