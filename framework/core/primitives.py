"""The primitive functions behind Variable's operators and methods.

``framework.functions`` re-exports these next to the rest of the library; they live
in the core so that ``Variable`` needs nothing above it.
"""
import builtins  # noqa: F401 - this module defines pow (and re-exports sum/max/min)

import numpy as np

from framework import backend
from framework.core.config import Config
from framework.core.function import Function, _output
from framework.core.variable import Variable, as_array, as_variable

__all__ = [
    "add", "sub", "rsub", "mul", "div", "rdiv", "neg", "pow", "rpow", "exp", "log",
    "matmul", "get_item", "reshape", "view", "transpose", "swapaxes", "sum", "sum_to",
    "broadcast_to", "mean", "max", "min",
    "Add", "Sub", "Mul", "Div", "Neg", "Pow", "Exp", "Log", "MatMul", "GetItem",
    "GetItemGrad", "Reshape", "View", "Transpose", "Sum", "SumTo", "BroadcastTo",
    "Max", "Min",
]


def _sum_to_array(x, shape):
    """Sum array ``x`` down to ``shape`` (the reverse of numpy broadcasting)."""
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and x.shape[i + lead] != 1)
    y = x.sum(axis=axes, keepdims=True)
    if lead > 0:
        y = y.reshape(shape)
    return y


def _unbroadcast(gx, shape):
    return gx if gx.data.shape == shape else sum_to(gx, shape)


def _plain(array, shape):
    """A first-order gradient on arrays (no graph is being recorded): ``array`` summed
    to ``shape`` as a constant Variable, without a Function call per operation."""
    return _output(_sum_to_array(array, shape), False)


# --------------------------------------------------------------------------- arithmetic
class Add(Function):
    reads_values = False

    def forward(self, x0, x1):
        self.shapes = (x0.shape, x1.shape)
        return x0 + x1

    def backward(self, gy):
        s0, s1 = self.shapes
        a, b = self.inputs
        gx0 = _unbroadcast(gy, s0) if a.requires_grad else None
        gx1 = _unbroadcast(gy, s1) if b.requires_grad else None
        return gx0, gx1


class Sub(Function):
    reads_values = False

    def forward(self, x0, x1):
        self.shapes = (x0.shape, x1.shape)
        return x0 - x1

    def backward(self, gy):
        s0, s1 = self.shapes
        a, b = self.inputs
        gx0 = _unbroadcast(gy, s0) if a.requires_grad else None
        if not b.requires_grad:
            return gx0, None
        if not Config.enable_backprop:
            return gx0, _plain(-gy.data, s1)
        return gx0, _unbroadcast(-gy, s1)


class Mul(Function):
    def forward(self, x0, x1):
        return x0 * x1

    def backward(self, gy):
        a, b = self.inputs
        if not Config.enable_backprop:  # first order: the same products, on arrays
            g = gy.data
            return (_plain(g * b.data, a.shape) if a.requires_grad else None,
                    _plain(g * a.data, b.shape) if b.requires_grad else None)
        gx0 = _unbroadcast(gy * b, a.shape) if a.requires_grad else None
        gx1 = _unbroadcast(gy * a, b.shape) if b.requires_grad else None
        return gx0, gx1


class Div(Function):
    def forward(self, x0, x1):
        return x0 / x1

    def backward(self, gy):
        a, b = self.inputs
        if not Config.enable_backprop:  # first order: the same expressions, on arrays
            g, ad, bd = gy.data, a.data, b.data
            return (_plain(g / bd, a.shape) if a.requires_grad else None,
                    _plain(g * (-ad / (bd * bd)), b.shape) if b.requires_grad else None)
        gx0 = _unbroadcast(gy / b, a.shape) if a.requires_grad else None
        gx1 = _unbroadcast(gy * (-a / (b * b)), b.shape) if b.requires_grad else None
        return gx0, gx1


class Neg(Function):
    reads_values = False

    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class Pow(Function):
    """``x ** c`` for a constant exponent ``c`` (DeZero's Pow)."""

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x ** self.c

    def backward(self, gy):
        x, = self.inputs
        c = self.c
        return gy * (c * x ** (c - 1))


class Exp(Function):
    def forward(self, x):
        return backend.get_array_module(x).exp(x)

    def backward(self, gy):
        return gy * self.outputs[0]()


class Log(Function):
    def forward(self, x):
        return backend.get_array_module(x).log(x)

    def backward(self, gy):
        return gy / self.inputs[0]


def add(x0, x1):
    return Add()(x0, x1)


def sub(x0, x1):
    return Sub()(x0, x1)


def rsub(x0, x1):
    """``x1 - x0`` (for ``scalar - Variable``)."""
    return Sub()(x1, x0) if isinstance(x1, Variable) else Sub()(as_variable(x1, x0.data), x0)


def mul(x0, x1):
    return Mul()(x0, x1)


def div(x0, x1):
    return Div()(x0, x1)


def rdiv(x0, x1):
    """``x1 / x0`` (for ``scalar / Variable``)."""
    return Div()(as_variable(x1, x0.data), x0)


def neg(x):
    return Neg()(x)


def pow(x, c):  # noqa: A001 - DeZero's name
    """``x ** c``: a constant exponent (scalar or array) or a Variable exponent."""
    if isinstance(c, Variable):
        x = as_variable(x, c.data)
        return exp(log(x) * c)
    return Pow(c)(x)


