"""PyTorch's elementwise math and matrix helpers missing from ``framework.functions``.

``log1p``, ``expm1``, ``log2``, ``log10``, the rounding family (``floor``, ``ceil``,
``round``, ``trunc``, ``frac``, ``sign``), ``reciprocal``, the inverse and hyperbolic
trigonometry, ``erf`` / ``erfc``, the binary ``atan2``, ``hypot`` and ``logaddexp``,
``lerp``, ``addcmul``, ``addcdiv`` and ``cumprod``; and, from
:mod:`framework.tensor_structure`, ``tril``, ``triu``, ``diag``, ``flip``, ``roll``,
``outer``, ``cross``, ``masked_select``, ``nonzero`` and ``unique``.

Each differentiable op is a Function (forward on arrays, backward in Variable
operations, so ``backward(create_graph=True)`` gives higher derivatives) or a
composition of existing differentiable ops. Integer and bool inputs of the floating
functions become float32, as PyTorch's default dtype; the rounding functions keep an
integer dtype and have a zero gradient.
"""
import math

import numpy as np

import framework.functions as F
from framework import backend
from framework.core import primitives as P
from framework.core.function import Function
from framework.core.shape_methods import normalize_dim
from framework.core.tensor_primitives import cast
from framework.core.variable import Variable, as_variable
from framework.functions.smooth_activation import erf_array
from framework.tensor_structure import (  # noqa: F401  (re-exported)
    cross, diag, flip, ger, masked_select, nonzero, outer, roll, tril, triu, unique)

__all__ = [
    "log1p", "expm1", "log2", "log10", "sign", "floor", "ceil", "round", "trunc", "fix",
    "frac", "reciprocal", "atan", "arctan", "asin", "arcsin", "acos", "arccos", "sinh",
    "cosh", "tan", "erf", "erfc", "atan2", "arctan2", "hypot", "logaddexp", "lerp",
    "addcmul", "addcdiv", "cumprod",
    "tril", "triu", "diag", "flip", "roll", "outer", "ger", "cross", "masked_select",
    "nonzero", "unique",
]

_SQRT_PI = math.sqrt(math.pi)
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _floating(x):
    """``x`` as a Variable of a floating dtype: integers and bools become float32."""
    x = as_variable(x)
    return x if x.dtype.kind in "fc" else cast(x, np.float32)


def _pair(a, b):
    """Two operands of a binary elementwise op as Variables of one floating dtype; a
    Python scalar takes the other operand's dtype."""
    if not isinstance(a, Variable) and np.ndim(a) == 0 and isinstance(b, Variable):
        b = _floating(b)
        return as_variable(backend.get_array_module(b.data).asarray(a, dtype=b.dtype)), b
    if not isinstance(b, Variable) and np.ndim(b) == 0 and isinstance(a, Variable):
        a = _floating(a)
        return a, as_variable(backend.get_array_module(a.data).asarray(b, dtype=a.dtype))
    a, b = _floating(a), _floating(b)
    dtype = np.result_type(a.dtype, b.dtype)
    return cast(a, dtype), cast(b, dtype)


def _zero_grad(x):
    """A constant zero gradient shaped like ``x`` (the rounding functions)."""
    return Variable(backend.get_array_module(x.data).zeros(x.shape, dtype=x.dtype),
                    requires_grad=False)


# ---------------------------------------------------------------- unary, differentiable
class Log1p(Function):
    def forward(self, x):
        return backend.get_array_module(x).log1p(x)

    def backward(self, gy):
        x, = self.inputs
        return gy / (x + 1.0)


class Expm1(Function):
    def forward(self, x):
        return backend.get_array_module(x).expm1(x)

    def backward(self, gy):
        y = self.outputs[0]()
        return gy * (y + 1.0)


class Log2(Function):
    def forward(self, x):
        return backend.get_array_module(x).log2(x)

    def backward(self, gy):
        x, = self.inputs
        return gy / (x * _LN2)


class Log10(Function):
    def forward(self, x):
        return backend.get_array_module(x).log10(x)

    def backward(self, gy):
        x, = self.inputs
        return gy / (x * _LN10)


class Reciprocal(Function):
    def forward(self, x):
        return backend.get_array_module(x).reciprocal(x)

    def backward(self, gy):
        y = self.outputs[0]()
        return gy * -(y * y)


class Atan(Function):
    def forward(self, x):
        return backend.get_array_module(x).arctan(x)

    def backward(self, gy):
        x, = self.inputs
        return gy / (x * x + 1.0)


class Asin(Function):
    def forward(self, x):
        return backend.get_array_module(x).arcsin(x)

    def backward(self, gy):
        x, = self.inputs
        return gy / F.sqrt(1.0 - x * x)


class Acos(Function):
    def forward(self, x):
        return backend.get_array_module(x).arccos(x)

    def backward(self, gy):
        x, = self.inputs
        return -gy / F.sqrt(1.0 - x * x)


