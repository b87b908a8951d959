"""Flatten: merge a range of axes (PyTorch's start_dim=1, end_dim=-1)."""
from framework.core import as_variable
from framework.nn.module import Module

__all__ = ["Flatten"]


class Flatten(Module):
    """Merge axes ``start_dim`` to ``end_dim`` into one.

    Args:
        start_dim: first axis to merge (1 keeps the batch axis).
        end_dim: last axis to merge (inclusive).

    Shape:
        ``(N, C, H, W) -> (N, C*H*W)`` with the defaults.
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)

    def forward(self, x):
        x = as_variable(x)
        shape = x.shape
        nd = len(shape)
        start = self.start_dim % nd if nd else 0
        end = self.end_dim % nd if nd else 0
        if not 0 <= start <= end < max(nd, 1):
            raise ValueError(f"Flatten: start_dim={self.start_dim}, end_dim={self.end_dim} do "
                             f"not fit an input of shape {tuple(shape)}")
        merged = 1
        for n in shape[start:end + 1]:
            merged *= n
        return x.reshape(tuple(shape[:start]) + (merged,) + tuple(shape[end + 1:]))

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
