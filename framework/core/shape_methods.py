"""PyTorch's shape methods on Variable: views, permutations, splits, gathers.

Everything here builds on the core primitives (reshape, transpose, get_item,
broadcast_to), so each method is differentiable and, where numpy gives a view, shares
memory with its input as PyTorch's views do.
"""
import operator

import numpy as np

from framework import backend

__all__ = ["ShapeMethods", "shape_args", "normalize_dim"]

ops = None  # framework.core.primitives, set by framework.core.variable
Variable = None  # set by framework.core.variable


def shape_args(shape, what="reshape"):
    """``(2, 3)``, ``[2, 3]``, ``Size([2, 3])`` or ``2, 3`` (the star-args tuple) as a tuple.

    Raises:
        TypeError: an entry is not an integer.
    """
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    try:
        return tuple(operator.index(s) for s in shape)
    except TypeError:
        raise TypeError(f"{what}: sizes must be integers, got {shape!r}") from None


def normalize_dim(dim, ndim, what="dim"):
    """``dim`` in ``[0, ndim)`` (negative counts from the end; a 0-d tensor takes -1/0).

    Raises:
        IndexError: out of range, naming the range.
    """
    n = max(ndim, 1)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{what} must be an int, got {dim!r}")
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return int(dim) % n


def _index_grid(shape, dim, index):
    """The index tuple that picks ``index`` (same ndim as the input) along ``dim``."""
    grid = list(np.ogrid[tuple(slice(0, s) for s in index.shape)])
    grid[dim] = index
    return tuple(grid)


