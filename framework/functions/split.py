"""Splitting one array into several Variables: ``split_axis`` (pieces along an axis) and
``separate`` (every index of an axis), Chainer's names.

One node whose backward joins the pieces' gradients (zeros for unused pieces), instead
of one ``get_item`` per piece, each of whose backward would scatter into a full-size
zero array: a recurrent layer's loop over time steps and gates stays linear in length.
"""
import numpy as np

from framework import backend
from framework.core.function import Function
from framework.core.variable import Variable
from framework.functions.array import concat, stack

__all__ = ["split_axis", "separate", "SplitAxis", "Separate"]


def _zeros_like_piece(shape, dtype, xp):
    return Variable(xp.zeros(shape, dtype=dtype), requires_grad=False)


class SplitAxis(Function):
    """Pieces of ``x`` between the ``bounds`` along ``axis`` (views of its memory)."""

    def __init__(self, bounds, axis):
        self.bounds, self.axis = tuple(bounds), axis

    def forward(self, x):
        lead = (slice(None),) * self.axis
        self.shapes = []
        pieces = []
        for lo, hi in zip(self.bounds[:-1], self.bounds[1:]):
            pieces.append(x[lead + (slice(lo, hi),)])
            self.shapes.append(pieces[-1].shape)
        return tuple(pieces)

    def backward(self, *gys):
        x, = self.inputs
        xp = backend.get_array_module(x.data)
        parts = [gy if gy is not None else _zeros_like_piece(shape, x.dtype, xp)
                 for gy, shape in zip(gys, self.shapes)]
        return concat(parts, axis=self.axis) if len(parts) > 1 else parts[0]


class Separate(Function):
    """Every index of ``axis`` as its own output (that axis removed)."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        lead = (slice(None),) * self.axis
        self.piece_shape = x.shape[:self.axis] + x.shape[self.axis + 1:]
        return tuple(x[lead + (i,)] for i in range(x.shape[self.axis]))

    def backward(self, *gys):
        x, = self.inputs
        xp = backend.get_array_module(x.data)
        parts = [gy if gy is not None else _zeros_like_piece(self.piece_shape, x.dtype, xp)
                 for gy in gys]
        return stack(parts, axis=self.axis)


def _axis(x, axis, name):
    ndim = len(x.shape)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: axis {axis} is out of range for shape {tuple(x.shape)}")
    return axis % ndim


def split_axis(x, indices_or_sections, axis):
    """Split ``x`` along ``axis`` into equal sections (an int) or at the given indices.

    Args:
        x: Variable or array.
        indices_or_sections: the number of equal pieces, or a sorted sequence of split
            points (numpy's ``split``).
        axis: the axis to split.

    Returns:
        A tuple of Variables.

    Raises:
        ValueError: an axis out of range, or sections that do not divide the axis.
    """
    axis = _axis(x, axis, "split_axis")
    n = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k < 1 or n % k:
            raise ValueError(f"split_axis: {k} sections do not divide axis {axis} of length {n}")
        bounds = [i * (n // k) for i in range(k + 1)]
    else:
        points = [int(i) for i in indices_or_sections]
        if any(b < a for a, b in zip(points, points[1:])) or (points and
                                                              not 0 <= points[0] <= n):
            raise ValueError(f"split_axis: split points {points} must be sorted within "
                             f"[0, {n}]")
        bounds = [0] + [min(p, n) for p in points] + [n]
    return tuple(SplitAxis(bounds, axis)(x))


def separate(x, axis=0):
    """Every index of ``axis`` as its own Variable (the inverse of ``stack``).

    Raises:
        ValueError: an axis out of range.
    """
    return tuple(Separate(_axis(x, axis, "separate"))(x))
