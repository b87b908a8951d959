"""Loss modules with PyTorch's semantics and reductions ('mean' default, 'sum', 'none').

Unlike DeZero's ``F.mean_squared_error`` and friends (which divide by the batch
size), 'mean' here averages over every element (or, with class weights, divides by
the total weight), as PyTorch does.
"""
import numpy as np

import framework.functions as F
from framework import backend
from framework.core import Function, Variable, as_variable
from framework.nn.module import Module

__all__ = ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "BCELoss",
           "BCEWithLogitsLoss"]

_REDUCTIONS = ("mean", "sum", "none")


def _data(x):
    return x.data if isinstance(x, Variable) else x


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _same_shape(name, a, b):
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"{name}: input shape {tuple(a.shape)} and target shape "
                         f"{tuple(b.shape)} differ; reshape one (e.g. target.reshape(-1, 1))")


class _Loss(Module):
    def __init__(self, reduction="mean"):
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {_REDUCTIONS}, "
                             f"got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self):
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        # A buffer (as PyTorch): moves with .to(device), no gradient; not saved.
        self.register_buffer("weight", None if weight is None else
                             np.asarray(_data(weight)), persistent=False)


# --------------------------------------------------------------------------- classification
def _class_labels(name, logp_shape, target, ignore_index):
    t = _data(target)
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
    return x.transpose(*perm).reshape(-1, x.shape[1]), rest


def _nll(name, logp, target, weight, ignore_index, reduction):
    """Negative log likelihood of class ``target`` under rows of ``logp`` (N, C)."""
    logp_rows, rest = _to_rows(logp)
    t = _data(target)
    t = t.reshape(-1) if hasattr(t, "reshape") else np.asarray(t).reshape(-1)
    t, valid = _class_labels(name, logp_rows.shape, t, ignore_index)
    xp = backend.get_array_module(logp_rows.data)
    safe = xp.where(valid, t, 0)
    picked = logp_rows[xp.arange(len(safe)), safe]
    w = valid.astype(logp_rows.dtype)
    if weight is not None:
        w = w * xp.asarray(weight, dtype=logp_rows.dtype)[safe]
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
    logp_rows, rest = _to_rows(logp)
    t = _data(target)
    t = t.reshape(-1) if hasattr(t, "reshape") else np.asarray(t).reshape(-1)
    t, valid = _class_labels(name, logp_rows.shape, t, ignore_index)
    xp = backend.get_array_module(logp_rows.data)
    w = valid.astype(logp_rows.dtype)
    if weight is None:
        per_row = -logp_rows.sum(axis=1)
    else:
        class_w = xp.asarray(weight, dtype=logp_rows.dtype)
        per_row = -(logp_rows * class_w).sum(axis=1)
        w = w * class_w[xp.where(valid, t, 0)]
    return _reduce_rows(per_row * valid.astype(logp_rows.dtype), w, logp.ndim, rest,
                        reduction)


