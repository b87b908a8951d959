"""Small helpers shared by the layers (not public API)."""
import math

import numpy as np

from framework.core.config import Config

__all__ = ["check_positive_int", "pair", "resolve_dtype", "is_training", "uniform_bound"]


def check_positive_int(value, name, owner, minimum=1):
    """Return ``value`` if it is an int >= ``minimum``, else raise ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{owner}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def pair(value, name, owner, minimum):
    """An int or a pair of ints, as a pair; each >= ``minimum``."""
    vals = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(vals) != 2:
        raise ValueError(f"{owner}: {name} must be an int or a pair, got {value!r}")
    return tuple(check_positive_int(v, name, owner, minimum) for v in vals)


def resolve_dtype(dtype, owner):
    """Parameters are float32 unless a floating ``dtype`` is asked for."""
    dt = np.dtype(np.float32 if dtype is None else dtype)
    if dt.kind != "f":
        raise TypeError(f"{owner}: dtype must be a floating type, got {dt}")
    return dt


def is_training(module):
    """A layer behaves as in training only in train mode and outside ``test_mode()``."""
    return module.training and Config.train


def uniform_bound(fan_in):
    """PyTorch's bias bound 1/sqrt(fan_in) (0 for an empty fan)."""
    return 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
