"""Losses with PyTorch's semantics and reductions ('mean' default, 'sum', 'none').

Unlike DeZero's ``F.mean_squared_error`` and friends (which divide by the batch
size), 'mean' here averages over every element (or, with class weights, divides by
the total weight), as PyTorch does. The loss modules of ``framework.nn`` call these.
"""
import numpy as np

import framework.functions as F
from framework import backend
from framework.core import Function, as_variable
from framework.functions.huber import huber
from framework.functions.smooth_activation import softplus
from framework.nn.functional._common import check_reduction, data_of, legacy_reduction

__all__ = ["nll_loss", "cross_entropy", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"]


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _same_shape(name, a, b):
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"{name}: input shape {tuple(a.shape)} and target shape "
                         f"{tuple(b.shape)} differ; reshape one (e.g. target.reshape(-1, 1))")


def _reduction(name, size_average, reduce, reduction, allowed=("mean", "sum", "none")):
    return check_reduction(name, legacy_reduction(size_average, reduce, reduction), allowed)


# --------------------------------------------------------------------------- classification
def _class_labels(name, logp_shape, target, ignore_index):
    t = data_of(target)
    if not (isinstance(t, np.ndarray) or backend.is_cupy_array(t)):
        t = np.asarray(t)
    if t.dtype.kind not in "iu":
        raise ValueError(f"{name}: class targets must be integers, got dtype {t.dtype} "
                         f"(for probabilities use float targets shaped like the input)")
    n, c = logp_shape
    if t.shape != (n,):
        raise ValueError(f"{name}: target has shape {tuple(t.shape)}, expected ({n},) for an "
                         f"input of {n} rows")
    valid = t != ignore_index
    if valid.any() and (int(t[valid].min()) < 0 or int(t[valid].max()) >= c):
        raise ValueError(f"{name}: targets must lie in [0, {c}) (or equal ignore_index="
                         f"{ignore_index}), got values from {int(t.min())} to {int(t.max())}")
    return t, valid


def _to_rows(x):
    """(N, C, d1, ...) -> (N*d1*..., C) with the class axis last; (C,) -> (1, C)."""
    if x.ndim == 1:
        return x.reshape(1, -1), None
    if x.ndim == 2:
        return x, None
    perm = (0,) + tuple(range(2, x.ndim)) + (1,)
    rest = (x.shape[0],) + tuple(x.shape[2:])
    return F.transpose(x, perm).reshape(-1, x.shape[1]), rest


def _rows_and_labels(name, logp, target, ignore_index):
    logp_rows, rest = _to_rows(logp)
    t = data_of(target)
    t = t.reshape(-1) if hasattr(t, "reshape") else np.asarray(t).reshape(-1)
    t, valid = _class_labels(name, logp_rows.shape, t, ignore_index)
    return logp_rows, rest, t, valid


def _nll(name, logp, target, weight, ignore_index, reduction):
    """Negative log likelihood of class ``target`` under rows of ``logp`` (N, C)."""
    logp_rows, rest, t, valid = _rows_and_labels(name, logp, target, ignore_index)
    xp = backend.get_array_module(logp_rows.data)
    safe = xp.where(valid, t, 0)
    picked = logp_rows[xp.arange(len(safe)), safe]
    w = valid.astype(logp_rows.dtype)
    if weight is not None:
        w = w * xp.asarray(data_of(weight), dtype=logp_rows.dtype)[safe]
    return _reduce_rows(-picked * w, w, logp.ndim, rest, reduction)


def _reduce_rows(loss, w, ndim, rest, reduction):
    """Reduce per-row losses; 'mean' divides by the summed target weights ``w``."""
    if reduction == "none":
        if rest is not None:
            return loss.reshape(rest)
        return loss.reshape(()) if ndim == 1 else loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / w.sum()


