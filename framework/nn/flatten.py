"""Flatten (merge a range of axes, PyTorch's start_dim=1, end_dim=-1) and Unflatten."""
from framework.core import as_variable
from framework.nn.module import Module

__all__ = ["Flatten", "Unflatten"]


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


class Unflatten(Module):
    """Split axis ``dim`` into ``unflattened_size`` (the inverse of Flatten).

    Args:
        dim: the axis to split.
        unflattened_size: a tuple of sizes whose product is that axis's length (one
            entry may be -1).

    Shape:
        ``(*, S, *) -> (*, *unflattened_size, *)``.

    Raises:
        ValueError: (forward) sizes whose product differs from the axis's length.
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim = int(dim)
        self.unflattened_size = tuple(int(n) for n in unflattened_size)
        if not self.unflattened_size or sum(n == -1 for n in self.unflattened_size) > 1 \
                or any(n < -1 or n == 0 for n in self.unflattened_size):
            raise ValueError(f"Unflatten: unflattened_size must be positive sizes with at "
                             f"most one -1, got {unflattened_size!r}")

    def forward(self, x):
        x = as_variable(x)
        shape = tuple(x.shape)
        nd = len(shape)
        if not -nd <= self.dim < nd:
            raise ValueError(f"Unflatten: dim={self.dim} is out of range for an input of "
                             f"shape {shape}")
        d = self.dim % nd
        sizes = list(self.unflattened_size)
        known = 1
        for n in sizes:
            known *= n if n != -1 else 1
        if -1 in sizes and known and shape[d] % known == 0:
            sizes[sizes.index(-1)] = shape[d] // known
        total = 1
        for n in sizes:
            total *= n
        if total != shape[d]:
            raise ValueError(f"Unflatten: unflattened_size {self.unflattened_size} does not "
                             f"multiply to {shape[d]}, the length of axis {self.dim} of an "
                             f"input of shape {shape}")
        return x.reshape(shape[:d] + tuple(sizes) + shape[d + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
