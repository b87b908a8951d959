"""PyTorch's reductions on Variable: ``dim=``/``keepdim=`` next to DeZero's ``axis=``/``keepdims=``."""
from collections import namedtuple

import numpy as np

from framework import backend

__all__ = ["ReductionMethods", "MaxResult", "MinResult"]

ops = None  # framework.core.primitives, set by framework.core.variable
Variable = None  # set by framework.core.variable

#: What ``x.max(dim)`` returns (PyTorch's ``torch.return_types.max``).
MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


def _axis(dim, keepdim, axis, keepdims):
    """PyTorch's ``dim``/``keepdim`` or DeZero's ``axis``/``keepdims`` (either spelling)."""
    if axis is not None:
        if dim is not None and dim != axis:
            raise TypeError(f"give dim= or axis=, not both (got dim={dim}, axis={axis})")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if isinstance(dim, list):
        dim = tuple(dim)
    return dim, bool(keepdim)


def _no_out(out):
    if out is not None:
        raise TypeError("out= is not supported: assign the result instead")


def _constant(array):
    """A result without a graph (indices, booleans)."""
    return Variable(array, requires_grad=False)


class ReductionMethods:
    """Reductions of Variable (PyTorch's semantics; DeZero's keywords accepted)."""

    __slots__ = ()

    def sum(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None,
            out=None):
        """The sum over ``dim`` (an int, a tuple, or None for all)."""
        _no_out(out)
        dim, keepdim = _axis(dim, keepdim, axis, keepdims)
        x = self if dtype is None else ops.cast(self, dtype)
        return ops.Sum(dim, keepdim)(x)

    def mean(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None,
             out=None):
        """The mean over ``dim`` (an int, a tuple, or None for all)."""
        _no_out(out)
        dim, keepdim = _axis(dim, keepdim, axis, keepdims)
        x = self if dtype is None else ops.cast(self, dtype)
        return ops.Mean(dim, keepdim)(x)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
            keepdims=None, ddof=None, dtype=None, out=None):
        """The variance; PyTorch's default divides by ``n - 1`` (``correction=1``).

        ``ddof`` (numpy's name, which ``np.var(t)`` passes) means ``correction``.
        """
        _no_out(out)
        dim, keepdim = _axis(dim, keepdim, axis, keepdims)
        if ddof is not None:
            correction = ddof
        if correction is None:
            correction = 0 if unbiased is False else 1
        centred = self - ops.mean(self, dim, True)
        total = ops.sum(centred * centred, dim, keepdim)
        n = self.data.size // max(total.data.size, 1)
        return total / max(n - correction, 0)

    def prod(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None,
             out=None):
        """The product over ``dim`` (an int, or None for all); zeros handled exactly."""
        _no_out(out)
        dim, keepdim = _axis(dim, keepdim, axis, keepdims)
        x = self if dtype is None else ops.cast(self, dtype)
        return ops.prod(x, dim, keepdim)

    def cumsum(self, dim=None, dtype=None, *, axis=None, out=None):
        """The running sum along ``dim``."""
        _no_out(out)
        dim, _ = _axis(dim, False, axis, None)
        if dim is None:
            raise TypeError("cumsum() needs dim=, e.g. x.cumsum(dim=0)")
        x = self if dtype is None else ops.cast(self, dtype)
        return ops.cumsum(x, dim)

    # ------------------------------------------------------------------ max / min
    def _extreme(self, which, dim, keepdim, axis, keepdims):
        if axis is not None:  # DeZero's keyword: the values only
            return ops.Max(axis, bool(keepdims))(self) if which == "max" else \
                ops.Min(axis, bool(keepdims))(self)
        if dim is None:
            return ops.max(self) if which == "max" else ops.min(self)
        if isinstance(dim, Variable):  # torch.max(a, b): the elementwise maximum
            other = dim
            pick = (self.data >= other.data) if which == "max" else (self.data <= other.data)
            return ops.where(pick, self, other)
        if isinstance(dim, (tuple, list)):
            raise TypeError(f"{which}(dim) takes one dim, got {dim!r}; use "
                            f"a{which}(dim={tuple(dim)}) to reduce several")
        from framework.core.shape_methods import normalize_dim
        d = normalize_dim(dim, self.ndim)
        xp = backend.get_array_module(self.data)
        pick = xp.argmax if which == "max" else xp.argmin
        idx = pick(self.data, axis=d, keepdims=True) if self.ndim else \
            xp.zeros((), dtype=np.int64)
        # The values are gathered at the indices, so the gradient goes to that one entry
        # (as PyTorch's max(dim)), not to every tied one.
        values = self.gather(d, idx) if self.ndim else self
        indices = idx.astype(np.int64)
        if not keepdim and self.ndim:
            values = ops.reshape(values, self.shape[:d] + self.shape[d + 1:])
            indices = indices.reshape(self.shape[:d] + self.shape[d + 1:])
        result = MaxResult if which == "max" else MinResult
        return result(values, _constant(indices))

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        """``max()``: the largest value (0-d); ``max(dim)``: a ``(values, indices)`` named
        tuple (PyTorch); ``max(axis=...)``: the values only (DeZero); ``max(other)``: the
        elementwise maximum."""
        _no_out(out)
        return self._extreme("max", dim, keepdim, axis, keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        """The smallest value(s); the same conventions as :meth:`max`."""
        _no_out(out)
        return self._extreme("min", dim, keepdim, axis, keepdims)

    def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The largest values over ``dim`` (an int or tuple), values only."""
        dim, keepdim = _axis(dim, keepdim, axis, keepdims)
        return ops.Max(dim, keepdim)(self)

    def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = _axis(dim, keepdim, axis, keepdims)
        return ops.Min(dim, keepdim)(self)

    def argmax(self, dim=None, keepdim=False, *, axis=None):
        """Indices of the maxima (an int64 tensor without graph); over the flattened
        tensor when ``dim`` is None."""
        dim, keepdim = _axis(dim, keepdim, axis, None)
        xp = backend.get_array_module(self.data)
        return _constant(xp.asarray(xp.argmax(self.data, axis=dim, keepdims=keepdim),
                                    dtype=np.int64))

    def argmin(self, dim=None, keepdim=False, *, axis=None):
        dim, keepdim = _axis(dim, keepdim, axis, None)
        xp = backend.get_array_module(self.data)
        return _constant(xp.asarray(xp.argmin(self.data, axis=dim, keepdims=keepdim),
                                    dtype=np.int64))

    def all(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        _no_out(out)
        dim, keepdim = _axis(dim, keepdim, axis, keepdims)
        xp = backend.get_array_module(self.data)
        return _constant(xp.asarray(self.data.all(axis=dim, keepdims=keepdim)))

    def any(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
        _no_out(out)
        dim, keepdim = _axis(dim, keepdim, axis, keepdims)
        xp = backend.get_array_module(self.data)
        return _constant(xp.asarray(self.data.any(axis=dim, keepdims=keepdim)))

    def count_nonzero(self, dim=None):
        xp = backend.get_array_module(self.data)
        return _constant(xp.asarray(xp.count_nonzero(self.data, axis=dim), dtype=np.int64))
