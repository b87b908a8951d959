"""Padding layers: ``nn.functional.pad`` as modules, with PyTorch's names and ranks.

``ReflectionPad*``, ``ReplicationPad*`` and ``CircularPad*`` pad the last 1, 2 or 3 axes
of a batched or unbatched input (``(N, C, L)`` or ``(C, L)`` for the 1d ones, and so
on); ``ConstantPad*`` and ``ZeroPad*`` pad those axes of an input of any rank that has
them.  ``padding`` is an int (every side) or the (left, right[, top, bottom[, front,
back]]) amounts, last axis first as in ``F.pad``; negative amounts crop.
"""
import numpy as np

from framework.nn import functional as NF
from framework.nn.module import Module

__all__ = ["ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
           "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d",
           "CircularPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d",
           "ConstantPad2d", "ConstantPad3d"]


def _padding(name, padding, n):
    """``padding`` as a tuple of ``2 * n`` ints."""
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool):
        return (int(padding),) * (2 * n)
    values = tuple(padding) if isinstance(padding, (tuple, list)) else None
    if values is None or len(values) != 2 * n or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        raise ValueError(f"{name}: padding must be an int or {2 * n} ints, got {padding!r}")
    return tuple(int(v) for v in values)


class _PadNd(Module):
    """Shared part of the padding layers: ``F.pad(x, padding, mode)``."""

    _n = 0
    _mode = "constant"

    def __init__(self, padding):
        super().__init__()
        self.padding = _padding(type(self).__name__, padding, self._n)

    def _check_input(self, x):
        if x.ndim not in (self._n + 1, self._n + 2):
            raise ValueError(f"{type(self).__name__}: expected a {self._n + 1}-D (C, ...) or "
                             f"{self._n + 2}-D (N, C, ...) input, got shape {tuple(x.shape)}")

    def forward(self, x):
        self._check_input(x)
        return NF.pad(x, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = float(value)

    def _check_input(self, x):
        if x.ndim < self._n:
            raise ValueError(f"{type(self).__name__}: pads the last {self._n} axes, got an "
                             f"input of shape {tuple(x.shape)}")

    def forward(self, x):
        self._check_input(x)
        return NF.pad(x, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Pad the last axis of ``(N, C, L)`` or ``(C, L)`` by reflection about its ends (the
    edge value itself not repeated); each amount must be smaller than L.

    Args:
        padding: an int, or (left, right).

    Raises:
        ValueError: a bad ``padding``, an input of another rank, or an amount >= L.
    """

    _n, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last two axes of ``(N, C, H, W)`` or ``(C, H, W)`` by reflection.

    Args:
        padding: an int, or (left, right, top, bottom).
    """

    _n, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Pad the last three axes of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` by reflection.

    Args:
        padding: an int, or (left, right, top, bottom, front, back).
    """

    _n, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Pad the last axis of ``(N, C, L)`` or ``(C, L)`` by repeating its edge values.

    Args:
        padding: an int, or (left, right).
    """

    _n, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last two axes of ``(N, C, H, W)`` or ``(C, H, W)`` by repeating the edges.

    Args:
        padding: an int, or (left, right, top, bottom).
    """

    _n, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Pad the last three axes of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` by repeating
    the edges.

    Args:
        padding: an int, or (left, right, top, bottom, front, back).
    """

    _n, _mode = 3, "replicate"


class CircularPad1d(_PadNd):
    """Pad the last axis of ``(N, C, L)`` or ``(C, L)`` by wrapping around (periodic).

    Args:
        padding: an int, or (left, right).
    """

    _n, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Pad the last two axes of ``(N, C, H, W)`` or ``(C, H, W)`` by wrapping around.

    Args:
        padding: an int, or (left, right, top, bottom).
    """

    _n, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    """Pad the last three axes of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` by wrapping
    around.

    Args:
        padding: an int, or (left, right, top, bottom, front, back).
    """

    _n, _mode = 3, "circular"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last axis with ``value``.

    Args:
        padding: an int, or (left, right).
        value: the fill value.
    """

    _n = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two axes with ``value``.

    Args:
        padding: an int, or (left, right, top, bottom).
        value: the fill value.
    """

    _n = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three axes with ``value``.

    Args:
        padding: an int, or (left, right, top, bottom, front, back).
        value: the fill value.
    """

    _n = 3


class ZeroPad1d(_ZeroPadNd):
    """Pad the last axis with zeros.

    Args:
        padding: an int, or (left, right).
    """

    _n = 1


class ZeroPad2d(_ZeroPadNd):
    """Pad the last two axes with zeros (e.g. before a convolution, as in CycleGAN).

    Args:
        padding: an int, or (left, right, top, bottom).
    """

    _n = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last three axes with zeros.

    Args:
        padding: an int, or (left, right, top, bottom, front, back).
    """

    _n = 3
