"""A module's saved state: state_dict, load_state_dict, save_weights, load_weights.

Loading is all-or-nothing: every key, shape and dtype conversion is checked first and
every problem is reported in one :class:`StateDictError`; only then are the arrays
copied in.  Weight files go through :mod:`framework.serialization` (atomic writes,
no pickle).
"""
from collections import OrderedDict, namedtuple

import numpy as np

from framework import backend
from framework.core import Variable
from framework.errors import CheckpointError
from framework.serialization import load_npz, save_npz

__all__ = ["StateDictError", "IncompatibleKeys", "state_dict", "load_state_dict",
           "save_weights", "load_weights", "WEIGHTS_FORMAT"]

#: The ``format`` entry of a weight file's metadata.
WEIGHTS_FORMAT = "zeronn.weights/1"

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class StateDictError(CheckpointError, KeyError):
    """A state dict does not fit a module: missing, unexpected or mis-shaped keys.

    Both a ``KeyError`` and a ``ValueError`` (through CheckpointError), so code
    catching either PyTorch-style exception sees it.

    Attributes:
        missing_keys, unexpected_keys: lists of key names.
        mismatched: list of ``(key, problem)`` pairs (shape or dtype problems).
    """

    def __init__(self, message, missing_keys=(), unexpected_keys=(), mismatched=()):
        super().__init__(message)
        self.missing_keys = list(missing_keys)
        self.unexpected_keys = list(unexpected_keys)
        self.mismatched = list(mismatched)

    def __str__(self):  # KeyError would print the message quoted
        return str(self.args[0])


def _walk(module, prefix, visit):
    """Call ``visit(key, module, kind, name, value)`` for every saved entry, torch's order."""
    for name, p in module._parameters.items():
        if p is not None:
            visit(prefix + name, module, "_parameters", name, p)
    for name, b in module._buffers.items():
        if b is not None and name not in module._non_persistent_buffers:
            visit(prefix + name, module, "_buffers", name, b)
    for name, child in module._modules.items():
        if child is not None:
            _walk(child, prefix + name + ".", visit)


def state_dict(module, prefix="", keep_vars=False):
    """See :meth:`Module.state_dict`."""
    out = OrderedDict()

    def visit(key, owner, kind, _name, value):
        if kind == "_parameters" and value.data is None and not keep_vars:
            raise RuntimeError(
                f"parameter {key!r} of {type(owner).__name__} has no data yet (a lazy layer "
                f"sizes it at its first call): run one forward pass, or load weights into "
                f"it, before saving")
        out[key] = value.data if kind == "_parameters" and not keep_vars else value

    _walk(module, prefix, visit)
    return out


def _fmt_keys(keys, limit=20):
    shown = ", ".join(repr(k) for k in keys[:limit])
    return shown + (f", ... ({len(keys) - limit} more)" if len(keys) > limit else "")


def _prepare(key, value, target):
    """Return ``(array, None)`` ready to copy into ``target``, or ``(None, problem)``."""
    if isinstance(value, Variable):
        value = value.data
    if not (isinstance(value, np.ndarray) or backend.is_cupy_array(value)):
        try:
            value = np.asarray(value)
        except Exception as exc:  # noqa: BLE001 - any failure means "not an array"
            return None, f"is not an array ({type(value).__name__}: {exc})"
    if value.dtype.hasobject:
        return None, f"holds Python objects (dtype {value.dtype}), expected numbers"
    if target is None:  # a lazy layer's parameter: the saved array gives it its size
        if value.dtype.kind not in "biuf":
            return None, f"has dtype {value.dtype}, expected numbers"
        return value, None
    if tuple(value.shape) != tuple(target.shape):
        return None, (f"shape {tuple(value.shape)} in the state dict, "
                      f"{tuple(target.shape)} in the model")
    try:
        if value.dtype != target.dtype:
            if value.dtype.kind not in "biuf" or target.dtype.kind not in "biuf":
                raise TypeError(f"cannot convert {value.dtype} to {target.dtype}")
            value = value.astype(target.dtype)
        value = backend.to_device(value, backend.device_of(target))
    except Exception as exc:  # noqa: BLE001
        return None, f"cannot be converted to {target.dtype} ({exc})"
    return value, None


def load_state_dict(module, sd, strict=True):
    """See :meth:`Module.load_state_dict`."""
    if not hasattr(sd, "keys") or not hasattr(sd, "__getitem__"):
        raise TypeError(f"load_state_dict expects a mapping of name -> array, got "
                        f"{type(sd).__name__}")
    slots = OrderedDict()
    _walk(module, "", lambda key, owner, kind, name, value:
          slots.__setitem__(key, (owner, kind, name, value)))
    unexpected = [k for k in sd.keys() if k not in slots]
    missing = [k for k in slots if k not in sd]
    mismatched = []
    writes = []
    for key, (owner, kind, name, current) in slots.items():
        if key not in sd:
            continue
        target = current.data if kind == "_parameters" else current
        array, problem = _prepare(key, sd[key], target)
        if problem is not None:
            mismatched.append((key, problem))
        else:
            writes.append((owner, kind, name, array))
    if mismatched or (strict and (missing or unexpected)):
        lines = [f"error(s) in loading state_dict for {type(module).__name__}:"]
        if strict and missing:
            lines.append(f"  missing keys ({len(missing)}): {_fmt_keys(missing)}")
        if strict and unexpected:
            lines.append(f"  unexpected keys ({len(unexpected)}): {_fmt_keys(unexpected)}")
        for key, problem in mismatched:
            lines.append(f"  mismatch for {key!r}: {problem}")
        if strict and missing and len(unexpected) == len(sd) and len(sd):
            lines.append("  hint: no key matches; was this state dict saved from another "
                         "model, or with a prefix (e.g. a trainer checkpoint)?")
        raise StateDictError("\n".join(lines), missing, unexpected, mismatched)
    for owner, kind, name, array in writes:
        if kind == "_parameters":
            param = owner._parameters[name]
            target = param.data
            if target is None:
                param.data = array.copy()
            elif getattr(target, "flags", None) is not None and target.flags.writeable:
                target[...] = array  # in place: views and optimizer references stay valid
            else:
                param.data = array.copy()
        else:
            target = owner._buffers[name]
            if getattr(target, "flags", None) is not None and target.flags.writeable:
                target[...] = array
            else:
                owner._buffers[name] = array.copy()
    return IncompatibleKeys(missing, unexpected)


def save_weights(module, path):
    """See :meth:`Module.save_weights`."""
    arrays = state_dict(module)
    save_npz(path, arrays, metadata={"format": WEIGHTS_FORMAT,
                                     "module": type(module).__name__})


def load_weights(module, path, strict=True):
    """See :meth:`Module.load_weights`."""
    arrays, _metadata = load_npz(path)  # FileNotFoundError / CheckpointError name the path
    try:
        return load_state_dict(module, arrays, strict)
    except StateDictError as exc:
        raise StateDictError(f"{path}: {exc}", exc.missing_keys, exc.unexpected_keys,
                             exc.mismatched) from None
