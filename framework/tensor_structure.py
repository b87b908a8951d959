"""PyTorch's matrix and index helpers missing from ``framework.functions``: ``tril``,
``triu``, ``diag``, ``flip``, ``roll``, ``outer``, ``cross``, ``masked_select``,
``nonzero`` and ``unique`` (re-exported by :mod:`framework.tensor_math`).

``tril``/``triu``/``diag``/``flip``/``roll``/``outer``/``cross``/``masked_select`` are
differentiable compositions of indexing and elementwise ops; ``nonzero`` and ``unique``
return int64 indices with no gradient.
"""
import builtins

import numpy as np

import framework.functions as F
from framework import backend
from framework.core import primitives as P
from framework.core.function import Function
from framework.core.shape_methods import normalize_dim
from framework.core.variable import Variable, as_variable

__all__ = ["tril", "triu", "diag", "flip", "roll", "outer", "ger", "cross", "masked_select",
           "nonzero", "unique"]


def _tri_mask(x, diagonal, lower):
    xp = backend.get_array_module(x.data)
    rows, cols = x.shape[-2:]
    keep = xp.tri(rows, cols, diagonal, dtype=bool)
    return keep if lower else ~xp.tri(rows, cols, diagonal - 1, dtype=bool)


def _zero_like_scalar(x):
    return as_variable(backend.get_array_module(x.data).zeros((), dtype=x.dtype))


def tril(input, diagonal=0):  # noqa: A002
    """The lower triangle of the last two dims (elements with ``j - i <= diagonal``)."""
    x = as_variable(input)
    if x.ndim < 2:
        raise RuntimeError(f"tril: input tensor must have at least 2 dimensions, got {x.ndim}")
    return P.where(_tri_mask(x, diagonal, True), x, _zero_like_scalar(x))


def triu(input, diagonal=0):  # noqa: A002
    """The upper triangle of the last two dims (elements with ``j - i >= diagonal``)."""
    x = as_variable(input)
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
    x = as_variable(input)
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
    x = as_variable(input)
    index = [slice(None)] * x.ndim
    for d in _dims(dims, x.ndim):
        index[d] = slice(None, None, -1)
    return P.get_item(x, tuple(index))


def roll(input, shifts, dims=None):  # noqa: A002
    """Shift the elements along ``dims`` circularly (the flattened tensor when ``dims``
    is None; ``shifts`` and ``dims`` may be matching tuples)."""
    x = as_variable(input)
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
    a, b = as_variable(input), as_variable(vec2)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"outer: expected two 1-D tensors, got {a.ndim}-D and {b.ndim}-D")
    return a.reshape(-1, 1) * b.reshape(1, -1)


ger = outer


def cross(input, other, dim=None):  # noqa: A002
    """The 3-D cross product along ``dim`` (operands broadcast); ``dim=None`` takes the
    first dim of size 3, as PyTorch."""
    a, b = as_variable(input), as_variable(other)
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
    x = as_variable(input)
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
    a = as_variable(input).data
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
    a = as_variable(input).data
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
