"""Reading experiment YAML: ``yaml.safe_load`` semantics plus three repairs.

:class:`ConfigLoader` is a ``yaml.SafeLoader`` that

- rejects duplicate keys (PyYAML silently keeps the last one), naming both lines;
- reads ``1e-3``, ``5E4``, ``1.0e3`` as floats (PyYAML's YAML 1.1 resolver wants a dot
  and a signed exponent, so ``lr: 1e-3`` would otherwise arrive as the string "1e-3");
- leaves the node tree available, so :func:`load_yaml` records the line of every key and
  validation errors can say ``config.yaml, line 12: trainer.epochs: ...``.

Everything else is YAML 1.1 as ``safe_load`` reads it (``off``/``yes`` are booleans).

Bounds: a config is small, so the text is capped at :data:`MAX_CONFIG_BYTES`, nesting
at :data:`MAX_DEPTH` levels and the document, with every alias and merge key expanded,
at :data:`MAX_NODES` nodes.  The expanded size is counted on the composed node graph
(each shared node once, multiplied by its uses), so an alias bomb ("billion laughs") is
refused in milliseconds without being expanded, and deep nesting gives an error line
instead of a RecursionError.
"""
import copy
import os
import re

import yaml

from framework.config.checks import closest
from framework.errors import ConfigError

__all__ = ["ConfigLoader", "RawConfig", "load_yaml", "parse_value", "FLOAT_EXPONENT_PATTERN",
           "MAX_CONFIG_BYTES", "MAX_DEPTH", "MAX_NODES", "check_bounds"]

_MERGE_TAG = "tag:yaml.org,2002:merge"

#: Largest config file read (a config is a few kilobytes).
MAX_CONFIG_BYTES = 1 << 20
#: Deepest nesting of mappings and lists, counted with aliases expanded.
MAX_DEPTH = 50
#: Most nodes a document may have with every alias and merge key expanded.
MAX_NODES = 100_000


class _TooBig(yaml.YAMLError):
    """The document breaks a bound; carries the mark of the node where it was noticed."""

    def __init__(self, problem, mark):
        super().__init__(problem)
        self.problem, self.problem_mark = problem, mark