class Sinh(Function):
    def forward(self, x):
        return backend.get_array_module(x).sinh(x)

    def backward(self, gy):
        x, = self.inputs
        return gy * cosh(x)


class Cosh(Function):
    def forward(self, x):
        return backend.get_array_module(x).cosh(x)

    def backward(self, gy):
        x, = self.inputs
        return gy * sinh(x)


class Tan(Function):
    def forward(self, x):
        return backend.get_array_module(x).tan(x)

    def backward(self, gy):
        y = self.outputs[0]()
        return gy * (y * y + 1.0)


def erfc_array(x):
    """``1 - erf(x)`` of a floating array, accurate in the tail (where ``1 - erf``
    would cancel): the continued fraction of :func:`erf_array` used directly."""
    xp = backend.get_array_module(x)
    out = 1.0 - erf_array(x)
    a = xp.abs(x)
    big = a > 2.5
    if big.any():
        b = a[big].astype(np.float64)
        k_frac = b.copy()
        for k in range(25, 0, -1):
            k_frac = b + (k / 2.0) / k_frac
        tail = xp.exp(-b * b) / (_SQRT_PI * k_frac)
        out[big] = xp.where(x[big] > 0, tail, 2.0 - tail)
    return out.astype(x.dtype, copy=False)


class Erfc(Function):
    def forward(self, x):
        return erfc_array(x)

    def backward(self, gy):
        x, = self.inputs
        return gy * P.exp(-(x * x)) * (-2.0 / _SQRT_PI)


# ---------------------------------------------------------------- rounding (zero gradient)
class _Rounding(Function):
    """A piecewise-constant op: its gradient is zero everywhere (as PyTorch's)."""

    reads_values = False

    def __init__(self, op):
        self.op = op

    def forward(self, x):
        return self.op(backend.get_array_module(x), x)

    def backward(self, gy):
        x, = self.inputs
        return _zero_grad(x)


def _rounding(x, op):
    x = as_variable(x)
    if x.dtype.kind in "iub":  # already whole: PyTorch returns the values, same dtype
        return Variable(x.data.copy(), requires_grad=False)
    return _Rounding(op)(x)


# ---------------------------------------------------------------- binary
class Atan2(Function):
    def forward(self, y, x):
        return backend.get_array_module(y).arctan2(y, x)

    def backward(self, gy):
        y, x = self.inputs
        r2 = x * x + y * y
        return (P._unbroadcast(gy * x / r2, y.shape) if y.requires_grad else None,
                P._unbroadcast(gy * -y / r2, x.shape) if x.requires_grad else None)


class Hypot(Function):
    def forward(self, a, b):
        return backend.get_array_module(a).hypot(a, b)

    def backward(self, gy):
        a, b = self.inputs
        r = self.outputs[0]()
        return (P._unbroadcast(gy * a / r, a.shape) if a.requires_grad else None,
                P._unbroadcast(gy * b / r, b.shape) if b.requires_grad else None)


class LogAddExp(Function):
    def forward(self, a, b):
        return backend.get_array_module(a).logaddexp(a, b)

    def backward(self, gy):
        a, b = self.inputs
        y = self.outputs[0]()
        return (P._unbroadcast(gy * P.exp(a - y), a.shape) if a.requires_grad else None,
                P._unbroadcast(gy * P.exp(b - y), b.shape) if b.requires_grad else None)


# ---------------------------------------------------------------- scans
def _reverse_cumsum(g, axis):
    flip_ = (slice(None),) * axis + (slice(None, None, -1),)
    return P.get_item(P.get_item(g, flip_).cumsum(axis), flip_)


def _cumprod_grad_array(x, gy, axis):
    """The cumprod gradient on arrays when ``x`` holds zeros (no division):
    ``dx_k = sum_{i >= k} gy_i prod_{j <= i, j != k} x_j``."""
    xp = backend.get_array_module(x)
    xm, gm = xp.moveaxis(x, axis, -1), xp.moveaxis(gy, axis, -1)
    n = xm.shape[-1]
    ones = xp.ones(xm.shape[:-1] + (1,), dtype=x.dtype)
    left = xp.concatenate([ones, xp.cumprod(xm, axis=-1)[..., :-1]], axis=-1)
    gx = xp.empty_like(xm)
    for k in range(n):
        after = xp.concatenate([ones, xp.cumprod(xm[..., k + 1:], axis=-1)], axis=-1)
        gx[..., k] = left[..., k] * (gm[..., k:] * after).sum(axis=-1)
    return xp.moveaxis(gx, -1, axis)


