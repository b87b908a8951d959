"""PyTorch's elementwise math and matrix helpers missing from ``framework.functions``.

``log1p``, ``expm1``, ``log2``, ``log10``, the rounding family (``floor``, ``ceil``,
``round``, ``trunc``, ``frac``, ``sign``), ``reciprocal``, the inverse and hyperbolic
trigonometry, ``erf`` / ``erfc``, the binary ``atan2``, ``hypot`` and ``logaddexp``,
``lerp``, ``addcmul``, ``addcdiv`` and ``cumprod``; then ``tril``, ``triu``, ``diag``,
``flip``, ``roll``, ``outer``, ``cross``, ``masked_select``, ``nonzero`` and ``unique``.

Each differentiable op is a Function (forward on arrays, backward in Variable
operations, so ``backward(create_graph=True)`` gives higher derivatives) or a
composition of existing differentiable ops. Integer and bool inputs of the floating
functions become float32, as PyTorch's default dtype; the rounding functions keep an
integer dtype and have a zero gradient. ``nonzero`` and ``unique`` return int64
indices with no gradient.
"""
import builtins
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


def _var(x):
    return x if isinstance(x, Variable) else as_variable(np.asarray(x))


def _floating(x):
    """``x`` as a Variable of a floating dtype: integers and bools become float32."""
    x = _var(x)
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
    x = _var(x)
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
    x = _var(input)
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
    x = _var(input)
    if decimals == 0:
        return _rounding(x, lambda xp, a: xp.rint(a))
    return _rounding(x, lambda xp, a: xp.round(a, decimals))


def frac(input):  # noqa: A002
    """The fractional part ``x - trunc(x)`` (sign of ``x``); the gradient is 1."""
    x = _var(input)
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
    return _var(input) + weight * (end - _var(input))


def addcmul(input, tensor1, tensor2, *, value=1):  # noqa: A002
    """``input + value * tensor1 * tensor2``."""
    return _var(input) + _var(tensor1) * tensor2 * value


def addcdiv(input, tensor1, tensor2, *, value=1):  # noqa: A002
    """``input + value * tensor1 / tensor2``."""
    return _var(input) + _var(tensor1) / tensor2 * value


def cumprod(input, dim, *, dtype=None):  # noqa: A002
    """The running product along ``dim`` (exact gradients where the input has zeros).

    Integer and bool inputs give int64 (PyTorch's promotion); ``dtype`` converts first.
    """
    x = _var(input)
    if dtype is not None:
        x = cast(x, dtype)
    elif x.dtype.kind in "iub":
        x = cast(x, np.int64)
    if x.ndim == 0:
        return x * 1
    return Cumprod(normalize_dim(dim, x.ndim))(x)


# ---------------------------------------------------------------- matrices and indices
def _tri_mask(x, diagonal, lower):
    xp = backend.get_array_module(x.data)
    rows, cols = x.shape[-2:]
    keep = xp.tri(rows, cols, diagonal, dtype=bool)
    return keep if lower else ~xp.tri(rows, cols, diagonal - 1, dtype=bool)


def _zero_like_scalar(x):
    return as_variable(backend.get_array_module(x.data).zeros((), dtype=x.dtype))


def tril(input, diagonal=0):  # noqa: A002
    """The lower triangle of the last two dims (elements with ``j - i <= diagonal``)."""
    x = _var(input)
    if x.ndim < 2:
        raise RuntimeError(f"tril: input tensor must have at least 2 dimensions, got {x.ndim}")
    return P.where(_tri_mask(x, diagonal, True), x, _zero_like_scalar(x))


def triu(input, diagonal=0):  # noqa: A002
    """The upper triangle of the last two dims (elements with ``j - i >= diagonal``)."""
    x = _var(input)
    if x.ndim < 2:
        raise RuntimeError(f"triu: input tensor must have at least 2 dimensions, got {x.ndim}")
    return P.where(_tri_mask(x, diagonal, False), x, _zero_like_scalar(x))


def _diag_index(rows, cols, diagonal):
    if diagonal >= 0:
        n = builtins.max(builtins.min(rows, cols - diagonal), 0)
        i = np.arange(n)
        return i, i + diagonal
    n = builtins.max(builtins.min(rows + diagonal, cols), 0)
    i = np.arange(n)
    return i - diagonal, i


class DiagEmbed(Function):
    """A 1-D vector placed on a diagonal of a square matrix."""

    reads_values = False

    def __init__(self, diagonal):
        self.diagonal = diagonal

    def forward(self, v):
        return backend.get_array_module(v).diag(v, self.diagonal)

    def backward(self, gy):
        n = gy.shape[0]
        xp = backend.get_array_module(gy.data)
        return P.get_item(gy, tuple(xp.asarray(i) for i in _diag_index(n, n, self.diagonal)))


def diag(input, diagonal=0):  # noqa: A002
    """A 1-D input: the square matrix with it on ``diagonal``; a 2-D input: that
    diagonal as a 1-D tensor (``diagonal`` > 0 above the main one, < 0 below)."""
    x = _var(input)
    if x.ndim == 1:
        return DiagEmbed(diagonal)(x)
    if x.ndim == 2:
        xp = backend.get_array_module(x.data)
        return P.get_item(x, tuple(xp.asarray(i)
                                   for i in _diag_index(x.shape[0], x.shape[1], diagonal)))
    raise RuntimeError(f"diag: expected a 1-D or 2-D tensor, got {x.ndim}-D")


def _dims(dims, ndim):
    if isinstance(dims, int):
        dims = (dims,)
    return tuple(normalize_dim(d, ndim) for d in dims)


