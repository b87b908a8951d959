"""PyTorch's top-level tensor functions and the tensor methods built on ``framework.functions``.

The functions take PyTorch's argument names (``input``, ``dim``, ``keepdim``) and call
the Functions of ``framework.functions`` or the core primitives: no op is implemented
twice. The tensor methods built on them live in ``framework.tensor_methods``.
"""
import builtins
from collections import namedtuple

import numpy as np

import framework.functions as F
from framework import backend
from framework.core import primitives as P
from framework.core.config import inference_mode, is_grad_enabled, set_grad_enabled
from framework.core.shape_methods import normalize_dim
from framework.core.variable import Variable, as_variable

__all__ = [
    "cat", "concat", "concatenate", "stack", "hstack", "vstack", "where", "flatten",
    "reshape", "squeeze", "unsqueeze", "transpose", "permute", "t", "matmul", "mm", "bmm",
    "dot", "einsum", "sum", "mean", "prod", "std", "var", "max", "min", "amax", "amin",
    "argmax", "argmin", "maximum", "minimum", "exp", "log", "sqrt", "rsqrt", "abs", "sin",
    "cos", "tanh", "sigmoid", "relu", "clamp", "clip", "pow", "square", "softmax",
    "log_softmax", "logsumexp", "norm", "cumsum", "cdist", "cartesian_prod", "allclose",
    "equal", "isclose", "isnan", "isinf", "isfinite", "eq", "ne", "lt", "le", "gt", "ge",
    "topk", "sort", "argsort", "chunk", "split", "gather", "index_select", "masked_fill",
    "clone", "detach", "all", "any", "set_grad_enabled", "is_grad_enabled",
    "inference_mode", "add", "sub", "subtract", "mul", "multiply",
    "div", "divide", "true_divide", "neg",
]

TopK = namedtuple("topk", ["values", "indices"])
Sort = namedtuple("sort", ["values", "indices"])


def _var(x):
    return x if isinstance(x, Variable) else as_variable(np.asarray(x))


# ---------------------------------------------------------------------- joins and shapes
def cat(tensors, dim=0, *, axis=None):
    """Concatenate along an existing ``dim``."""
    return F.concat(list(tensors), axis=dim if axis is None else axis)


concat = concatenate = cat


def stack(tensors, dim=0, *, axis=None):
    """Stack same-shaped tensors along a new ``dim``."""
    return F.stack(list(tensors), axis=dim if axis is None else axis)


def hstack(tensors):
    tensors = [_var(t) for t in tensors]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat([_var(t) if _var(t).ndim > 1 else _var(t).reshape(1, -1) for t in tensors], 0)


def where(condition, input=None, other=None):  # noqa: A002
    """``input`` where ``condition`` holds, else ``other`` (differentiable in both); with
    only ``condition``, the indices of its True entries (a tuple, as ``nonzero``)."""
    cond = condition.data if isinstance(condition, Variable) else np.asarray(condition)
    if input is None and other is None:
        xp = backend.get_array_module(cond)
        return tuple(Variable(i.astype(np.int64), requires_grad=False) for i in xp.nonzero(cond))
    return P.where(cond, input, other)


def flatten(input, start_dim=0, end_dim=-1):  # noqa: A002
    return _var(input).flatten(start_dim, end_dim)


def reshape(input, shape):  # noqa: A002
    return _var(input).reshape(shape)


def squeeze(input, dim=None):  # noqa: A002
    return _var(input).squeeze(dim)


def unsqueeze(input, dim):  # noqa: A002
    return _var(input).unsqueeze(dim)


def transpose(input, dim0, dim1):  # noqa: A002
    return _var(input).transpose(dim0, dim1)


def permute(input, dims):  # noqa: A002
    return _var(input).permute(dims)


def t(input):  # noqa: A002
    return _var(input).t()


def chunk(input, chunks, dim=0):  # noqa: A002
    return _var(input).chunk(chunks, dim)


def split(tensor, split_size_or_sections, dim=0):
    return _var(tensor).split(split_size_or_sections, dim)


def gather(input, dim, index):  # noqa: A002
    return _var(input).gather(dim, index)


def index_select(input, dim, index):  # noqa: A002
    return _var(input).index_select(dim, index)


def masked_fill(input, mask, value):  # noqa: A002
    return _var(input).masked_fill(mask, value)


def clone(input):  # noqa: A002
    return _var(input).clone()


def detach(input):  # noqa: A002
    return _var(input).detach()


# ---------------------------------------------------------------------- products
def matmul(input, other):  # noqa: A002
    """numpy's matmul: batches broadcast, 1-D operands allowed."""
    return P.matmul(input, other)


def mm(input, mat2):  # noqa: A002
    """The product of two 2-D matrices; other shapes raise ValueError naming them."""
    return F.mm(input, mat2)


def dot(input, tensor):  # noqa: A002
    """The inner product of two 1-D vectors; other shapes raise ValueError naming them."""
    return F.dot(input, tensor)


