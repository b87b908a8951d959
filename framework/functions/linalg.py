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

__all__ = ["matmul", "mm", "dot", "linear", "linear_out_in", "cdist", "Linear", "Root"]


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

    ``x`` is (N, in), ``b`` is (out,) or absent. ``W`` is (in, out) (DeZero's layout),
    or (out, in) (PyTorch's) with ``weight_out_in=True``; each layout gets its gradient
    computed in its own memory order, so an optimizer's update runs over contiguous
    arrays.
    """

    def __init__(self, weight_out_in=False):
        self.weight_out_in = weight_out_in

    def forward(self, x, W, b=None):
        if self.weight_out_in and x.ndim == 2 and type(x) is np.ndarray:
            # OpenBLAS runs W @ x.T 10-13% faster than x @ W.T on the shapes of an MLP
            # (784-1000-1000, batch 100; 9216 -> 128, batch 64), copy back to C order
            # included; the copy also adds the bias.
            yt = (W @ x.T).T
            if b is not None and b.dtype == yt.dtype:
                return np.add(yt, b, order="C")
            y = np.ascontiguousarray(yt)
            if b is not None:
                y += b
            return y
        y = x @ W.T if self.weight_out_in else x @ W
        if b is not None:
            y += b
        return y

    def backward(self, gy):
        x, W = self.inputs[0], self.inputs[1]
        b = self.inputs[2] if len(self.inputs) == 3 else None
        out_in = self.weight_out_in
        if Config.enable_backprop:  # create_graph: record the gradient's own graph
            gx = gW = None
            if x.requires_grad:
                gx = matmul(gy, W) if out_in else matmul(gy, W.T)
            if W.requires_grad:
                gW = matmul(gy.T, x) if out_in else matmul(x.T, gy)
            gb = sum_to(gy, b.shape) if b is not None and b.requires_grad else None
        else:
            # The common first-order case on arrays: no per-op graph bookkeeping, which
            # is most of the cost of a small layer's training step.
            g, w, xd = gy.data, W.data, x.data
            gx = None
            if x.requires_grad:
                if out_in or g.ndim != 2 or type(g) is not np.ndarray:
                    gx = _constant(g @ w if out_in else g @ w.T)
                else:  # 1.41 against 1.64 ms for gy @ W.T (1000 -> 784, batch 100)
                    gx = _constant(np.ascontiguousarray((w @ g.T).T))
            gW = _constant(g.T @ xd if out_in else xd.T @ g) if W.requires_grad else None
            gb = (_constant(g.sum(axis=0).reshape(b.shape))
                  if b is not None and b.requires_grad else None)
        return (gx, gW) if b is None else (gx, gW, gb)


def linear(x, W, b=None):
    """Affine map ``x @ W + b`` with DeZero's weight layout.

    Args:
        x: input, shape (N, in), (in,) or (..., in).
        W: weight, shape (in, out).
        b: bias, shape (out,), or None.

    Returns:
        A Variable of shape (N, out) (leading axes as in ``x``).

    Raises:
        ValueError: shapes that do not fit, naming them.
    """
    return _linear(x, W, b, weight_out_in=False)


def linear_out_in(x, weight, bias=None):
    """Affine map ``x @ weight.T + bias`` with PyTorch's weight layout (``nn.Linear``'s).

    Args:
        x: input, shape (N, in), (in,) or (..., in).
        weight: shape (out, in).
        bias: shape (out,), or None.

    Returns:
        A Variable of shape (N, out) (leading axes as in ``x``).

    Raises:
        ValueError: shapes that do not fit, naming them.
    """
    return _linear(x, weight, bias, weight_out_in=True)


def _linear(x, W, b, weight_out_in):
    xs, ws = _shape_of(x), _shape_of(W)
    n_in, n_out = (ws[1], ws[0]) if weight_out_in and len(ws) == 2 else (ws + (0, 0))[:2]
    name, layout = ("linear_out_in", "(out, in)") if weight_out_in else ("linear", "(in, out)")
    if len(ws) != 2 or len(xs) == 0 or xs[-1] != n_in:
        raise ValueError(
            f"{name}: input of shape {xs} and weight of shape {ws} do not fit: expected "
            f"x (..., in) and W {layout} with the same in")
    if b is not None and _shape_of(b) not in ((n_out,), (1, n_out)):
        raise ValueError(f"{name}: bias of shape {_shape_of(b)}, expected ({n_out},)")
    lead = xs[:-1]
    if len(xs) != 2:
        x = reshape(x, (-1, n_in))
    f = Linear(weight_out_in)
    y = f(x, W) if b is None else f(x, W, b)
    if len(xs) != 2:
        y = reshape(y, lead + (n_out,))
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

