"""DeZero's ``average``: the mean over ``axis`` (DeZero's other name for ``mean``)."""
from framework.core.primitives import mean

__all__ = ["average"]


def average(x, axis=None, keepdims=False):
    """The mean of ``x`` over ``axis`` (all axes by default), DeZero's ``F.average``."""
    return mean(x, axis, keepdims)
