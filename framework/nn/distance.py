"""Distance modules: cosine similarity and pairwise distance as layers."""
from framework.nn import functional as NF
from framework.nn.module import Module

__all__ = ["CosineSimilarity", "PairwiseDistance"]


class CosineSimilarity(Module):
    """``sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim``
    (``F.cosine_similarity`` as a layer).

    Args:
        dim: the axis of the vectors (1).
        eps: the smallest norm divided by (1e-8).

    Shape:
        x1 and x2 broadcast together; the output drops ``dim``.
    """

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1, x2):
        return NF.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """``||x1 - x2 + eps||_p`` along the last axis (``F.pairwise_distance`` as a layer).

    Args:
        p: the norm's order (2).
        eps: added to the difference, so that equal rows have a gradient (1e-6).
        keepdim: keep the last axis (as size 1).

    Shape:
        ``(N, D)`` or ``(D,)`` inputs that broadcast together; the output is ``(N,)``
        (``(N, 1)`` with ``keepdim``) or ``()``.
    """

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return NF.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
