"""Reductions and broadcasting: sum, mean, max, min, sum_to, broadcast_to.

Part of the core's primitives (``framework.core.primitives`` re-exports every name);
a module of its own to keep each file to one family of operations.
"""
import builtins  # noqa: F401 - this module defines sum/max/min

import numpy as np

from framework import backend
from framework.core.function import Function
from framework.core.primitives import _sum_to_array, reshape
from framework.core.variable import Variable, as_variable

__all__ = ["sum", "sum_to", "broadcast_to", "mean", "max", "min",
           "Sum", "Mean", "SumTo", "BroadcastTo", "Max", "Min"]


def _normalize_axis(axis, ndim):
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        return tuple(a % ndim for a in axis) if ndim else tuple(axis)
    return (axis % ndim,) if ndim else (axis,)


def _restore_reduced(gy, x_shape, axis, keepdims):
    """Reshape a reduced gradient so it broadcasts back to ``x_shape``."""
    if keepdims or axis is None and gy.ndim == len(x_shape):
        return gy
    if axis is None:
        shape = (1,) * len(x_shape)
    else:
        shape = list(gy.shape)
        for a in sorted(axis):
            shape.insert(a, 1)
    return reshape(gy, tuple(shape))


class Sum(Function):
    reads_values = False

    def __init__(self, axis=None, keepdims=False):
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, x):
        self.x_shape = x.shape
        self.axis = _normalize_axis(self.axis, x.ndim)
        return x.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        gy = _restore_reduced(gy, self.x_shape, self.axis, self.keepdims)
        return broadcast_to(gy, self.x_shape)


class Mean(Sum):
    def forward(self, x):
        y = super().forward(x)
        self.count = x.size // (y.size or 1) if x.size else 0
        return y / self.count if self.count else y * np.nan

    def backward(self, gy):
        return super().backward(gy) / self.count


class SumTo(Function):
    reads_values = False

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.x_shape = x.shape
        return _sum_to_array(x, self.shape)

    def backward(self, gy):
        return broadcast_to(gy, self.x_shape)


class BroadcastTo(Function):
    reads_values = False

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.x_shape = x.shape
        xp = backend.get_array_module(x)
        return xp.broadcast_to(x, self.shape)

    def backward(self, gy):
        return sum_to(gy, self.x_shape)


class Max(Function):
    """Maximum along axes; the gradient goes to every position holding the maximum."""

    reduce = "max"

    def __init__(self, axis=None, keepdims=False):
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, x):
        self.axis = _normalize_axis(self.axis, x.ndim)
        return getattr(x, self.reduce)(axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        x, = self.inputs
        y = self.outputs[0]()
        y_data = y.data if y is not None else self.forward(x.data)
        y_b = _restore_reduced(Variable(y_data, requires_grad=False), x.shape,
                               self.axis, self.keepdims).data
        mask = (x.data == y_b)
        gy = _restore_reduced(gy, x.shape, self.axis, self.keepdims)
        return broadcast_to(gy, x.shape) * mask.astype(gy.dtype)


class Min(Max):
    reduce = "min"


def sum(x, axis=None, keepdims=False):  # noqa: A001 - DeZero's name
    return Sum(axis, keepdims)(x)


def mean(x, axis=None, keepdims=False):
    return Mean(axis, keepdims)(x)


def sum_to(x, shape):
    shape = tuple(shape)
    if x.shape == shape:
        return as_variable(x)
    lead = len(x.shape) - len(shape)
    if lead < 0 or any(n != 1 and n != m for n, m in zip(shape, x.shape[lead:])):
        raise ValueError(f"sum_to: an array of shape {tuple(x.shape)} cannot be summed to "
                         f"{shape}: {shape} does not broadcast to {tuple(x.shape)}")
    return SumTo(shape)(x)


def broadcast_to(x, shape):
    shape = tuple(shape)
    if x.shape == shape:
        return as_variable(x)
    return BroadcastTo(shape)(x)


def max(x, axis=None, keepdims=False):  # noqa: A001 - DeZero's name
    return Max(axis, keepdims)(x)


def min(x, axis=None, keepdims=False):  # noqa: A001
    return Min(axis, keepdims)(x)