def bmm(input, mat2):  # noqa: A002
    """The product of two batches of matrices, (B, N, M) @ (B, M, P).

    Raises:
        ValueError: an operand is not 3-D or the batch sizes differ (names both shapes).
    """
    sa, sb = tuple(np.shape(input)), tuple(np.shape(mat2))
    if len(sa) != 3 or len(sb) != 3 or sa[0] != sb[0]:
        raise ValueError(f"bmm: expected (B, N, M) and (B, M, P) batches, got shapes {sa} "
                         f"and {sb}")
    return P.matmul(input, mat2)


def einsum(equation, *operands):
    """Einstein summation (``einsum("ij,jk->ik", a, b)``), differentiable.

    Raises:
        ValueError: ``...`` or an index repeated within one operand (not supported).
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq = equation.replace(" ", "")
    if "..." in eq:
        raise ValueError("einsum: '...' is not supported; name every index")
    ins, _, out = eq.partition("->")
    specs = tuple(ins.split(","))
    if len(specs) != len(operands):
        raise ValueError(f"einsum: {len(specs)} operand specs in {equation!r} but "
                         f"{len(operands)} operands")
    for s in specs:
        if len(set(s)) != len(s):
            raise ValueError(f"einsum: index repeated within operand {s!r} (a trace or a "
                             f"diagonal) is not supported")
    if not _:
        counts = {}
        for c in "".join(specs):
            counts[c] = counts.get(c, 0) + 1
        out = "".join(sorted(c for c, n in counts.items() if n == 1))
    return P.Einsum(specs, out)(*[_var(o) for o in operands])


# ---------------------------------------------------------------------- reductions
def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001,A002
    return _var(input).sum(dim, keepdim, dtype)


def mean(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    return _var(input).mean(dim, keepdim, dtype)


def prod(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    return _var(input).prod(dim, keepdim, dtype)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    return _var(input).std(dim, unbiased, keepdim, correction=correction)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    return _var(input).var(dim, unbiased, keepdim, correction=correction)


def max(input, dim=None, keepdim=False):  # noqa: A001,A002
    """``max(x)``: the largest value; ``max(x, dim)``: ``(values, indices)``;
    ``max(x, y)``: the elementwise maximum."""
    return _var(input).max(dim, keepdim)


def min(input, dim=None, keepdim=False):  # noqa: A001,A002
    return _var(input).min(dim, keepdim)


def amax(input, dim=None, keepdim=False):  # noqa: A002
    return _var(input).amax(dim, keepdim)


def amin(input, dim=None, keepdim=False):  # noqa: A002
    return _var(input).amin(dim, keepdim)


def argmax(input, dim=None, keepdim=False):  # noqa: A002
    return _var(input).argmax(dim, keepdim)


def argmin(input, dim=None, keepdim=False):  # noqa: A002
    return _var(input).argmin(dim, keepdim)


def all(input, dim=None, keepdim=False):  # noqa: A001,A002
    return _var(input).all(dim, keepdim)


def any(input, dim=None, keepdim=False):  # noqa: A001,A002
    return _var(input).any(dim, keepdim)


def maximum(input, other):  # noqa: A002
    """The elementwise maximum (the gradient goes to the larger; to ``input`` on ties)."""
    a, b = _var(input), _var(other)
    return P.where(a.data >= b.data, a, b)


def minimum(input, other):  # noqa: A002
    a, b = _var(input), _var(other)
    return P.where(a.data <= b.data, a, b)


def cumsum(input, dim, *, dtype=None):  # noqa: A002
    return _var(input).cumsum(dim, dtype)


def logsumexp(input, dim, keepdim=False):  # noqa: A002
    return F.logsumexp(input, axis=dim, keepdims=keepdim)


def norm(input, p="fro", dim=None, keepdim=False):  # noqa: A002
    """The vector p-norm over ``dim`` (all elements by default): p = 2/"fro", 1, inf, or
    any positive number.

    Raises:
        ValueError: an unsupported ``p`` ("nuc", negative).
    """
    x = _var(input)
    if isinstance(dim, list):
        dim = tuple(dim)
    if p in ("fro", 2, 2.0):
        return F.sqrt(P.sum(x * x, dim, keepdim))
    if p in (1, 1.0):
        return P.sum(F.abs(x), dim, keepdim)
    if p in (float("inf"), "inf"):
        return P.max(F.abs(x), dim, keepdim)
    if isinstance(p, (int, float)) and p > 0:
        return P.sum(F.abs(x) ** p, dim, keepdim) ** (1.0 / p)
    raise ValueError(f"norm: p={p!r} is not supported; use 'fro', 1, 2, inf or a positive "
                     f"number")


# ---------------------------------------------------------------------- elementwise
def add(input, other, *, alpha=1):  # noqa: A002
    """``input + alpha * other``."""
    return P.add(input, other if alpha == 1 else other * alpha)


def sub(input, other, *, alpha=1):  # noqa: A002
    return P.sub(input, other if alpha == 1 else other * alpha)


subtract = sub


def mul(input, other):  # noqa: A002
    return P.mul(input, other)


multiply = mul


def div(input, other, *, rounding_mode=None):  # noqa: A002
    """``input / other``; ``rounding_mode="floor"``/``"trunc"`` round (no gradient).

    Raises:
        ValueError: an unknown rounding mode.
    """
    if rounding_mode is None:
        return P.div(input, other)
    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(f"div: rounding_mode must be None, 'floor' or 'trunc', got "
                         f"{rounding_mode!r}")
    a, b = _var(input).data, other.data if isinstance(other, Variable) else other
    xp = backend.get_array_module(a)
    q = xp.floor_divide(a, b) if rounding_mode == "floor" else xp.trunc(a / b).astype(
        np.result_type(a, b))
    return Variable(xp.asarray(q), requires_grad=False)


divide = true_divide = div


def neg(input):  # noqa: A002
    return P.neg(input)


def exp(input):  # noqa: A002
    return P.exp(input)


def log(input):  # noqa: A002
    return P.log(input)


def sqrt(input):  # noqa: A002
    return F.sqrt(input)


def rsqrt(input):  # noqa: A002
    return 1.0 / F.sqrt(input)


def abs(input):  # noqa: A001,A002
    return F.abs(input)


def sin(input):  # noqa: A002
    return F.sin(input)


def cos(input):  # noqa: A002
    return F.cos(input)


def tanh(input):  # noqa: A002
    return F.tanh(input)


def sigmoid(input):  # noqa: A002
    return F.sigmoid(input)


def relu(input):  # noqa: A002
    return F.relu(input)


def square(input):  # noqa: A002
    return F.square(input)


def pow(input, exponent):  # noqa: A001,A002
    if not isinstance(input, Variable):
        return P.rpow(exponent, input)
    return P.pow(input, exponent)


def clamp(input, min=None, max=None):  # noqa: A001,A002
    """Clamp to ``[min, max]`` (either may be None).

    Raises:
        ValueError: both bounds are None.
    """
    if min is None and max is None:
        raise ValueError("clamp: give min, max or both")
    x = _var(input)
    lo = min.item() if isinstance(min, Variable) else min
    hi = max.item() if isinstance(max, Variable) else max
    return F.clip(x, lo, hi)


clip = clamp


def softmax(input, dim, dtype=None):  # noqa: A002
    """Softmax along ``dim`` (PyTorch requires ``dim``)."""
    x = _var(input)
    if dtype is not None:
        x = x.to(dtype)
    return F.softmax(x, axis=normalize_dim(dim, x.ndim))


def log_softmax(input, dim, dtype=None):  # noqa: A002
    x = _var(input)
    if dtype is not None:
        x = x.to(dtype)
    return F.log_softmax(x, axis=normalize_dim(dim, x.ndim))


def cdist(x1, x2, p=2.0):
    return F.cdist(x1, x2, p)


def cartesian_prod(*tensors):
    return F.cartesian_prod(*tensors)


# ---------------------------------------------------------------------- comparisons
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    return _var(input).allclose(other, rtol, atol, equal_nan)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    return _var(input).isclose(other, rtol, atol, equal_nan)


def equal(input, other):  # noqa: A002
    return _var(input).equal(other)


def isnan(input):  # noqa: A002
    return _var(input).isnan()


def isinf(input):  # noqa: A002
    return _var(input).isinf()


def isfinite(input):  # noqa: A002
    return _var(input).isfinite()


def eq(input, other):  # noqa: A002
    return _var(input) == other


def ne(input, other):  # noqa: A002
    return _var(input) != other


def lt(input, other):  # noqa: A002
    return _var(input) < other


def le(input, other):  # noqa: A002
    return _var(input) <= other


def gt(input, other):  # noqa: A002
    return _var(input) > other


def ge(input, other):  # noqa: A002
    return _var(input) >= other


# ---------------------------------------------------------------------- ordering
def _ordered(x, dim, descending, what):
    d = normalize_dim(dim, x.ndim)
    xp = backend.get_array_module(x.data)
    idx = xp.argsort(-x.data if descending else x.data, axis=d, kind="stable") \
        if x.ndim else xp.zeros((), np.int64)
    return d, idx.astype(np.int64)


def sort(input, dim=-1, descending=False, stable=False):  # noqa: A002
    """``(values, indices)`` sorted along ``dim``; the values carry the gradient."""
    x = _var(input)
    d, idx = _ordered(x, dim, descending, "sort")
    values = x.gather(d, idx) if x.ndim else x
    return Sort(values, Variable(idx, requires_grad=False))


def argsort(input, dim=-1, descending=False, stable=False):  # noqa: A002
    x = _var(input)
    return Variable(_ordered(x, dim, descending, "argsort")[1], requires_grad=False)


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    """The ``k`` largest (or smallest) entries along ``dim``: ``(values, indices)``.

    Raises:
        ValueError: ``k`` exceeds the size of ``dim``.
    """
    x = _var(input)
    d = normalize_dim(dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    if not 0 <= k <= n:
        raise ValueError(f"topk: k={k} is out of range for dim {dim} of size {n}")
    _, idx = _ordered(x, d, largest, "topk")
    idx = idx[(slice(None),) * d + (slice(0, k),)]
    return TopK(x.gather(d, idx), Variable(idx, requires_grad=False))


