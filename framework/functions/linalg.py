"""Linear algebra: matmul, mm, dot, the fused linear layer, pairwise distances.

``matmul`` (numpy semantics: batch broadcasting, 1-D operands) lives in
``framework.core.primitives`` and is re-exported here.
"""
import numpy as np

from framework import backend
from framework.core.config import Config
from framework.core.function import Function
from framework.core.primitives import matmul, max, reshape, sum, sum_to
from framework.core.variable import Variable
from framework.functions.math import abs as _abs

__all__ = ["matmul", "mm", "dot", "linear", "cdist", "Linear", "Root"]


def _constant(array):
    return Variable(array, requires_grad=False)


def _shape_of(x):
    return tuple(x.shape) if isinstance(x, Variable) else np.shape(x)


def mm(a, b):
    """Matrix product of two 2-D operands (PyTorch's ``mm``).

    Raises:
        ValueError: an operand is not 2-D, or the inner lengths differ; the message
            names both shapes.
    """
    sa, sb = _shape_of(a), _shape_of(b)
    if len(sa) != 2 or len(sb) != 2:
        raise ValueError(
            f"mm: expected two 2-D matrices, got shapes {sa} and {sb}; use matmul for "
            f"batches or vectors")
    return matmul(a, b)


def dot(a, b):
    """Inner product of two 1-D vectors of equal length (PyTorch's ``dot``); a 0-d result.

    Raises:
        ValueError: an operand is not 1-D, or the lengths differ; the message names both
            shapes.
    """
    sa, sb = _shape_of(a), _shape_of(b)
    if len(sa) != 1 or len(sb) != 1:
        raise ValueError(
            f"dot: expected two 1-D vectors, got shapes {sa} and {sb}; use mm or matmul "
            f"for matrices")
    if sa != sb:
        raise ValueError(f"dot: vectors of shapes {sa} and {sb} differ in length")
    return matmul(a, b)


class Linear(Function):
    """``x @ W + b`` in one node: one forward, one backward, no intermediate Variables.

    ``x`` is (N, in), ``W`` is (in, out) (DeZero's layout), ``b`` is (out,) or absent.
    """

    def forward(self, x, W, b=None):
        y = x @ W
        if b is not None:
            y += b
        return y

    def backward(self, gy):
        x, W = self.inputs[0], self.inputs[1]
        b = self.inputs[2] if len(self.inputs) == 3 else None
        if Config.enable_backprop:  # create_graph: record the gradient's own graph
            gx = matmul(gy, W.T) if x.requires_grad else None
            gW = matmul(x.T, gy) if W.requires_grad else None
            gb = sum_to(gy, b.shape) if b is not None and b.requires_grad else None
        else:
            # The common first-order case on arrays: no per-op graph bookkeeping, which
            # is most of the cost of a small layer's training step.
            g = gy.data
            gx = _constant(g @ W.data.T) if x.requires_grad else None
            gW = _constant(x.data.T @ g) if W.requires_grad else None
            gb = (_constant(g.sum(axis=0).reshape(b.shape))
                  if b is not None and b.requires_grad else None)
        return (gx, gW) if b is None else (gx, gW, gb)


def linear(x, W, b=None):
    """Affine map ``x @ W + b`` with DeZero's weight layout (``nn.Linear`` stores
    PyTorch's (out, in) and transposes).

    Args:
        x: input, shape (N, in), (in,) or (..., in).
        W: weight, shape (in, out).
        b: bias, shape (out,), or None.

    Returns:
        A Variable of shape (N, out) (leading axes as in ``x``).

    Raises:
        ValueError: shapes that do not fit, naming them.
    """
    xs, ws = _shape_of(x), _shape_of(W)
    if len(ws) != 2 or len(xs) == 0 or xs[-1] != ws[0]:
        raise ValueError(
            f"linear: input of shape {xs} and weight of shape {ws} do not fit: expected "
            f"x (..., in) and W (in, out) with the same in")
    if b is not None and _shape_of(b) not in ((ws[1],), (1, ws[1])):
        raise ValueError(f"linear: bias of shape {_shape_of(b)}, expected ({ws[1]},)")
    lead = xs[:-1]
    if len(xs) != 2:
        x = reshape(x, (-1, ws[0]))
    y = Linear()(x, W) if b is None else Linear()(x, W, b)
    if len(xs) != 2:
        y = reshape(y, lead + (ws[1],))
    return y


class Root(Function):
    """``s ** (1/p)`` for ``s >= 0`` with gradient 0 where ``s == 0`` (as torch's
    ``cdist``: the distance of a point to itself has no direction)."""

    def __init__(self, p):
        self.p = p

    def forward(self, s):
        xp = backend.get_array_module(s)
        return xp.sqrt(s) if self.p == 2 else s ** (1.0 / self.p)

    def backward(self, gy):
        s, = self.inputs
        y = self.outputs[0]()
        zero = s.data == 0
        # dy/ds = y / (p s); the masked denominator keeps the zero entries finite.
        denom = s * self.p + zero.astype(s.dtype)
        return gy * y / denom * (~zero).astype(s.dtype)


def _pairwise_norm(diff, p):
    if p == 0:
        return sum((diff.data != 0).astype(diff.dtype), axis=-1)
    if p == 1:
        return sum(_abs(diff), axis=-1)
    if p == float("inf"):
        return max(_abs(diff), axis=-1)
    if p == 2:
        return Root(2)(sum(diff * diff, axis=-1))
    return Root(p)(sum(_abs(diff) ** p, axis=-1))


def cdist(x1, x2, p=2.0):
    """Pairwise p-norm distances between the rows of ``x1`` and ``x2`` (PyTorch's ``cdist``).

    Args:
        x1: (P, M) or (B, P, M).
        x2: (R, M) or (B, R, M); a batch axis on one side broadcasts against the other.
        p: the norm order, ``p >= 0`` (``float('inf')`` for the largest difference).

    Returns:
        A Variable of shape (P, R) or (B, P, R).

    Raises:
        ValueError: ``p < 0``, inputs not 2-D/3-D, or feature lengths that differ.
    """
    s1, s2 = _shape_of(x1), _shape_of(x2)
    if p < 0:
        raise ValueError(f"cdist: p must be >= 0, got {p}")
    if len(s1) not in (2, 3) or len(s2) not in (2, 3) or s1[-1] != s2[-1]:
        raise ValueError(
            f"cdist: expected x1 (B?, P, M) and x2 (B?, R, M) with the same M, got shapes "
            f"{s1} and {s2}")
    # (..., P, 1, M) - (..., 1, R, M) -> (..., P, R, M), then reduce the feature axis.
    a = reshape(x1, s1[:-1] + (1, s1[-1]))
    b = reshape(x2, s2[:-2] + (1,) + s2[-2:])
    return _pairwise_norm(a - b, p)

