"""Embedding: a lookup table of learnable vectors."""
import numpy as np

import framework.functions as F
from framework import backend
from framework.core import Function
from framework.nn import init
from framework.nn._utils import check_positive_int, resolve_dtype
from framework.nn.module import Module
from framework.nn.parameter import Parameter

__all__ = ["Embedding"]


class _NoGradRow(Function):
    """The identity on ``W`` whose backward zeroes row ``row`` of the gradient.

    Put in front of the lookup, it gives PyTorch's ``padding_idx`` rule: the padding
    vector is returned as it is but never trained.
    """

    def __init__(self, row):
        self.row = row

    def forward(self, W):
        return W.view()  # a new array object over the same memory

    def backward(self, gW):
        xp = backend.get_array_module(gW.data)
        keep = xp.ones((gW.shape[0],) + (1,) * (gW.ndim - 1), dtype=gW.dtype)
        keep[self.row] = 0
        return gW * keep


class Embedding(Module):
    """Map integer ids to rows of ``weight``.

    Args:
        num_embeddings: the vocabulary size V.
        embedding_dim: the vector size D.
        padding_idx: an id whose row starts at zero and gets no gradient, so it stays
            as it is during training (negative values count from the end).
        max_norm, norm_type, scale_grad_by_freq, sparse: PyTorch's positions; max_norm
            and scale_grad_by_freq are refused, sparse gives dense gradients.
        device: where the weight lives.
        dtype: floating dtype of the weight (float32).

    Attributes:
        weight: ``(V, D)``, initialized N(0, 1) (PyTorch's default).

    Shape:
        ids of any shape ``(*)`` -> ``(*, D)``.
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None):
        super().__init__()
        # PyTorch's positional order; the renorming and frequency-scaled gradients are
        # not built, and gradients are dense (the same update for SGD)
        if max_norm is not None or scale_grad_by_freq:
            raise ValueError(f"Embedding: max_norm={max_norm!r} and scale_grad_by_freq="
                             f"{scale_grad_by_freq!r} are not supported; leave them out")
        self.num_embeddings = check_positive_int(num_embeddings, "num_embeddings", "Embedding")
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim", "Embedding")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} is outside "
                                 f"[-{num_embeddings}, {num_embeddings})")
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        dt = resolve_dtype(dtype, "Embedding")
        if _weight is None:
            self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dt))
            self.reset_parameters()
        else:
            given = getattr(_weight, "data", _weight)
            if tuple(given.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: _weight has shape {tuple(given.shape)}, expected "
                                 f"({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight, requires_grad=not _freeze)
        if device is not None:
            self.to(device)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An Embedding whose weight is ``embeddings`` (V, D), shared, not trained when
        ``freeze``."""
        data = getattr(embeddings, "data", embeddings)
        if getattr(data, "ndim", None) != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D (V, D), got "
                             f"shape {tuple(getattr(data, 'shape', ()))}")
        rows, dim = data.shape
        return cls(rows, dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze, dtype=data.dtype)

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    def forward(self, ids):
        weight = self.weight
        if self.padding_idx is not None:
            weight = _NoGradRow(self.padding_idx)(weight)
        return F.embed_id(ids, weight)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
