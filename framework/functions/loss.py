"""Loss functions with DeZero's reductions: the sum over the batch divided by N = len(x).

Each loss is one fused Function: a numerically stable forward on arrays and a short
backward in Variable operations (so higher derivatives still work).
"""
import numpy as np

from framework import backend
from framework.core.config import Config
from framework.core.function import Function
from framework.core.primitives import log, sum_to
from framework.core.variable import Variable
from framework.functions.activation import sigmoid, softmax, softmax_array
from framework.functions.math import clip
from framework.functions.reduction import logsumexp_array

__all__ = [
    "mean_squared_error", "softmax_cross_entropy", "sigmoid_cross_entropy",
    "binary_cross_entropy",
    "MeanSquaredError", "SoftmaxCrossEntropy", "SigmoidCrossEntropy", "BinaryCrossEntropy",
]


def _batch_size(x):
    return x.shape[0] if x.ndim else 1


def _float_dtype(dtype):
    """``dtype`` when floating, else float64 (a loss of integer inputs is a float)."""
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _batch_mean(total, n, like):
    """``total / n`` as a 0-d array of ``like``'s floating dtype and backend (sums of
    float32 stay float32); NaN for an empty batch, as a mean over nothing (without
    numpy's division warning)."""
    value = total / n if n else float("nan")
    return backend.get_array_module(like).asarray(value, dtype=_float_dtype(like.dtype))


def _inverse(n):
    """``1 / n`` for the gradient's scale; an empty batch has empty gradients, scaled by 0."""
    return 1.0 / n if n else 0.0


def _shape_of(x):
    return tuple(x.shape) if isinstance(x, Variable) else np.shape(x)


def _dtype_of(x):
    return x.dtype if isinstance(x, Variable) else np.asarray(x).dtype


class MeanSquaredError(Function):
    def forward(self, x0, x1):
        diff = x0 - x1
        self.n = _batch_size(diff)
        return _batch_mean((diff * diff).sum(), self.n, diff)

    def backward(self, gy):
        x0, x1 = self.inputs
        g = (x0 - x1) * (gy * (2.0 * _inverse(self.n)))
        gx0 = sum_to(g, x0.shape) if x0.requires_grad else None
        gx1 = sum_to(-g, x1.shape) if x1.requires_grad else None
        return gx0, gx1


def mean_squared_error(x0, x1):
    """``sum((x0 - x1) ** 2) / N`` with N the length of axis 0 (DeZero's; ``nn.MSELoss``
    takes the mean over all elements instead).

    Shape:
        ``x0`` and ``x1`` broadcast together (beware (N, 1) against (N,), which
        broadcasts to (N, N) as in numpy); the result is a scalar.
    """
    return MeanSquaredError()(x0, x1)


class SoftmaxCrossEntropy(Function):
    def forward(self, x, t):
        n = x.shape[0]
        xp = backend.get_array_module(x)
        log_z = logsumexp_array(x, 1)
        log_p = x[xp.arange(n), t] - log_z[:, 0]
        return _batch_mean(-log_p.sum(), n, x)

    def backward(self, gy):
        # (softmax(x) - onehot(t)) * gy / N, the classic fused gradient.
        x, t = self.inputs
        n = x.shape[0]
        xp = backend.get_array_module(x.data)
        rows = xp.arange(n)
        if Config.enable_backprop:  # create_graph: keep the gradient differentiable
            onehot = xp.zeros(x.shape, dtype=x.dtype)
            onehot[rows, t.data] = 1
            return (softmax(x, axis=1) - onehot) * (gy * _inverse(n)), None
        # First order on arrays: one softmax, one in-place subtraction, one scaling.
        g = softmax_array(x.data, axis=1)
        g[rows, t.data] -= 1
        g *= gy.data * _inverse(n)
        return Variable(g, requires_grad=False), None


def _check_labels(name, x, t):
    xs, ts = _shape_of(x), _shape_of(t)
    if len(xs) != 2 or ts != xs[:1]:
        raise ValueError(
            f"{name}: expected scores x (N, C) and labels t (N,), got shapes {xs} and {ts}")
    t_data = t.data if isinstance(t, Variable) else np.asarray(t) if isinstance(
        t, (list, tuple)) else t
    if not np.issubdtype(t_data.dtype, np.integer):
        raise ValueError(
            f"{name}: labels t must be integer class indices, got dtype {t_data.dtype}")
    # Negative labels would silently index from the end; catch them and too-large ones.
    if t_data.size and (int(t_data.min()) < 0 or int(t_data.max()) >= xs[1]):
        raise ValueError(
            f"{name}: labels must lie in [0, {xs[1]}) for {xs[1]} classes, got values "
            f"from {int(t_data.min())} to {int(t_data.max())}")
    return t_data


