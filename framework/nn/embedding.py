"""Embedding: a lookup table of learnable vectors."""
import numpy as np

import framework.functions as F
from framework.nn import init
from framework.nn._utils import check_positive_int, resolve_dtype
from framework.nn.module import Module
from framework.nn.parameter import Parameter

__all__ = ["Embedding"]


class Embedding(Module):
    """Map integer ids to rows of ``weight``.

    Args:
        num_embeddings: the vocabulary size V.
        embedding_dim: the vector size D.
        padding_idx: an id whose row starts at zero (its gradient is not masked).
        dtype: floating dtype of the weight (float32).

    Attributes:
        weight: ``(V, D)``, initialized N(0, 1) (PyTorch's default).

    Shape:
        ids of any shape ``(*)`` -> ``(*, D)``.
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, dtype=None):
        super().__init__()
        self.num_embeddings = check_positive_int(num_embeddings, "num_embeddings", "Embedding")
        self.embedding_dim = check_positive_int(embedding_dim, "embedding_dim", "Embedding")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} is outside "
                                 f"[-{num_embeddings}, {num_embeddings})")
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        dt = resolve_dtype(dtype, "Embedding")
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dt))
        self.reset_parameters()

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    def forward(self, ids):
        return F.embed_id(ids, self.weight)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
