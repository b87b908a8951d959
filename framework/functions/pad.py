"""Constant padding of any axes (``pad``); its gradient is the slice of the padded region."""
from framework import backend
from framework.core.function import Function
from framework.core.primitives import get_item

__all__ = ["pad", "Pad"]


class Pad(Function):
    """Pad with a constant: ``widths`` is one ``(before, after)`` pair (>= 0) per axis."""

    def __init__(self, widths, value=0.0):
        self.widths, self.value = tuple(widths), value

    def forward(self, x):
        xp = backend.get_array_module(x)
        return xp.pad(x, self.widths, mode="constant", constant_values=self.value)

    def backward(self, gy):
        index = tuple(slice(lo, n - hi) for (lo, hi), n in zip(self.widths, gy.shape))
        return get_item(gy, index)


def pad(x, pad_width, value=0.0):
    """Pad ``x`` with the constant ``value``.

    Args:
        x: Variable or array.
        pad_width: one ``(before, after)`` pair per axis, or a single int for every side
            of every axis (numpy's ``pad_width``).
        value: the fill.

    Returns:
        A Variable; its gradient is the unpadded part of the upstream gradient.

    Raises:
        ValueError: a negative width or the wrong number of pairs.
    """
    ndim = len(x.shape)
    if isinstance(pad_width, int):
        widths = ((pad_width, pad_width),) * ndim
    else:
        widths = tuple(tuple(int(v) for v in pair) for pair in pad_width)
    if len(widths) != ndim or any(len(p) != 2 or min(p) < 0 for p in widths):
        raise ValueError(f"pad: pad_width must give one non-negative (before, after) pair "
                         f"per axis of an input of shape {tuple(x.shape)}, got {pad_width!r}")
    return Pad(widths, value)(x)