class ShapeMethods:
    """Shape methods of Variable (PyTorch's names and argument conventions)."""

    __slots__ = ()

    def __iter__(self):
        """The slices along dim 0 (views), as PyTorch iterates.

        Raises:
            TypeError: a 0-d tensor (numpy's ``x[0]`` would end the loop silently).
        """
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (ops.get_item(self, i) for i in range(self.data.shape[0]))

    def __contains__(self, value):
        """``value in t``: True when some element equals ``value``."""
        other = value.data if isinstance(value, Variable) else value
        return bool((self.data == other).any())

    # ------------------------------------------------------------------ reshapes
    def reshape(self, *shape):
        """A tensor of the new shape (a view when numpy can make one); ``reshape(2, 3)``
        and ``reshape((2, 3))`` both work, -1 infers one size."""
        return ops.reshape(self, shape_args(shape))

    def view(self, *shape):
        """Like ``reshape`` but always shares memory; raises when that is impossible.

        ``view(dtype)`` reinterprets the bytes (no gradient), as PyTorch does.

        Raises:
            RuntimeError: the layout cannot be viewed without a copy (use ``reshape``).
        """
        if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int, np.integer)):
            return Variable(self.data.view(shape[0]), requires_grad=False)
        return ops.view(self, shape_args(shape, "view"))

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge dims ``start_dim..end_dim`` into one (all of them by default, PyTorch)."""
        nd = self.ndim
        if nd == 0:
            return ops.reshape(self, (1,))
        s = normalize_dim(start_dim, nd, "start_dim")
        e = normalize_dim(end_dim, nd, "end_dim")
        if s > e:
            raise ValueError(f"flatten: start_dim ({start_dim}) must not come after end_dim "
                             f"({end_dim}) for a tensor of {nd} dims")
        shape = self.shape
        return ops.reshape(self, shape[:s] + (-1,) + shape[e + 1:]) if shape[s:e + 1] else self

    def unflatten(self, dim, sizes):
        d = normalize_dim(dim, self.ndim)
        return ops.reshape(self, self.shape[:d] + tuple(sizes) + self.shape[d + 1:])

    def unsqueeze(self, dim):
        """Insert a dim of size 1 at ``dim`` (``-1`` appends)."""
        d = normalize_dim(dim, self.ndim + 1)
        return ops.reshape(self, self.shape[:d] + (1,) + self.shape[d:])

    def squeeze(self, dim=None):
        """Drop dims of size 1 (only ``dim``, or those in the tuple ``dim``, when given);
        a named dim whose size is not 1 is left alone, as in PyTorch."""
        shape = self.shape
        if dim is None:
            dims = range(len(shape))
        else:
            dims = dim if isinstance(dim, (tuple, list)) else (dim,)
            dims = [normalize_dim(d, self.ndim) for d in dims]
        drop = {d for d in dims if shape[d] == 1}
        if not drop:
            return self
        return ops.reshape(self, tuple(n for i, n in enumerate(shape) if i not in drop))

    # ------------------------------------------------------------------ permutations
    def transpose(self, *axes):
        """PyTorch's ``transpose(dim0, dim1)`` swaps two dims; DeZero's ``transpose()``
        (all dims reversed) and ``transpose(2, 0, 1)`` / ``transpose((1, 0))`` (a full
        permutation) keep DeZero's meaning."""
        if len(axes) == 0 or axes == (None,):
            return ops.transpose(self, None)
        if len(axes) == 2 and not isinstance(axes[0], (tuple, list)):
            nd = self.ndim
            a, b = normalize_dim(axes[0], nd, "dim0"), normalize_dim(axes[1], nd, "dim1")
            order = list(range(nd))
            order[a], order[b] = order[b], order[a]
            return ops.transpose(self, order)
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = axes[0]
        return ops.transpose(self, axes)

    def swapaxes(self, axis0, axis1):
        return self.transpose(axis0, axis1)

    swapdims = swapaxes

    def permute(self, *dims):
        """Reorder the dims (``permute(2, 0, 1)`` or ``permute((2, 0, 1))``)."""
        dims = shape_args(dims, "permute")
        if len(dims) != self.ndim:
            raise ValueError(f"permute: got {len(dims)} dims {dims} for a tensor of "
                             f"{self.ndim} dims (shape {tuple(self.shape)})")
        return ops.transpose(self, dims)

    def t(self):
        """The transpose of a matrix (0-d and 1-d tensors come back unchanged).

        Raises:
            ValueError: more than 2 dims (use ``transpose(dim0, dim1)`` or ``permute``).
        """
        if self.ndim > 2:
            raise ValueError(f"t() expects a tensor with <= 2 dims, got shape "
                             f"{tuple(self.shape)}; use transpose(dim0, dim1) or permute()")
        return self if self.ndim < 2 else ops.transpose(self)

    @property
    def mT(self):  # noqa: N802 - PyTorch's name
        """The last two dims swapped (a batch of matrices transposed)."""
        return ops.swapaxes(self)

    # ------------------------------------------------------------------ broadcasting
    def expand(self, *sizes):
        """A broadcast view to ``sizes`` (-1 keeps a dim); shares memory, read-only."""
        sizes = shape_args(sizes, "expand")
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise ValueError(f"expand{sizes}: fewer sizes than the tensor's dims "
                             f"(shape {tuple(self.shape)})")
        shape = tuple(self.shape[i - lead] if s == -1 and i >= lead else s
                      for i, s in enumerate(sizes))
        return ops.broadcast_to(self, shape)

    def expand_as(self, other):
        return ops.broadcast_to(self, other.shape)

    def repeat(self, *sizes):
        """Tile the tensor ``sizes[i]`` times along dim i (PyTorch's ``repeat``; a copy)."""
        sizes = shape_args(sizes, "repeat")
        if len(sizes) < self.ndim:
            raise ValueError(f"repeat{sizes}: give at least one count per dim (shape "
                             f"{tuple(self.shape)})")
        shape = (1,) * (len(sizes) - self.ndim) + tuple(self.shape)
        # (r0, n0, r1, n1, ...) by broadcasting, then merged: no new op needed.
        inter = ops.reshape(self, tuple(v for n in shape for v in (1, n)))
        wide = ops.broadcast_to(inter, tuple(v for r, n in zip(sizes, shape) for v in (r, n)))
        return ops.reshape(wide, tuple(r * n for r, n in zip(sizes, shape)))

    # ------------------------------------------------------------------ pieces
    def narrow(self, dim, start, length):
        """``length`` entries from ``start`` along ``dim`` (a view)."""
        d = normalize_dim(dim, self.ndim)
        n = self.shape[d]
        start = start + n if start < 0 else start
        if not (0 <= start and length >= 0 and start + length <= n):
            raise IndexError(f"narrow: start {start} + length {length} exceeds size {n} of "
                             f"dim {dim}")
        return ops.get_item(self, (slice(None),) * d + (slice(start, start + length),))

    def split(self, split_size_or_sections, dim=0):
        """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or pieces of
        the listed sizes; views."""
        d = normalize_dim(dim, self.ndim)
        n = self.shape[d]
        if isinstance(split_size_or_sections, (list, tuple)):
            sizes = list(split_size_or_sections)
            if sum(sizes) != n:
                raise ValueError(f"split: sizes {sizes} sum to {sum(sizes)}, but dim {dim} "
                                 f"has size {n}")
        else:
            step = int(split_size_or_sections)
            if step <= 0:
                raise ValueError(f"split: split_size must be positive, got {step}")
            sizes = [min(step, n - i) for i in range(0, n, step)] or [0]
        out, start = [], 0
        for size in sizes:
            out.append(ops.get_item(self, (slice(None),) * d + (slice(start, start + size),)))
            start += size
        return tuple(out)

    def chunk(self, chunks, dim=0):
        """At most ``chunks`` pieces of equal size (the last may be smaller); views."""
        if chunks <= 0:
            raise ValueError(f"chunk: chunks must be positive, got {chunks}")
        n = self.shape[normalize_dim(dim, self.ndim)]
        return self.split(max(-(-n // chunks), 1), dim)

    def unbind(self, dim=0):
        """The slices along ``dim``, each without that dim; views."""
        d = normalize_dim(dim, self.ndim)
        return tuple(ops.get_item(self, (slice(None),) * d + (i,)) for i in range(self.shape[d]))

    # ------------------------------------------------------------------ gathers
    def gather(self, dim, index):
        """``out[i][j] = self[index[i][j]][j]`` for ``dim=0`` (and so on), differentiable.

        Raises:
            ValueError: ``index`` has a different number of dims.
        """
        idx = index.data if isinstance(index, Variable) else np.asarray(index)
        if idx.ndim != self.ndim:
            raise ValueError(f"gather: index has {idx.ndim} dims, expected {self.ndim} (the "
                             f"tensor's shape is {tuple(self.shape)})")
        d = normalize_dim(dim, self.ndim)
        return ops.get_item(self, _index_grid(self.shape, d, idx))

    def take_along_dim(self, indices, dim):
        return self.gather(dim, indices)

    def index_select(self, dim, index):
        """The entries at the 1-D ``index`` along ``dim`` (a copy), differentiable."""
        idx = index.data if isinstance(index, Variable) else np.asarray(index)
        if idx.ndim > 1:
            raise ValueError(f"index_select: index must be 1-D, got shape {idx.shape}")
        d = normalize_dim(dim, self.ndim)
        return ops.get_item(self, (slice(None),) * d + (idx.reshape(-1),))

    def masked_fill(self, mask, value):
        """``value`` where ``mask`` is True, this tensor elsewhere (differentiable)."""
        mask = mask.data if isinstance(mask, Variable) else mask
        if isinstance(value, Variable):
            if value.ndim:
                raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got "
                                 f"shape {tuple(value.shape)}")
        else:
            xp = backend.get_array_module(self.data)
            value = xp.asarray(value, dtype=self.dtype)
        return ops.where(mask, value, self)