class NLLLoss(_WeightedLoss):
    """Negative log likelihood of class indices given log-probabilities.

    Args:
        weight: optional per-class weights (C,); 'mean' divides by the summed weights.
        ignore_index: a target value that contributes nothing.
        reduction: 'mean', 'sum' or 'none'.

    Shape:
        input (N, C) (or (C,), or (N, C, d1, ...)); target (N,) integers (or (), or
        (N, d1, ...)).
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(weight, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):  # noqa: A002 - PyTorch's argument name
        return _nll("NLLLoss", as_variable(input), target, self.weight, self.ignore_index,
                    self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross entropy of raw scores against class indices or probabilities.

    Args:
        weight: optional per-class weights (C,).
        ignore_index: a target class index that contributes nothing.
        reduction: 'mean', 'sum' or 'none'.
        label_smoothing: in [0, 1]; the target becomes a mix of itself (weight
            ``1 - label_smoothing``) and the uniform distribution over the C classes.

    Shape:
        input (N, C) scores (or (C,), or (N, C, d1, ...)); target (N,) integer classes,
        or float probabilities shaped like the input.

    Raises:
        ValueError: ``label_smoothing`` outside [0, 1].
    """

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(weight, reduction)
        if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float)) \
                or not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be a number in [0, 1], "
                             f"got {label_smoothing!r}")
        self.ignore_index = ignore_index
        self.label_smoothing = float(label_smoothing)

    def forward(self, input, target):  # noqa: A002
        x = as_variable(input)
        t = _data(target)
        axis = 0 if x.ndim == 1 else 1
        eps = self.label_smoothing
        if hasattr(t, "dtype") and t.dtype.kind == "f":  # class probabilities
            _same_shape("CrossEntropyLoss", x, t)
            logp = F.log_softmax(x, axis=axis)
            if eps:
                t = t * (1.0 - eps) + eps / x.shape[axis]
            if self.weight is not None:
                shape = [1] * x.ndim
                shape[axis] = -1
                t = t * self.weight.reshape(shape)
            loss = -(logp * t).sum(axis=axis)
            return _reduce(loss, self.reduction)
        if (x.ndim == 2 and self.weight is None and self.reduction == "mean" and not eps
                and hasattr(t, "dtype") and not (t == self.ignore_index).any()):
            return F.softmax_cross_entropy(x, t)  # the common case, one fused function
        logp = F.log_softmax(x, axis=axis)
        nll = _nll("CrossEntropyLoss", logp, target, self.weight, self.ignore_index,
                   self.reduction)
        if not eps:
            return nll
        uniform = _uniform_term("CrossEntropyLoss", logp, target, self.weight,
                                self.ignore_index, self.reduction)
        return nll * (1.0 - eps) + uniform * (eps / x.shape[axis])

    def extra_repr(self):
        text = super().extra_repr()
        if self.label_smoothing:
            text += (", " if text else "") + f"label_smoothing={self.label_smoothing}"
        return text


# --------------------------------------------------------------------------- regression
class MSELoss(_Loss):
    """Squared error ``(input - target)**2``, averaged over all elements by default.

    Shape:
        input and target have the same shape.
    """

    def forward(self, input, target):  # noqa: A002
        _same_shape("MSELoss", input, target)
        diff = as_variable(input) - target
        return _reduce(diff * diff, self.reduction)


class L1Loss(_Loss):
    """Absolute error ``|input - target|``, averaged over all elements by default."""

    def forward(self, input, target):  # noqa: A002
        _same_shape("L1Loss", input, target)
        return _reduce(F.abs(as_variable(input) - target), self.reduction)


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
        denom = F.clip(p * (1 - p), 1e-12, None)
        return gy * (p - t) / denom, None


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
        s = F.sigmoid(x)
        pw = 1 if self.pos_weight is None else self.pos_weight
        return gy * ((1 - t) * s - pw * t * (1 - s)), None


def _float_like(x, t):
    t = _data(t)
    xp = backend.get_array_module(x.data)
    return xp.asarray(t, dtype=x.dtype)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities in [0, 1] against 0/1 (or soft) targets.

    Args:
        weight: optional weights broadcast against the input.
        reduction: 'mean', 'sum' or 'none'.
    """

    def forward(self, input, target):  # noqa: A002
        _same_shape("BCELoss", input, target)
        x = as_variable(input)
        loss = _BinaryCrossEntropy()(x, _float_like(x, target))
        if self.weight is not None:
            loss = loss * self.weight.astype(x.dtype)
        return _reduce(loss, self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Sigmoid plus binary cross entropy in one numerically stable step.

    Args:
        weight: optional weights broadcast against the input.
        reduction: 'mean', 'sum' or 'none'.
        pos_weight: optional weight of positive examples, broadcast along the last axis.
    """

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(weight, reduction)
        self.register_buffer("pos_weight", None if pos_weight is None else
                             np.asarray(_data(pos_weight)), persistent=False)

    def forward(self, input, target):  # noqa: A002
        _same_shape("BCEWithLogitsLoss", input, target)
        x = as_variable(input)
        pw = None if self.pos_weight is None else self.pos_weight.astype(x.dtype)
        loss = _BinaryCrossEntropyWithLogits(pw)(x, _float_like(x, target))
        if self.weight is not None:
            loss = loss * self.weight.astype(x.dtype)
        return _reduce(loss, self.reduction)
