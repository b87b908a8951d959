"""Helpers shared by the functional modules (not public API)."""
import numpy as np

from framework import backend
from framework.core.variable import Variable, as_variable

__all__ = ["as_input", "data_of", "xp_of", "legacy_reduction", "check_reduction", "dim_index",
           "check_probability"]


def as_input(x):
    """A Variable for ``x`` (arrays become Variables; Variables pass through)."""
    return x if isinstance(x, Variable) else as_variable(x)


def data_of(x):
    """The raw array of a Variable, or ``x`` itself."""
    return x.data if isinstance(x, Variable) else x


def xp_of(x):
    return backend.get_array_module(data_of(x))


def legacy_reduction(size_average, reduce, reduction):
    """PyTorch's mapping of the deprecated ``size_average``/``reduce`` to ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if not reduce:
        return "none"
    return "mean" if size_average else "sum"


def check_reduction(name, reduction, allowed=("mean", "sum", "none")):
    if reduction not in allowed:
        raise ValueError(f"{name}: reduction must be one of {allowed}, got {reduction!r}")
    return reduction


def dim_index(name, dim, ndim):
    """``dim`` as a non-negative axis of an ``ndim``-D input, or IndexError naming it."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name}: dim must be an int, got {dim!r}")
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"{name}: dim {dim} is out of range for a {ndim}-D input "
                         f"(expected in [{-max(ndim, 1)}, {max(ndim, 1) - 1}])")
    return int(dim) % max(ndim, 1)


def check_probability(name, p):
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: p must be a probability in [0, 1], got {p!r}")
    return float(p)
