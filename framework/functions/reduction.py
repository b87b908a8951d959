"""Reductions and their inverses: sum, mean, max, min, logsumexp, sum_to, broadcast_to.

All but ``logsumexp`` live in ``framework.core.primitives`` and are re-exported here.
"""
import numpy as np

from framework import backend
from framework.core.function import Function
from framework.core.primitives import (_normalize_axis, _restore_reduced, broadcast_to, exp,
                                       max, mean, min, sum, sum_to)

__all__ = ["sum", "mean", "max", "min", "sum_to", "broadcast_to", "logsumexp", "LogSumExp"]


def logsumexp_array(x, axis):
    """``log(sum(exp(x), axis, keepdims=True))`` on an array, without overflow.

    Shifting by the maximum keeps every ``exp`` at most 1. The shift is clipped to the
    finite range so that an all ``-inf`` slice gives ``-inf`` and a ``+inf`` entry gives
    ``+inf`` (an unclipped shift would make ``inf - inf = nan``).
    """
    xp = backend.get_array_module(x)
    m = x.max(axis=axis, keepdims=True)
    if m.dtype.kind == "f":
        info = np.finfo(m.dtype)
        m = m.clip(info.min, info.max)
    s = xp.exp(x - m).sum(axis=axis, keepdims=True)
    with np.errstate(divide="ignore"):  # log(0) = -inf is the right answer; cupy ignores this
        return xp.log(s) + m


class LogSumExp(Function):
    def __init__(self, axis, keepdims):
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, x):
        self.axis = _normalize_axis(self.axis, x.ndim)
        y = logsumexp_array(x, self.axis)
        if not self.keepdims:
            y = y.squeeze(axis=self.axis) if self.axis is not None else y.reshape(())
        return y

    def backward(self, gy):
        # d/dx log(sum(exp(x))) = softmax(x) = exp(x - y); y is the output Variable, so
        # the expression stays differentiable for higher orders.
        x, = self.inputs
        y = self.outputs[0]()
        y = _restore_reduced(y, x.shape, self.axis, self.keepdims)
        gy = _restore_reduced(gy, x.shape, self.axis, self.keepdims)
        return gy * exp(x - y)


def logsumexp(x, axis=1, keepdims=False):
    """``log(sum(exp(x), axis))`` computed without overflow.

    Args:
        x: Variable or array.
        axis: an int, a tuple of ints, or None for all axes (default 1, DeZero's).
        keepdims: keep the reduced axes with length 1 (PyTorch's default is False).

    Returns:
        A Variable of ``x``'s dtype.
    """
    return LogSumExp(axis, keepdims)(x)
