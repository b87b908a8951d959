"""Shape and indexing operations: reshape, transpose, indexing, joining, products of sets.

``reshape``, ``view``, ``transpose``, ``swapaxes`` and ``get_item`` live in
``framework.core.primitives`` and are re-exported here.
"""
import numpy as np

from framework import backend
from framework.core.function import Function
from framework.core.primitives import get_item, reshape, swapaxes, transpose, view
from framework.core.variable import Variable, as_variable

__all__ = [
    "reshape", "view", "transpose", "swapaxes", "get_item", "flatten", "expand_dims",
    "unsqueeze", "squeeze", "concat", "stack", "cartesian_prod",
    "Concat", "Stack",
]


def _shape_of(x):
    return x.shape if isinstance(x, Variable) else np.shape(x)


def flatten(x):
    """Keep axis 0 and flatten the rest (DeZero's ``flatten``).

    Shape:
        ``(N, *rest) -> (N, prod(rest))``; a 1-D input becomes ``(N, 1)``.

    Raises:
        ValueError: ``x`` is 0-dimensional.
    """
    shape = _shape_of(x)
    if len(shape) == 0:
        raise ValueError("flatten: got a 0-dimensional input; it needs a batch axis 0")
    rest = 1
    for n in shape[1:]:
        rest *= n
    return reshape(x, (shape[0], rest))


def _insert_axis(x, axis, name):
    shape = list(_shape_of(x))
    ndim = len(shape) + 1
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"{name}: axis {axis} is out of range for an input of shape {tuple(shape)} "
            f"(the result has {ndim} axes, so axis must be in [{-ndim}, {ndim - 1}])")
    shape.insert(axis % ndim, 1)
    return reshape(x, tuple(shape))


def expand_dims(x, axis):
    """Insert an axis of length 1 at ``axis`` (numpy's ``expand_dims``)."""
    return _insert_axis(x, axis, "expand_dims")


def unsqueeze(x, axis):
    """Insert an axis of length 1 at ``axis`` (PyTorch's ``unsqueeze``)."""
    return _insert_axis(x, axis, "unsqueeze")


def squeeze(x, axis=None):
    """Remove axes of length 1: all of them, or those named by ``axis`` (int or tuple).

    Raises:
        ValueError: a named axis is out of range or its length is not 1 (numpy's rule;
            PyTorch silently leaves such an axis).
    """
    shape = _shape_of(x)
    ndim = len(shape)
    if axis is None:
        keep = [n for n in shape if n != 1]
        return reshape(x, tuple(keep))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    drop = set()
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"squeeze: axis {a} is out of range for shape {tuple(shape)}")
        if shape[a] != 1:
            raise ValueError(
                f"squeeze: axis {a} of shape {tuple(shape)} has length {shape[a]}, "
                f"expected 1")
        drop.add(a % ndim)
    return reshape(x, tuple(n for i, n in enumerate(shape) if i not in drop))


class Concat(Function):
    """Join inputs along an existing axis."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        xp = backend.get_array_module(xs[0])
        self.bounds = np.cumsum([0] + [x.shape[self.axis] for x in xs])
        return xp.concatenate(xs, axis=self.axis)

    def backward(self, gy):
        lead = (slice(None),) * (self.axis % gy.ndim)
        gxs = []
        for x, lo, hi in zip(self.inputs, self.bounds[:-1], self.bounds[1:]):
            gxs.append(get_item(gy, lead + (slice(int(lo), int(hi)),))
                       if x.requires_grad else None)
        return tuple(gxs)


class Stack(Function):
    """Join same-shaped inputs along a new axis."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        return backend.get_array_module(xs[0]).stack(xs, axis=self.axis)

    def backward(self, gy):
        lead = (slice(None),) * (self.axis % gy.ndim)
        return tuple(get_item(gy, lead + (i,)) if x.requires_grad else None
                     for i, x in enumerate(self.inputs))


def _check_joinable(xs, axis, name, same_shape):
    if isinstance(xs, (Variable, np.ndarray)) or backend.is_cupy_array(xs):
        raise TypeError(f"{name}: expected a list or tuple of arrays, got one "
                        f"{type(xs).__name__}; wrap it: {name}([x, y], axis={axis})")
    xs = list(xs)
    if not xs:
        raise ValueError(f"{name}: needs at least one input, got an empty sequence")
    shapes = [tuple(_shape_of(x)) for x in xs]
    ndim = len(shapes[0]) + (1 if same_shape else 0)
    if not -ndim <= axis < ndim or ndim == 0:
        raise ValueError(f"{name}: axis {axis} is out of range for inputs of shape {shapes[0]}")
    for s in shapes[1:]:
        if same_shape and s != shapes[0]:
            raise ValueError(f"{name}: all inputs must have the same shape, got {shapes}")
        if not same_shape and (len(s) != len(shapes[0]) or any(
                a != b for i, (a, b) in enumerate(zip(s, shapes[0])) if i != axis % ndim)):
            raise ValueError(
                f"{name}: shapes {shapes} differ outside axis {axis}; only the joined "
                f"axis may differ")
    return xs


def _as_inputs(xs):
    like = next((x.data for x in xs if isinstance(x, Variable)), None)
    return [as_variable(x, like) for x in xs]


def concat(xs, axis=0):
    """Concatenate a sequence of Variables/arrays along an existing ``axis``.

    Raises:
        TypeError: ``xs`` is a single array instead of a sequence.
        ValueError: empty input, bad axis, or shapes that differ off ``axis``.
    """
    xs = _check_joinable(xs, axis, "concat", same_shape=False)
    return Concat(axis)(*_as_inputs(xs))


def stack(xs, axis=0):
    """Stack same-shaped Variables/arrays along a new ``axis``.

    Raises:
        TypeError: ``xs`` is a single array instead of a sequence.
        ValueError: empty input, bad axis, or different shapes.
    """
    xs = _check_joinable(xs, axis, "stack", same_shape=True)
    return Stack(axis)(*_as_inputs(xs))


def cartesian_prod(*xs):
    """Every combination of the elements of 1-D inputs (PyTorch's ``cartesian_prod``).

    The gradient of each input element is the sum over the rows it appears in.

    Shape:
        inputs ``(n1,), ..., (nk,)`` -> ``(n1 * ... * nk, k)``; a single input is
        returned as it is, ``(n1,)`` (as torch).

    Raises:
        ValueError: no input, or an input that is not 1-D.
    """
    if not xs:
        raise ValueError("cartesian_prod: needs at least one 1-D input")
    for i, x in enumerate(xs):
        if len(_shape_of(x)) != 1:
            raise ValueError(
                f"cartesian_prod: input {i} has shape {tuple(_shape_of(x))}, expected 1-D")
    xs = _as_inputs(xs)
    if len(xs) == 1:
        return xs[0]
    xp = backend.get_array_module(xs[0].data)
    # Row r picks element index[k][r] from input k, in row-major (itertools.product) order.
    index = xp.indices(tuple(x.shape[0] for x in xs)).reshape(len(xs), -1)
    return stack([get_item(x, index[k]) for k, x in enumerate(xs)], axis=1)