def rpow(x, base):
    """``base ** x`` for a constant base."""
    base = as_variable(base, x.data)
    return exp(x * log(base))


def exp(x):
    return Exp()(x)


def log(x):
    return Log()(x)


# --------------------------------------------------------------------------- matmul
def _shape_error(a, b):
    return ValueError(
        f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} are not aligned: "
        f"the last axis of the first ({a.shape[-1] if a.ndim else '-'}) must equal "
        f"the {'only' if b.ndim == 1 else 'second-to-last'} axis of the second "
        f"({b.shape[0] if b.ndim == 1 else b.shape[-2] if b.ndim else '-'})")


class MatMul(Function):
    """numpy's ``matmul``: batch broadcasting and 1-D operands."""

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(
                f"matmul: operands must have at least one axis, got shapes {a.shape} and {b.shape}")
        k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if a.shape[-1] != k_b:
            raise _shape_error(a, b)
        return a @ b

    def backward(self, gy):
        a, b = self.inputs
        need_a, need_b = a.requires_grad, b.requires_grad
        if a.ndim == 1 and b.ndim == 1:
            return (gy * b if need_a else None), (gy * a if need_b else None)
        a2 = reshape(a, (1,) + a.shape) if a.ndim == 1 else a
        b2 = reshape(b, b.shape + (1,)) if b.ndim == 1 else b
        if a.ndim == 1:
            gy = reshape(gy, gy.shape[:-1] + (1,) + gy.shape[-1:])
        if b.ndim == 1:
            gy = reshape(gy, gy.shape + (1,))
        ga = gb = None
        if need_a:
            ga = _unbroadcast(matmul(gy, swapaxes(b2)), a2.shape)
            if a.ndim == 1:
                ga = reshape(ga, a.shape)
        if need_b:
            gb = _unbroadcast(matmul(swapaxes(a2), gy), b2.shape)
            if b.ndim == 1:
                gb = reshape(gb, b.shape)
        return ga, gb


def matmul(a, b):
    return MatMul()(a, b)


# --------------------------------------------------------------------------- shapes
class Reshape(Function):
    reads_values = False

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.x_shape = x.shape
        return x.reshape(self.shape)

    def backward(self, gy):
        return reshape(gy, self.x_shape)


class View(Reshape):
    """A reshape that must share memory with its input (PyTorch's ``view``)."""

    def forward(self, x):
        y = super().forward(x)
        xp = backend.get_array_module(x)
        if y.size and not xp.may_share_memory(x, y):
            raise RuntimeError(
                f"view{tuple(self.shape)}: an array of shape {x.shape} with strides "
                f"{x.strides} cannot be viewed without a copy; use reshape()")
        return y


def reshape(x, shape):
    if not isinstance(x, Variable):
        x = as_variable(x)
    if isinstance(shape, int):
        shape = (shape,)
    shape = tuple(shape)
    if x.shape == shape:
        return x
    return Reshape(shape)(x)


def view(x, shape):
    if isinstance(shape, int):
        shape = (shape,)
    return View(tuple(shape))(x)


class Transpose(Function):
    reads_values = False

    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, gy):
        if self.axes is None:
            return transpose(gy)
        inv = tuple(np.argsort([a % len(self.axes) for a in self.axes]))
        return transpose(gy, inv)


def transpose(x, axes=None):
    """Permute the axes (reverse them when ``axes`` is None), as numpy."""
    if axes is not None:
        axes = tuple(axes)
    return Transpose(axes)(x)


def swapaxes(x, a1=-1, a2=-2):
    """Swap two axes (by default the last two: the matrix transpose of a batch)."""
    n = x.ndim
    axes = list(range(n))
    axes[a1 % n], axes[a2 % n] = axes[a2 % n], axes[a1 % n]
    return transpose(x, axes)


class GetItem(Function):
    reads_values = False

    def __init__(self, index):
        self.index = index

    def forward(self, x):
        return x[self.index]

    def backward(self, gy):
        x, = self.inputs
        return GetItemGrad(self.index, x.shape)(gy)


class GetItemGrad(Function):
    reads_values = False

    def __init__(self, index, in_shape):
        self.index = index
        self.in_shape = in_shape

    def forward(self, gy):
        xp = backend.get_array_module(gy)
        gx = xp.zeros(self.in_shape, dtype=gy.dtype)
        backend.scatter_add(gx, self.index, gy)
        return gx

    def backward(self, ggx):
        return get_item(ggx, self.index)


def _plain_index(index):
    if isinstance(index, Variable):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Variable) else i for i in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def get_item(x, index):
    """``x[index]`` with numpy's indexing (slices, integer and boolean arrays)."""
    return GetItem(_plain_index(index))(x)


# Reductions and broadcasting (sum, mean, max, min, sum_to, broadcast_to) live in
# ``reductions``; imported here at the end, as they use ``reshape`` from above.
from framework.core.reductions import *  # noqa: E402,F401,F403
from framework.core.reductions import (BroadcastTo, Max, Mean, Min, Sum, SumTo,  # noqa: E402
                                       _normalize_axis, _restore_reduced, broadcast_to,
                                       max, mean, min, sum, sum_to)


# The primitives behind PyTorch's tensor methods live next door; ``ops.cast`` & co.
from framework.core.tensor_primitives import *  # noqa: E402,F401,F403
from framework.core.tensor_primitives import __all__ as _tensor_all  # noqa: E402

__all__ = __all__ + _tensor_all