class ConfigLoader(yaml.SafeLoader):
    """SafeLoader with exponent floats, duplicate-key errors and a nesting bound."""

    _depth = 0

    def fetch_flow_collection_start(self, token_class):
        # The scanner keeps state per open bracket and rescans it for every token:
        # thousands of '[' take seconds before the composer sees the first node.
        super().fetch_flow_collection_start(token_class)
        if self.flow_level > MAX_DEPTH:
            raise _TooBig(f"brackets nested deeper than {MAX_DEPTH} levels; a config needs "
                          f"a few", self.get_mark())

    def compose_node(self, parent, index):
        # The composer recurses once per level: bound it before Python's stack does.
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooBig(f"nesting deeper than {MAX_DEPTH} levels; a config needs a "
                              f"few", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG:  # merged keys may legally be overridden
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:  # unhashable key: the base class reports it
                    continue
                line = key_node.start_mark.line + 1
                if first is not None:
                    raise yaml.constructor.ConstructorError(
                        None, None,
                        f"duplicate key {key!r} (first defined on line {first}); "
                        f"remove one of them", key_node.start_mark)
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


# YAML 1.2 floats PyYAML's 1.1 resolver misses: an exponent without a dot or without a
# sign.  Appended after the built-in resolvers, so ints and dotted floats resolve as before.
FLOAT_EXPONENT_PATTERN = re.compile(
    r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")
ConfigLoader.add_implicit_resolver("tag:yaml.org,2002:float", FLOAT_EXPONENT_PATTERN,
                                   list("-+0123456789."))


class RawConfig(dict):
    """The parsed YAML mapping, plus where each key came from.

    Attributes:
        source: the file it was read from, or None.
        locations: ``{path tuple: "config.yaml, line 12"}`` for every key and list item;
            overrides replace entries with ``"--set key=value"``.
    """

    def __init__(self, data=(), source=None, locations=None):
        super().__init__(data)
        self.source = source
        self.locations = dict(locations or {})

    def where(self, path):
        """Return the location of ``path`` (a tuple of keys), or of its nearest parent."""
        path = tuple(path)
        while path:
            if path in self.locations:
                return self.locations[path]
            path = path[:-1]
        return self.source

    def copy(self):
        """Return a deep copy that keeps the source and locations."""
        return RawConfig(copy.deepcopy(dict(self)), self.source, self.locations)


def _children(node):
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return node.value
    return ()


def check_bounds(node):
    """Refuse a composed document that is cyclic, too deep or too big once expanded.

    Each distinct node is visited once; its expanded size is memoised, so the cost is
    linear in the text however often aliases repeat a node.

    Raises:
        yaml.YAMLError: with the mark of the offending node.
    """
    sizes, active = {}, set()

    def size(n, level):
        if level > MAX_DEPTH:
            raise _TooBig(f"nesting deeper than {MAX_DEPTH} levels once aliases are "
                          f"expanded", n.start_mark)
        key = id(n)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise _TooBig("a recursive alias (a node that contains itself); write the "
                          "values out", n.start_mark)
        active.add(key)
        total = 1
        for child in _children(n):
            total += size(child, level + 1)
            if total > MAX_NODES:
                raise _TooBig(f"more than {MAX_NODES} values once aliases and merge keys "
                              f"are expanded (an alias bomb?); write a smaller config",
                              n.start_mark)
        active.discard(key)
        sizes[key] = total
        return total

    size(node, 0)


def _record_lines(node, path, source, out, seen):
    """Record the line of every key; a node reached again through an alias is not
    walked again (its keys report the line of the alias's key instead)."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE_TAG:
                sub = path + (key_node.value,)
                out.setdefault(sub, f"{source}, line {key_node.start_mark.line + 1}")
                _record_lines(value_node, sub, source, out, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            sub = path + (i,)
            out.setdefault(sub, f"{source}, line {item.start_mark.line + 1}")
            _record_lines(item, sub, source, out, seen)


def _yaml_error(source, exc):
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    detail = f"{problem} ({context})" if context and context not in problem else problem
    if "'\\t'" in detail:  # PyYAML's own words do not say what to do about it
        detail += "; hint: YAML indents with spaces, never tabs"
    if mark is not None:
        return ConfigError(f"{source}, line {mark.line + 1}, column {mark.column + 1}: "
                           f"invalid YAML: {detail}")
    return ConfigError(f"{source}: invalid YAML: {detail}")


def _not_found(path):
    folder = os.path.dirname(path) or "."
    hint = "pass an existing file, e.g. configs/default.yaml"
    if os.path.isdir(folder):
        names = [n for n in os.listdir(folder) if n.endswith((".yaml", ".yml"))]
        match = closest(os.path.basename(path), names)
        if match:
            hint = f"did you mean {os.path.join(folder, match)}?"
    return ConfigError(f"config file not found: {path} ({hint})")


def _load_bounded(text, source):
    """Compose, bound-check and construct one YAML document: ``(node, data)``."""
    loader = ConfigLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        check_bounds(node)
        return node, loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _yaml_error(source, exc) from None
    except RecursionError:  # the bounds make this unreachable; never a traceback anyway
        raise ConfigError(f"{source}: nested too deeply to read") from None
    finally:
        loader.dispose()


def load_yaml(path):
    """Read a YAML config file into a :class:`RawConfig` (not validated yet).

    Args:
        path: the YAML file.

    Returns:
        A :class:`RawConfig` (a dict) with the source and line of every key.

    Raises:
        ConfigError: the file is missing, a folder, unreadable, not UTF-8, larger than
            :data:`MAX_CONFIG_BYTES`, empty, not valid YAML (line and column given), has a
            duplicate key, breaks the nesting or alias-expansion bounds, or its top level
            is not a mapping.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise ConfigError(f"config path {path} is a folder; expected a YAML file")
    if not os.path.exists(path):
        raise _not_found(path)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_CONFIG_BYTES + 1)
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES // 1024} KiB; a config "
                              f"is a few kilobytes of YAML (is this the right file?)")
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc}); save the config as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from None
    node, data = _load_bounded(text, path)
    if node is None:
        raise ConfigError(f"{path}: the config file is empty; expected a mapping with "
                          f"name:, arch:, data_loader:, ... (see configs/default.yaml)")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}, line {node.start_mark.line + 1}: the top level must be a "
                          f"mapping of keys (name:, arch:, ...), got a {type(data).__name__}")
    locations = {}
    _record_lines(node, (), path, locations, set())
    return RawConfig(data, source=path, locations=locations)


def parse_value(text, where=None):
    """Parse one override value the way the config file would read it.

    ``"3"`` -> 3, ``"1e-3"`` -> 0.001, ``"true"`` -> True, ``"[64, 32]"`` -> [64, 32],
    ``""`` -> None, ``"min val_loss"`` -> "min val_loss".

    Raises:
        ConfigError: the text is not valid YAML (``where`` prefixes the message).
    """
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{where or 'value'}: longer than {MAX_CONFIG_BYTES // 1024} KiB")
    return _load_bounded(text, where or repr(text))[1]
