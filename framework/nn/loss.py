"""Loss modules with PyTorch's semantics and reductions ('mean' default, 'sum', 'none').

Each is a thin Module over the function of the same meaning in
``framework.nn.functional`` (the formulas and their checks live there). Unlike
DeZero's ``F.mean_squared_error`` and friends (which divide by the batch size), 'mean'
averages over every element (or, with class weights, divides by the total weight).
"""
import numpy as np

from framework.core import Variable
from framework.nn import functional as NF
from framework.nn.module import Module

__all__ = ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
           "KLDivLoss", "BCELoss", "BCEWithLogitsLoss", "MarginRankingLoss",
           "CosineEmbeddingLoss", "TripletMarginLoss"]

_REDUCTIONS = ("mean", "sum", "none")


def _data(x):
    return x.data if isinstance(x, Variable) else x


class _Loss(Module):
    _reductions = _REDUCTIONS

    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        reduction = NF._common.legacy_reduction(size_average, reduce, reduction)
        if reduction not in self._reductions:
            raise ValueError(f"{type(self).__name__}: reduction must be one of "
                             f"{self._reductions}, got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self):
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        # A buffer (as PyTorch): moves with .to(device), no gradient; not saved.
        self.register_buffer("weight", None if weight is None else
                             np.asarray(_data(weight)), persistent=False)


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

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):  # noqa: A002 - PyTorch's argument name
        return NF.nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                           reduction=self.reduction)


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

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None,
                 reduction="mean", label_smoothing=0.0):
        super().__init__(weight, size_average, reduce, reduction)
        if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float)) \
                or not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be a number in [0, 1], "
                             f"got {label_smoothing!r}")
        self.ignore_index = ignore_index
        self.label_smoothing = float(label_smoothing)

    def forward(self, input, target):  # noqa: A002
        return NF.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                                reduction=self.reduction, label_smoothing=self.label_smoothing)

    def extra_repr(self):
        text = super().extra_repr()
        if self.label_smoothing:
            text += (", " if text else "") + f"label_smoothing={self.label_smoothing}"
        return text


class MSELoss(_Loss):
    """Squared error ``(input - target)**2``, averaged over all elements by default.

    Shape:
        input and target have the same shape.
    """

    def forward(self, input, target):  # noqa: A002
        return NF.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Absolute error ``|input - target|``, averaged over all elements by default."""

    def forward(self, input, target):  # noqa: A002
        return NF.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """``0.5 d^2 / beta`` where ``|d| < beta``, else ``|d| - beta/2`` (``d = input - target``).

    Args:
        reduction: 'mean', 'sum' or 'none'.
        beta: the switch point (>= 0; 0 gives the L1 loss).
    """

    def __init__(self, size_average=None, reduce=None, reduction="mean", beta=1.0):
        super().__init__(size_average, reduce, reduction)
        if not isinstance(beta, (int, float)) or beta < 0:
            raise ValueError(f"SmoothL1Loss: beta must be a number >= 0, got {beta!r}")
        self.beta = float(beta)

    def forward(self, input, target):  # noqa: A002
        return NF.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """``0.5 d^2`` where ``|d| <= delta``, else ``delta (|d| - delta/2)``.

    Args:
        reduction: 'mean', 'sum' or 'none'.
        delta: the switch point (> 0).
    """

    def __init__(self, reduction="mean", delta=1.0):
        super().__init__(None, None, reduction)
        if not isinstance(delta, (int, float)) or not delta > 0:
            raise ValueError(f"HuberLoss: delta must be a positive number, got {delta!r}")
        self.delta = float(delta)

    def forward(self, input, target):  # noqa: A002
        return NF.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence of ``target`` from the log-probabilities ``input``.

    Args:
        reduction: 'mean' (over every element, PyTorch's default), 'batchmean' (the
            sum divided by the batch size: the KL divergence itself), 'sum' or 'none'.
        log_target: ``target`` holds log-probabilities.
    """

    _reductions = ("mean", "batchmean", "sum", "none")

    def __init__(self, size_average=None, reduce=None, reduction="mean", log_target=False):
        super().__init__(size_average, reduce, reduction)
        self.log_target = bool(log_target)

    def forward(self, input, target):  # noqa: A002
        return NF.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities in [0, 1] against 0/1 (or soft) targets.

    Args:
        weight: optional weights broadcast against the input.
        reduction: 'mean', 'sum' or 'none'.
    """

    def forward(self, input, target):  # noqa: A002
        return NF.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """Sigmoid plus binary cross entropy in one numerically stable step.

    Args:
        weight: optional weights broadcast against the input.
        reduction: 'mean', 'sum' or 'none'.
        pos_weight: optional weight of positive examples, broadcast along the last axis.
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean",
                 pos_weight=None):
        super().__init__(weight, size_average, reduce, reduction)
        self.register_buffer("pos_weight", None if pos_weight is None else
                             np.asarray(_data(pos_weight)), persistent=False)

    def forward(self, input, target):  # noqa: A002
        return NF.binary_cross_entropy_with_logits(input, target, self.weight,
                                                   reduction=self.reduction,
                                                   pos_weight=self.pos_weight)


class MarginRankingLoss(_Loss):
    """``max(0, -target * (input1 - input2) + margin)``: ``target`` 1 asks for ``input1``
    to rank above ``input2`` by ``margin``, -1 for the reverse.

    Args:
        margin: the required gap (0).
        reduction: 'mean', 'sum' or 'none'.

    Shape:
        input1, input2 and target: the same number of dims, broadcasting together.
    """

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return NF.margin_ranking_loss(input1, input2, target, self.margin,
                                      reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """``1 - cos(x1, x2)`` for pairs labelled 1, ``max(0, cos(x1, x2) - margin)`` for
    pairs labelled -1.

    Args:
        margin: for the dissimilar pairs (0; PyTorch suggests 0 to 0.5).
        reduction: 'mean', 'sum' or 'none'.

    Shape:
        input1 and input2 (N, D) with target (N,), or (D,) with a 0-d target.
    """

    def __init__(self, margin=0.0, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return NF.cosine_embedding_loss(input1, input2, target, self.margin,
                                        reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """``max(0, margin + d(anchor, positive) - d(anchor, negative))`` with ``d`` the
    pairwise p-norm distance.

    Args:
        margin: the required gap (> 0; 1 by default).
        p: the norm's order (2).
        eps: added to the differences (1e-6).
        swap: use ``min(d(anchor, negative), d(positive, negative))`` as the negative
            distance.
        reduction: 'mean', 'sum' or 'none'.

    Shape:
        anchor, positive and negative: (N, D) or (D,).

    Raises:
        ValueError: ``margin`` not positive.
    """

    def __init__(self, margin=1.0, p=2.0, eps=1e-6, swap=False, size_average=None,
                 reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        if not margin > 0:
            raise ValueError(f"TripletMarginLoss: margin must be greater than 0, got {margin}")
        self.margin, self.p, self.eps, self.swap = margin, p, eps, swap

    def forward(self, anchor, positive, negative):
        return NF.triplet_margin_loss(anchor, positive, negative, self.margin, self.p,
                                      self.eps, self.swap, reduction=self.reduction)