def _uniform_term(name, logp, target, weight, ignore_index, reduction):
    """``-sum_c weight_c * logp_c`` per row (ignored rows zero), reduced as the NLL.

    Label smoothing mixes this cross entropy against the uniform distribution into
    the loss; 'mean' divides by the same summed target weights as the NLL (PyTorch).
    """
    logp_rows, rest, t, valid = _rows_and_labels(name, logp, target, ignore_index)
    xp = backend.get_array_module(logp_rows.data)
    w = valid.astype(logp_rows.dtype)
    if weight is None:
        per_row = -logp_rows.sum(axis=1)
    else:
        class_w = xp.asarray(data_of(weight), dtype=logp_rows.dtype)
        per_row = -(logp_rows * class_w).sum(axis=1)
        w = w * class_w[xp.where(valid, t, 0)]
    return _reduce_rows(per_row * valid.astype(logp_rows.dtype), w, logp.ndim, rest,
                        reduction)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100,  # noqa: A002
             reduce=None, reduction="mean"):
    """Negative log likelihood of class indices given log-probabilities.

    Args:
        input: (N, C) log-probabilities (or (C,), or (N, C, d1, ...)).
        target: (N,) integer classes (or (), or (N, d1, ...)).
        weight: optional per-class weights (C,); 'mean' divides by the summed weights.
        ignore_index: a target value that contributes nothing.
        reduction: 'mean', 'sum' or 'none'.

    Raises:
        ValueError: non-integer or out-of-range targets, shapes that do not fit.
    """
    reduction = _reduction("nll_loss", size_average, reduce, reduction)
    return _nll("nll_loss", as_variable(input), target, weight, ignore_index, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,  # noqa: A002
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Softmax cross entropy of raw scores against class indices or probabilities.

    Args:
        input: (N, C) scores (or (C,), or (N, C, d1, ...)).
        target: (N,) integer classes, or float probabilities shaped like the input.
        weight: optional per-class weights (C,).
        ignore_index: a target class index that contributes nothing.
        reduction: 'mean', 'sum' or 'none'.
        label_smoothing: in [0, 1]; the target becomes a mix of itself (weight
            ``1 - label_smoothing``) and the uniform distribution over the C classes.

    Raises:
        ValueError: ``label_smoothing`` outside [0, 1], bad targets or shapes.
    """
    reduction = _reduction("cross_entropy", size_average, reduce, reduction)
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float)) \
            or not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be a number in [0, 1], got "
                         f"{label_smoothing!r}")
    x = as_variable(input)
    t = data_of(target)
    axis = 0 if x.ndim == 1 else 1
    eps = float(label_smoothing)
    if hasattr(t, "dtype") and t.dtype.kind == "f":  # class probabilities
        _same_shape("cross_entropy", x, t)
        logp = F.log_softmax(x, axis=axis)
        if eps:
            t = t * (1.0 - eps) + eps / x.shape[axis]
        if weight is not None:
            shape = [1] * x.ndim
            shape[axis] = -1
            t = t * data_of(weight).reshape(shape)
        return _reduce(-(logp * t).sum(axis=axis), reduction)
    if (x.ndim == 2 and weight is None and reduction == "mean" and not eps
            and hasattr(t, "dtype") and not (t == ignore_index).any()):
        return F.softmax_cross_entropy(x, t)  # the common case, one fused function
    logp = F.log_softmax(x, axis=axis)
    nll = _nll("cross_entropy", logp, target, weight, ignore_index, reduction)
    if not eps:
        return nll
    uniform = _uniform_term("cross_entropy", logp, target, weight, ignore_index, reduction)
    return nll * (1.0 - eps) + uniform * (eps / x.shape[axis])


# --------------------------------------------------------------------------- regression
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    """Squared error ``(input - target)**2``, averaged over all elements by default.

    Raises:
        ValueError: input and target shapes differ.
    """
    reduction = _reduction("mse_loss", size_average, reduce, reduction)
    _same_shape("mse_loss", input, target)
    diff = as_variable(input) - target
    return _reduce(diff * diff, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    """Absolute error ``|input - target|``, averaged over all elements by default."""
    reduction = _reduction("l1_loss", size_average, reduce, reduction)
    _same_shape("l1_loss", input, target)
    return _reduce(F.abs(as_variable(input) - target), reduction)


def huber_loss(input, target, reduction="mean", delta=1.0):  # noqa: A002
    """``0.5 d^2`` where ``|d| <= delta``, else ``delta (|d| - delta/2)``, ``d = input - target``.

    Raises:
        ValueError: ``delta`` not positive, or shapes that differ.
    """
    check_reduction("huber_loss", reduction)
    _same_shape("huber_loss", input, target)
    return _reduce(huber(input, target, delta), reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
                   beta=1.0):
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - beta/2`` (the Huber loss
    divided by ``beta``; the L1 loss for ``beta = 0``).

    Raises:
        ValueError: negative ``beta``, or shapes that differ.
    """
    reduction = _reduction("smooth_l1_loss", size_average, reduce, reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    _same_shape("smooth_l1_loss", input, target)
    if beta == 0:
        return _reduce(F.abs(as_variable(input) - target), reduction)
    return _reduce(huber(input, target, beta) * (1.0 / beta), reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
           log_target=False):
    """Kullback-Leibler divergence ``target * (log(target) - input)`` per element, with
    ``input`` log-probabilities (0 where ``target`` is 0).

    Args:
        reduction: 'mean' (over every element, PyTorch's default), 'batchmean' (sum
            divided by the batch size: the true KL divergence), 'sum' or 'none'.
        log_target: ``target`` holds log-probabilities.

    Raises:
        ValueError: shapes that differ, or an unknown reduction.
    """
    reduction = _reduction("kl_div", size_average, reduce, reduction,
                           ("mean", "batchmean", "sum", "none"))
    _same_shape("kl_div", input, target)
    x = as_variable(input)
    t = target if hasattr(target, "creator") else as_variable(target, x.data)
    if log_target:
        loss = F.exp(t) * (t - x)
    else:
        # t log t with 0 log 0 = 0: shift the log's argument where t is 0 (a constant).
        zero = (t.data == 0).astype(t.dtype)
        loss = t * F.log(t + zero) - t * x
    if reduction == "batchmean":
        return loss.sum() / (x.shape[0] if x.ndim else 1)
    return _reduce(loss, reduction)


# --------------------------------------------------------------------------- binary
class _BinaryCrossEntropy(Function):
    """Elementwise ``-(t log p + (1-t) log(1-p))``, each log floored at -100 (PyTorch)."""

    def forward(self, p, t):
        xp = backend.get_array_module(p)
        with np.errstate(divide="ignore"):
            log_p = xp.maximum(xp.log(p), -100.0)
            log_q = xp.maximum(xp.log1p(-p), -100.0)
        return (-(t * log_p + (1 - t) * log_q)).astype(p.dtype, copy=False)

    def backward(self, gy):
        p, t = self.inputs
        gp = gt = None
        if p.requires_grad:
            gp = gy * (p - t) / F.clip(p * (1 - p), 1e-12, None)
        if t.requires_grad:  # the floored logs, as in the forward
            gt = gy * (F.clip(F.log(1 - p), -100.0, None) - F.clip(F.log(p), -100.0, None))
        return gp, gt


class _BinaryCrossEntropyWithLogits(Function):
    """Elementwise ``pw*t*softplus(-x) + (1-t)*softplus(x)``, computed stably."""

    def __init__(self, pos_weight):
        self.pos_weight = pos_weight

    def forward(self, x, t):
        xp = backend.get_array_module(x)

        def softplus(z):
            return xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))

        pw = 1 if self.pos_weight is None else self.pos_weight
        return (pw * t * softplus(-x) + (1 - t) * softplus(x)).astype(x.dtype, copy=False)

    def backward(self, gy):
        x, t = self.inputs
        pw = 1 if self.pos_weight is None else self.pos_weight
        gx = gt = None
        if x.requires_grad:
            s = F.sigmoid(x)
            gx = gy * ((1 - t) * s - pw * t * (1 - s))
        if t.requires_grad:
            gt = gy * (softplus(-x) * pw - softplus(x))
        return gx, gt


