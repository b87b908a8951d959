"""Margin losses on scores, similarities and distances, with PyTorch's semantics:
ranking pairs, cosine embeddings and triplets. Reductions as the other losses
('mean' over every element by default, 'sum', 'none').
"""
import numpy as np

import framework.functions as F
from framework.core import as_variable
from framework.nn.functional._common import data_of, xp_of
from framework.nn.functional._loss import _float_like, _reduce, _reduction
from framework.nn.functional._norm import pairwise_distance

__all__ = ["margin_ranking_loss", "cosine_embedding_loss", "triplet_margin_loss"]

#: Added to the squared norms in ``cosine_embedding_loss`` (PyTorch's constant).
_COSINE_EPS = 1e-12


def _clamp_min_zero(x):
    """``max(x, 0)``; the gradient flows where ``x >= 0`` (PyTorch's ``clamp_min``)."""
    return F.clip(x, 0.0, None)


def _minimum(a, b):
    """Elementwise ``min(a, b)``; a tie sends half the gradient to each (PyTorch's
    ``minimum``)."""
    xp = xp_of(a)
    w = (a.data < b.data).astype(a.dtype) + 0.5 * (a.data == b.data).astype(a.dtype)
    return a * w + b * (xp.asarray(1, dtype=a.dtype) - w)


def _broadcast_shape(name, *shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"{name}: shapes {', '.join(str(tuple(s)) for s in shapes)} do not "
                         f"broadcast") from None


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None,  # noqa: A002
                        reduce=None, reduction="mean"):
    """``max(0, -target * (input1 - input2) + margin)`` elementwise: ``target`` 1 asks
    for ``input1`` to rank above ``input2`` by ``margin``, -1 for the reverse.

    Args:
        input1, input2, target: tensors of the same number of dims that broadcast
            together (``target`` of 1s and -1s).
        margin: the required gap (0 by default).
        reduction: 'mean', 'sum' or 'none'.

    Raises:
        ValueError: inputs of different numbers of dims, or shapes that do not
            broadcast.
    """
    reduction = _reduction("margin_ranking_loss", size_average, reduce, reduction)
    x1 = as_variable(input1)
    t = data_of(target)
    t_shape = np.shape(t)
    if not x1.ndim == np.ndim(data_of(input2)) == len(t_shape):
        raise ValueError(f"margin_ranking_loss: all inputs need the same number of dims, got "
                         f"input1 {tuple(x1.shape)}, input2 {tuple(np.shape(data_of(input2)))} "
                         f"and target {tuple(t_shape)}")
    _broadcast_shape("margin_ranking_loss", x1.shape, np.shape(data_of(input2)), t_shape)
    x2 = input2 if hasattr(input2, "creator") else _float_like(x1, input2)
    loss = _clamp_min_zero((x1 - x2) * -_float_like(x1, target) + margin)
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None,  # noqa: A002
                          reduce=None, reduction="mean"):
    """``1 - cos(x1, x2)`` where ``target`` is 1, ``max(0, cos(x1, x2) - margin)`` where it
    is -1 (0 elsewhere), the cosine along the feature axis.

    The cosine is ``sum(x1 * x2) / sqrt((|x1|^2 + 1e-12) * (|x2|^2 + 1e-12))``, as
    PyTorch computes it here (not :func:`cosine_similarity`'s clamped norms).

    Args:
        input1, input2: (N, D) with a target (N,), or (D,) with a 0-d target.
        target: 1 or -1 per pair.
        margin: for the dissimilar pairs (PyTorch suggests 0 to 0.5).
        reduction: 'mean', 'sum' or 'none'.

    Raises:
        ValueError: a target of more than 1 dim, inputs whose dims do not fit the
            target's, or shapes that do not broadcast.
    """
    reduction = _reduction("cosine_embedding_loss", size_average, reduce, reduction)
    x1 = as_variable(input1)
    x2 = input2 if hasattr(input2, "creator") else _float_like(x1, input2)
    t = data_of(target)
    xp = xp_of(x1)
    t = xp.asarray(t)
    if t.ndim not in (0, 1):
        raise ValueError(f"cosine_embedding_loss: expected a 0-d or 1-d target (one label "
                         f"per pair), got shape {tuple(t.shape)}")
    if not x1.ndim == x2.ndim == t.ndim + 1:
        raise ValueError(f"cosine_embedding_loss: a {t.ndim}-d target needs {t.ndim + 1}-d "
                         f"inputs, got shapes {tuple(x1.shape)} and {tuple(x2.shape)}")
    _broadcast_shape("cosine_embedding_loss", x1.shape[:-1], x2.shape[:-1], t.shape)
    _broadcast_shape("cosine_embedding_loss", x1.shape, x2.shape)
    axis = t.ndim
    dot = F.sum(x1 * x2, axis=axis)
    sq1 = F.sum(x1 * x1, axis=axis) + _COSINE_EPS
    sq2 = F.sum(x2 * x2, axis=axis) + _COSINE_EPS
    cos = dot / F.sqrt(sq1 * sq2)
    pos = (t == 1).astype(x1.dtype)
    neg = (t == -1).astype(x1.dtype)
    loss = (1.0 - cos) * pos + _clamp_min_zero(cos - margin) * neg
    return _reduce(loss, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2.0, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """``max(0, margin + d(anchor, positive) - d(anchor, negative))`` with ``d`` the
    :func:`pairwise_distance` (``||a - b + eps||_p`` along the last axis).

    Args:
        anchor, positive, negative: (N, D) or (D,), the same number of dims.
        margin: the required gap (> 0).
        p: the norm's order.
        swap: use ``min(d(anchor, negative), d(positive, negative))`` as the negative
            distance (the distance swap of Balntas et al.).
        reduction: 'mean', 'sum' or 'none'.

    Raises:
        ValueError: ``margin`` not positive, or inputs of different numbers of dims.
    """
    reduction = _reduction("triplet_margin_loss", size_average, reduce, reduction)
    if not margin > 0:
        raise ValueError(f"triplet_margin_loss: margin must be greater than 0, got {margin}")
    a = as_variable(anchor)
    dims = [a.ndim, np.ndim(data_of(positive)), np.ndim(data_of(negative))]
    if len(set(dims)) != 1:
        raise ValueError(f"triplet_margin_loss: anchor, positive and negative need the same "
                         f"number of dims, got {dims[0]}-d, {dims[1]}-d and {dims[2]}-d")
    pos = positive if hasattr(positive, "creator") else _float_like(a, positive)
    neg = negative if hasattr(negative, "creator") else _float_like(a, negative)
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = _minimum(d_neg, pairwise_distance(pos, neg, p, eps))
    return _reduce(_clamp_min_zero(margin + d_pos - d_neg), reduction)
