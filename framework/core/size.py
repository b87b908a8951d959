"""Sizes that read both ways: DeZero's ``x.size == 6`` and PyTorch's ``x.size(0)``."""
__all__ = ["Size", "SizeInt"]


class Size(tuple):
    """A shape (PyTorch's ``torch.Size``): a tuple of ints with ``numel()``."""

    __slots__ = ()

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self):
        return f"Size({list(self)})"


class SizeInt(int):
    """The number of elements, as DeZero's ``x.size``, that is also PyTorch's ``x.size()``.

    ``x.size == 6`` and arithmetic treat it as the int it is; calling it gives the shape
    (``x.size()``, a :class:`Size`) or one dimension (``x.size(0)``, ``x.size(-1)``).
    """

    def __new__(cls, n, shape):
        self = super().__new__(cls, n)
        self._shape = shape
        return self

    def __call__(self, dim=None):
        """Args:
            dim: a dimension (negative counts from the end), or None for the whole shape.

        Raises:
            IndexError: ``dim`` is out of range for the shape.
        """
        if dim is None:
            return Size(self._shape)
        n = len(self._shape)
        if not -n <= dim < n:
            raise IndexError(f"size({dim}): dimension out of range for a tensor of shape "
                             f"{tuple(self._shape)} (expected -{n} <= dim < {n})")
        return self._shape[dim]

    def __reduce__(self):  # pickles, copies and JSON see a plain int
        return int, (int(self),)
