"""Small value checks shared by config validation, overrides and run folders.

Each check returns the accepted value or raises :class:`ConfigError` with the dotted
path, what was expected, what was found and, where one helps, a hint.  Bools are never
accepted as numbers (YAML's ``yes``/``on`` would otherwise slip through as 1).
"""
import numbers
import re

from framework.errors import ConfigError, DeviceError
from framework.registry import closest_match

__all__ = [
    "describe", "closest", "config_error", "check_safe_name", "is_int", "is_number",
    "parse_monitor", "SAFE_NAME_PATTERN", "integer", "boolean", "text", "number", "choice",
    "seed", "device", "monitor", "threads", "validation_split", "safe_name",
    "optional_integer", "argument",
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
    """Return the candidate closest to ``word`` (case-insensitive first), or None.

    The one closest-match rule of the package: registries, config keys and file names
    all use :func:`framework.registry.closest_match`.
    """
    return closest_match(str(word), [str(c) for c in candidates])


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


# ---------------------------------------------------------------------------------------
# Value checks named in the config schema's field metadata.  Each takes the value and
# returns the accepted (normalised) value, or raises ValueError with "expected ..., got
# ..."; the validator adds the dotted key and the file and line.

def integer(minimum, expected):
    """A check accepting ints (not bools) >= ``minimum``."""
    def check(value):
        if not is_int(value) or value < minimum:
            raise ValueError(f"expected {expected}, got {describe(value)}")
        return int(value)
    check.expected = expected
    return check


def optional_integer(minimum, expected, none=0):
    """Like :func:`integer`, with None read as ``none``."""
    inner = integer(minimum, expected)
    def check(value):
        return none if value is None else inner(value)
    check.expected = expected
    return check


def number(expected, minimum=None, exclusive=False):
    """A check accepting ints and floats above ``minimum`` (bools are not numbers)."""
    def check(value):
        ok = is_number(value) and (minimum is None or (value > minimum if exclusive
                                                       else value >= minimum))
        if not ok:
            raise ValueError(f"expected {expected}, got {describe(value)}")
        return value
    check.expected = expected
    return check


def choice(values, expected):
    """A check accepting one of ``values`` (ints: bools excluded)."""
    def check(value):
        if isinstance(value, bool) or value not in values:
            raise ValueError(f"expected {expected}, got {describe(value)}")
        return value
    check.expected = expected
    return check


def boolean(value):
    """true or false."""
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {describe(value)}")
    return value


def text(expected="a non-empty string"):
    """A check accepting non-blank strings."""
    def check(value):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"expected {expected}, got {describe(value)}")
        return value
    check.expected = expected
    return check


def seed(value):
    """An integer in [0, 2**32)."""
    if not is_int(value) or not 0 <= value < 2 ** 32:
        raise ValueError(f"expected an integer in [0, 2**32), got {describe(value)}")
    return int(value)


def device(value):
    """A device string as :func:`framework.backend.parse_device` reads it."""
    from framework.backend import parse_device
    expected = "expected 'cpu', 'gpu', 'gpu:N', 'cuda' or 'cuda:N'"
    if not isinstance(value, str):
        raise ValueError(f"{expected}, got {describe(value)}")
    try:
        parse_device(value)
    except DeviceError:
        raise ValueError(f"{expected}, got {describe(value)}") from None
    return value.strip().lower()


def monitor(value):
    """``off``, ``min <metric>`` or ``max <metric>``, normalised to single spaces."""
    mode, metric = parse_monitor(value)
    return "off" if mode == "off" else f"{mode} {metric}"


def threads(value):
    """``auto`` or a positive integer."""
    if value == "auto":
        return value
    return integer(1, "'auto' or a positive integer")(value)


def validation_split(value):
    """A fraction in [0, 1) or a sample count >= 0."""
    ok = is_int(value) and value >= 0 or \
        is_number(value) and not is_int(value) and 0.0 <= value < 1.0
    if not ok:
        raise ValueError(f"expected a fraction in [0, 1) or a sample count >= 0, got "
                         f"{describe(value)}")
    return int(value) if is_int(value) else float(value)


def safe_name(value):
    """A portable folder name (see :func:`check_safe_name`)."""
    try:
        return check_safe_name(value, what="")
    except ConfigError as exc:
        raise ValueError(str(exc)) from None


def argument(name, check, value):
    """Check a factory argument: ``check(value)``, its message prefixed with ``name``.

    Raises:
        ValueError: ``"<name>: expected ..., got ..."``.
    """
    try:
        return check(value)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None