def flip(input, dims):  # noqa: A002
    """The elements in reverse order along each of ``dims`` (a copy, as PyTorch)."""
    x = _var(input)
    index = [slice(None)] * x.ndim
    for d in _dims(dims, x.ndim):
        index[d] = slice(None, None, -1)
    return P.get_item(x, tuple(index))


def roll(input, shifts, dims=None):  # noqa: A002
    """Shift the elements along ``dims`` circularly (the flattened tensor when ``dims``
    is None; ``shifts`` and ``dims`` may be matching tuples)."""
    x = _var(input)
    if dims is None:
        if not isinstance(shifts, int):
            if len(shifts) != 1:
                raise RuntimeError("roll: shifts and dims must align; give dims for "
                                   "several shifts")
            shifts = shifts[0]
        return roll(x.reshape(-1), shifts, 0).reshape(x.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = _dims(dims, x.ndim)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dims must align, got {len(shifts)} shifts "
                           f"and {len(dims)} dims")
    for s, d in zip(shifts, dims):
        n = x.shape[d]
        if n == 0:
            continue
        xp = backend.get_array_module(x.data)
        index = (slice(None),) * d + (xp.asarray((np.arange(n) - s) % n),)
        x = P.get_item(x, index)
    return x


def outer(input, vec2):  # noqa: A002
    """The outer product of two 1-D tensors: ``out[i, j] = input[i] * vec2[j]``."""
    a, b = _var(input), _var(vec2)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"outer: expected two 1-D tensors, got {a.ndim}-D and {b.ndim}-D")
    return a.reshape(-1, 1) * b.reshape(1, -1)


ger = outer


def cross(input, other, dim=None):  # noqa: A002
    """The 3-D cross product along ``dim`` (operands broadcast); ``dim=None`` takes the
    first dim of size 3, as PyTorch."""
    a, b = _var(input), _var(other)
    ndim = builtins.max(a.ndim, b.ndim)
    shape = np.broadcast_shapes(a.shape, b.shape)
    if dim is None:
        dim = next((i for i, n in enumerate(shape) if n == 3), None)
        if dim is None:
            raise RuntimeError(f"cross: no dimension of size 3 in {tuple(shape)}")
    dim = normalize_dim(dim, ndim)
    if shape[dim] != 3:
        raise RuntimeError(f"cross: dimension {dim} does not have size 3 "
                           f"(shapes {tuple(a.shape)} and {tuple(b.shape)})")

    def part(v, i):
        v = v.reshape((1,) * (ndim - v.ndim) + tuple(v.shape))
        return P.get_item(v, (slice(None),) * dim + (slice(i, i + 1),))

    a0, a1, a2 = (part(a, i) for i in range(3))
    b0, b1, b2 = (part(b, i) for i in range(3))
    return F.concat([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=dim)


def masked_select(input, mask):  # noqa: A002
    """The elements where ``mask`` (broadcast with ``input``) is True, as a 1-D tensor;
    differentiable in ``input``."""
    x = _var(input)
    m = mask.data if isinstance(mask, Variable) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_select: expected a bool mask, got {m.dtype}")
    shape = np.broadcast_shapes(x.shape, m.shape)
    if tuple(x.shape) != tuple(shape):
        x = P.broadcast_to(x, shape)
    xp = backend.get_array_module(x.data)
    return P.get_item(x, xp.broadcast_to(xp.asarray(m), shape))


def nonzero(input, *, as_tuple=False):  # noqa: A002
    """The indices of the nonzero elements: an ``(n, ndim)`` int64 tensor, or with
    ``as_tuple=True`` one 1-D int64 tensor per dim (no gradient)."""
    a = _var(input).data
    xp = backend.get_array_module(a)
    if as_tuple:
        if a.ndim == 0:
            return (Variable(xp.zeros(int(bool(a)), dtype=np.int64), requires_grad=False),)
        return tuple(Variable(i.astype(np.int64), requires_grad=False) for i in xp.nonzero(a))
    if a.ndim == 0:
        return Variable(xp.zeros((int(bool(a)), 0), dtype=np.int64), requires_grad=False)
    idx = xp.stack(xp.nonzero(a), axis=1) if a.size else xp.zeros((0, a.ndim), np.int64)
    return Variable(idx.astype(np.int64), requires_grad=False)


def unique(input, sorted=True, return_inverse=False, return_counts=False,  # noqa: A002
           dim=None):
    """The distinct elements (sorted), or the distinct slices along ``dim``.

    Returns:
        The unique values; with ``return_inverse`` / ``return_counts`` a tuple that adds
        the int64 index of each input element (or slice) into them and how often each
        occurs. No gradient.
    """
    a = _var(input).data
    xp = backend.get_array_module(a)
    if dim is None:
        values, inverse, counts = xp.unique(a, return_inverse=True, return_counts=True)
        inverse = inverse.reshape(a.shape)
    else:
        d = normalize_dim(dim, a.ndim)
        # numpy's unique by slices (cupy has no axis=): on the host, then back
        values, inverse, counts = np.unique(backend.as_numpy(a), return_inverse=True,
                                            return_counts=True, axis=d)
        values, inverse, counts = (xp.asarray(v) for v in (values, inverse, counts))
        inverse = inverse.reshape(-1)
    out = [Variable(values, requires_grad=False)]
    if return_inverse:
        out.append(Variable(inverse.astype(np.int64), requires_grad=False))
    if return_counts:
        out.append(Variable(counts.astype(np.int64), requires_grad=False))
    return out[0] if len(out) == 1 else tuple(out)