def _float_like(x, t):
    if hasattr(t, "creator") and t.dtype == x.dtype:
        return t  # a Variable target keeps its gradient (PyTorch differentiates it too)
    return backend.get_array_module(x.data).asarray(data_of(t), dtype=x.dtype)


def _weighted(loss, weight, x):
    if weight is None:
        return loss
    return loss * backend.get_array_module(x.data).asarray(data_of(weight), dtype=x.dtype)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,  # noqa: A002
                         reduction="mean"):
    """Binary cross entropy of probabilities in [0, 1] against 0/1 (or soft) targets.

    Args:
        weight: optional weights broadcast against the input.

    Raises:
        ValueError: shapes that differ.
    """
    reduction = _reduction("binary_cross_entropy", size_average, reduce, reduction)
    _same_shape("binary_cross_entropy", input, target)
    x = as_variable(input)
    loss = _BinaryCrossEntropy()(x, _float_like(x, target))
    return _reduce(_weighted(loss, weight, x), reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,  # noqa: A002
                                     reduce=None, reduction="mean", pos_weight=None):
    """Sigmoid plus binary cross entropy in one numerically stable step.

    Args:
        weight: optional weights broadcast against the input.
        pos_weight: optional weight of positive examples, broadcast along the last axis.

    Raises:
        ValueError: shapes that differ.
    """
    reduction = _reduction("binary_cross_entropy_with_logits", size_average, reduce,
                           reduction)
    _same_shape("binary_cross_entropy_with_logits", input, target)
    x = as_variable(input)
    pw = None if pos_weight is None else _float_like(x, pos_weight)
    loss = _BinaryCrossEntropyWithLogits(pw)(x, _float_like(x, target))
    return _reduce(_weighted(loss, weight, x), reduction)