def softmax_cross_entropy(x, t):
    """Cross entropy between ``softmax(x)`` and integer labels, averaged over the batch.

    Computed as ``logsumexp(x) - x[t]``, so large scores neither overflow nor give
    ``log(0)``.

    Args:
        x: scores (logits), shape (N, C).
        t: integer class labels, shape (N,), each in ``[0, C)``.

    Returns:
        A scalar Variable of ``x``'s dtype.

    Raises:
        ValueError: shapes that do not fit, non-integer labels, or labels out of range.
    """
    t = _check_labels("softmax_cross_entropy", x, t)
    return SoftmaxCrossEntropy()(x, t)


def _float_target(x, t):
    """Labels as a Variable of ``x``'s floating dtype (integer 0/1 labels are common),
    float64 for integer ``x``, on ``x``'s backend."""
    dtype = _float_dtype(np.dtype(_dtype_of(x)))
    if isinstance(t, Variable):
        if t.dtype.kind != "f":
            return Variable(t.data.astype(dtype), requires_grad=False)
        return t
    xp = backend.get_array_module(x)
    return Variable(xp.asarray(t, dtype=dtype), requires_grad=False)


def _check_same_shape(name, a, b):
    sa, sb = _shape_of(a), _shape_of(b)
    if sa != sb:
        raise ValueError(f"{name}: input and target shapes differ: {sa} and {sb}")


class SigmoidCrossEntropy(Function):
    def forward(self, x, t):
        xp = backend.get_array_module(x)
        self.n = _batch_size(x)
        # max(x, 0) - x t + log(1 + exp(-|x|)): the log-loss of sigmoid(x), stable for
        # large |x| of either sign.
        loss = xp.maximum(x, 0) - x * t + xp.log1p(xp.exp(-xp.abs(x)))
        return _batch_mean(loss.sum(), self.n, x)

    def backward(self, gy):
        x, t = self.inputs
        scale = gy * _inverse(self.n)
        gx = (sigmoid(x) - t) * scale if x.requires_grad else None
        gt = x * -scale if t.requires_grad else None
        return gx, gt


def sigmoid_cross_entropy(x, t):
    """Binary cross entropy of ``sigmoid(x)`` against 0/1 targets, summed and divided by N.

    Args:
        x: scores (logits), any shape with the batch on axis 0.
        t: targets of the same shape (integer 0/1 labels or floats in [0, 1]).

    Returns:
        A scalar Variable of ``x``'s dtype.

    Raises:
        ValueError: the shapes differ.
    """
    _check_same_shape("sigmoid_cross_entropy", x, t)
    return SigmoidCrossEntropy()(x, _float_target(x, t))


class BinaryCrossEntropy(Function):
    # log(p) is clamped at -100 (as torch's BCELoss) so p = 0 or 1 gives a finite loss.
    LOG_FLOOR = -100.0
    EPS = 1e-12

    def forward(self, p, t):
        xp = backend.get_array_module(p)
        self.n = _batch_size(p)
        with np.errstate(divide="ignore"):
            log_p = xp.maximum(xp.log(p), self.LOG_FLOOR)
            log_q = xp.maximum(xp.log1p(-p), self.LOG_FLOOR)
        loss = t * log_p + (1 - t) * log_q
        return _batch_mean(-loss.sum(), self.n, p)

    def backward(self, gy):
        p, t = self.inputs
        scale = gy * _inverse(self.n)
        gp = gt = None
        if p.requires_grad:
            gp = (p - t) / clip(p * (1 - p), self.EPS, None) * scale
        if t.requires_grad:
            gt = (log(1 - p) - log(p)) * scale
        return gp, gt


def binary_cross_entropy(p, t):
    """Binary cross entropy of probabilities ``p`` against targets, summed and divided by N.

    Args:
        p: probabilities in [0, 1], any shape with the batch on axis 0.
        t: targets of the same shape (integer 0/1 labels or floats in [0, 1]); as in
            DeZero, targets with another number of axes but as many values are
            reshaped to ``p``'s shape (``(N,)`` labels for an ``(N, 1)`` output).

    Returns:
        A scalar Variable of ``p``'s dtype.

    Raises:
        ValueError: the shapes differ (beyond that reshape).
    """
    sp, st = _shape_of(p), _shape_of(t)
    if len(sp) != len(st) and int(np.prod(sp)) == int(np.prod(st)):
        t = t.reshape(sp) if hasattr(t, "reshape") else np.asarray(t).reshape(sp)
    _check_same_shape("binary_cross_entropy", p, t)
    return BinaryCrossEntropy()(p, _float_target(p, t))
