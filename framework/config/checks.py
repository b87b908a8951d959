"""Small value checks shared by config validation, overrides and run folders.

Each check returns the accepted value or raises :class:`ConfigError` with the dotted
path, what was expected, what was found and, where one helps, a hint.  Bools are never
accepted as numbers (YAML's ``yes``/``on`` would otherwise slip through as 1).
"""
import difflib
import numbers
import re

from framework.errors import ConfigError

__all__ = [
    "describe", "closest", "config_error", "check_safe_name", "is_int", "is_number",
    "parse_monitor", "SAFE_NAME_PATTERN",
]

#: A folder name that is portable and cannot climb out of its parent.
SAFE_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def describe(value):
    """Return ``'ten' (str)``: the value and its type, for error messages."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def closest(word, candidates):
    """Return the candidate closest to ``word`` (difflib), or None."""
    matches = difflib.get_close_matches(str(word), [str(c) for c in candidates], n=1,
                                        cutoff=0.6)
    return matches[0] if matches else None


def parse_monitor(value):
    """Split a monitor string: ``"min val_loss"`` -> ``("min", "val_loss")``.

    ``"off"`` (any case) and YAML's ``off`` (read as False) give ``("off", None)``.

    Raises:
        ValueError: anything else; the message shows the accepted forms.
    """
    if value is False or isinstance(value, str) and value.strip().lower() == "off":
        return "off", None
    parts = value.split() if isinstance(value, str) else []
    if len(parts) != 2 or parts[0] not in ("min", "max"):
        raise ValueError(f"expected 'off', 'min <metric>' or 'max <metric>' (e.g. "
                         f"'min val_loss'), got {describe(value)}")
    return parts[0], parts[1]


def config_error(path, message, where=None):
    """Build a ConfigError ``"<where>: <path>: <message>"``.

    Args:
        path: dotted config path (``trainer.epochs``), or empty for the whole config.
        message: what was expected and found.
        where: the location, e.g. ``"config.yaml, line 12"`` or ``"--set a.b=1"``.
    """
    parts = [p for p in (where, path, message) if p]
    return ConfigError(": ".join(parts))


def is_int(value):
    """True for ints (numpy integers too), False for bools."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_number(value):
    """True for ints and floats (numpy ones too), False for bools."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_safe_name(value, what="name", where=None):
    """Check that ``value`` can be used as one folder name.

    Args:
        value: the candidate (an experiment name or run id).
        what: the dotted path used in the message.
        where: location prefix for the message.

    Returns:
        ``value``.

    Raises:
        ConfigError: not a string, empty, longer than 100 characters, or containing
            anything but letters, digits, ``.``, ``_`` and ``-`` (not first).
    """
    if not isinstance(value, str):
        raise config_error(what, f"expected a folder name (a string), got {describe(value)}",
                           where)
    if not SAFE_NAME_PATTERN.fullmatch(value):
        hint = re.sub(r"[^A-Za-z0-9._-]+", "_", value).lstrip("._-")[:100] or "my_experiment"
        raise config_error(
            what, f"{value!r} is not a safe folder name: use ASCII letters, digits, '.', '_' and "
                  f"'-', starting with a letter or digit, at most 100 characters "
                  f"(e.g. {hint!r})", where)
    return value