class Cumprod(Function):
    """The running product along one axis."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return backend.get_array_module(x).cumprod(x, axis=self.axis)

    def backward(self, gy):
        x, = self.inputs
        if (x.data == 0).any():
            return Variable(_cumprod_grad_array(x.data, gy.data, self.axis),
                            requires_grad=False)
        y = self.outputs[0]()
        return _reverse_cumsum(gy * y, self.axis) / x


# ---------------------------------------------------------------- public: unary
def log1p(input):  # noqa: A002
    """``log(1 + x)``, accurate for small ``x``."""
    return Log1p()(_floating(input))


def expm1(input):  # noqa: A002
    """``exp(x) - 1``, accurate for small ``x``."""
    return Expm1()(_floating(input))


def log2(input):  # noqa: A002
    return Log2()(_floating(input))


def log10(input):  # noqa: A002
    return Log10()(_floating(input))


def reciprocal(input):  # noqa: A002
    """``1 / x`` elementwise (integers give float32)."""
    return Reciprocal()(_floating(input))


def atan(input):  # noqa: A002
    return Atan()(_floating(input))


def asin(input):  # noqa: A002
    return Asin()(_floating(input))


def acos(input):  # noqa: A002
    return Acos()(_floating(input))


def sinh(input):  # noqa: A002
    return Sinh()(_floating(input))


def cosh(input):  # noqa: A002
    return Cosh()(_floating(input))


def tan(input):  # noqa: A002
    return Tan()(_floating(input))


arctan, arcsin, arccos = atan, asin, acos


def erf(input):  # noqa: A002
    """The Gauss error function; the gradient is ``2/sqrt(pi) exp(-x^2)``."""
    return F.erf(_floating(input))


def erfc(input):  # noqa: A002
    """``1 - erf(x)``, accurate where it is tiny (large ``x``)."""
    return Erfc()(_floating(input))


def sign(input):  # noqa: A002
    """-1, 0 or 1 by the sign of each element (zero gradient; integers stay integers)."""
    x = as_variable(input)
    if x.dtype == np.bool_:
        return Variable(x.data.copy(), requires_grad=False)
    return _Rounding(lambda xp, a: xp.sign(a))(x)


def floor(input):  # noqa: A002
    """The largest whole number not above each element (zero gradient)."""
    return _rounding(input, lambda xp, a: xp.floor(a))


def ceil(input):  # noqa: A002
    """The smallest whole number not below each element (zero gradient)."""
    return _rounding(input, lambda xp, a: xp.ceil(a))


def trunc(input):  # noqa: A002
    """Each element rounded toward zero (zero gradient)."""
    return _rounding(input, lambda xp, a: xp.trunc(a))


fix = trunc


def round(input, *, decimals=0):  # noqa: A001,A002
    """Round half to even (``round(2.5) == 2``), to ``decimals`` places (zero gradient).

    Args:
        input: a tensor.
        decimals: the number of decimal places; negative rounds to tens, hundreds, ...
    """
    x = as_variable(input)
    if decimals == 0:
        return _rounding(x, lambda xp, a: xp.rint(a))
    return _rounding(x, lambda xp, a: xp.round(a, decimals))


def frac(input):  # noqa: A002
    """The fractional part ``x - trunc(x)`` (sign of ``x``); the gradient is 1."""
    x = as_variable(input)
    if x.dtype.kind not in "fc":
        raise RuntimeError(f"frac: expected a floating tensor, got {x.dtype}")
    return x - trunc(x)


# ---------------------------------------------------------------- public: binary
def atan2(input, other):  # noqa: A002
    """The angle of the point ``(other, input)``: ``atan(input / other)`` in its quadrant."""
    return Atan2()(*_pair(input, other))


arctan2 = atan2


def hypot(input, other):  # noqa: A002
    """``sqrt(input^2 + other^2)`` without overflow."""
    return Hypot()(*_pair(input, other))


def logaddexp(input, other):  # noqa: A002
    """``log(exp(input) + exp(other))`` without overflow."""
    return LogAddExp()(*_pair(input, other))


def lerp(input, end, weight):  # noqa: A002
    """``input + weight * (end - input)``; differentiable in all three."""
    return as_variable(input) + weight * (end - as_variable(input))


def addcmul(input, tensor1, tensor2, *, value=1):  # noqa: A002
    """``input + value * tensor1 * tensor2``."""
    return as_variable(input) + as_variable(tensor1) * tensor2 * value


def addcdiv(input, tensor1, tensor2, *, value=1):  # noqa: A002
    """``input + value * tensor1 / tensor2``."""
    return as_variable(input) + as_variable(tensor1) / tensor2 * value


def cumprod(input, dim, *, dtype=None):  # noqa: A002
    """The running product along ``dim`` (exact gradients where the input has zeros).

    Integer and bool inputs give int64 (PyTorch's promotion); ``dtype`` converts first.
    """
    x = as_variable(input)
    if dtype is not None:
        x = cast(x, dtype)
    elif x.dtype.kind in "iub":
        x = cast(x, np.int64)
    if x.ndim == 0:
        return x * 1
    return Cumprod(normalize_dim(dim, x.ndim))(x)
