"""2-D max and average pooling (DeZero's ``pooling`` and ``average_pooling``).

Both run a Python loop over the KH*KW kernel offsets, each step one strided slice of
the whole batch: no im2col copy, no loop over pixels or samples. Max pooling records,
per output, which offset won (the first one on ties, as ``argmax``); its gradient and
the gradient of that gradient are gathers/scatters through that record.
"""
import numpy as np

from framework import backend
from framework.core.function import Function
from framework.functions.conv import check_4d, output_hw, pad_array, pair

__all__ = ["pooling", "max_pooling", "average_pooling", "Pooling", "AveragePooling"]


def _lowest(dtype):
    """The fill that never wins a max: -inf for floats, the minimum for integers."""
    if np.issubdtype(dtype, np.floating):
        return -np.inf
    return np.iinfo(dtype).min


def _offsets(kh, kw, sh, sw, oh, ow):
    """``(k, index)`` for every kernel offset: the strided slice of the padded image."""
    for i in range(kh):
        for j in range(kw):
            yield i * kw + j, (slice(None), slice(None), slice(i, i + sh * oh, sh),
                               slice(j, j + sw * ow, sw))


class _Pool2d(Function):
    def __init__(self, kernel_size, stride, pad):
        self.kernel_size, self.stride, self.pad = kernel_size, stride, pad

    def _geometry(self, x, what):
        check_4d(x, what)
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.pad
        if ph >= kh or pw >= kw:
            # A window made only of padding would have no input to take from.
            raise ValueError(f"{what}: pad {self.pad} must be smaller than kernel_size "
                             f"{self.kernel_size}")
        self.x_shape = x.shape
        self.out_hw = output_hw(x.shape, kh, kw, sh, sw, ph, pw, what)
        return kh, kw, sh, sw, ph, pw


class Pooling(_Pool2d):
    """Max pooling; keeps the winning offset of every window."""

    def forward(self, x):
        kh, kw, sh, sw, ph, pw = self._geometry(x, "pooling")
        xp = backend.get_array_module(x)
        xpad = pad_array(x, ph, pw, _lowest(x.dtype))
        oh, ow = self.out_hw
        index = None
        y = None
        for k, sl in _offsets(kh, kw, sh, sw, oh, ow):
            patch = xpad[sl]
            if y is None:
                y = patch.copy()
                index = xp.zeros(y.shape, dtype=np.int8 if kh * kw < 128 else np.int32)
                continue
            xp.copyto(index, k, where=patch > y)
            xp.maximum(y, patch, out=y)
        self.index = index
        return y

    def backward(self, gy):
        return _PoolingGrad(self)(gy)


def _scatter_windows(pool, gy, window_values):
    """Sum ``window_values(k)`` (shaped like ``gy``) into each window's offset ``k``.

    Returns the gradient with respect to the pooled input (padding cropped).
    """
    (kh, kw), (sh, sw), (ph, pw) = pool.kernel_size, pool.stride, pool.pad
    xp = backend.get_array_module(gy)
    n, c, h, w = pool.x_shape
    oh, ow = pool.out_hw
    gx = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=gy.dtype)
    # Windows that do not overlap own disjoint slices: assign instead of add.
    disjoint = sh >= kh and sw >= kw
    for k, sl in _offsets(kh, kw, sh, sw, oh, ow):
        if disjoint:
            gx[sl] = window_values(k)
        else:
            gx[sl] += window_values(k)
    if ph or pw:
        gx = gx[:, :, ph:ph + h, pw:pw + w]
    return gx


class _PoolingGrad(Function):
    """Scatter ``gy`` to each window's winner; its own gradient gathers from there."""

    def __init__(self, pool):
        self.pool = pool

    def forward(self, gy):
        p = self.pool
        xp = backend.get_array_module(gy)
        zero = gy.dtype.type(0)
        return _scatter_windows(p, gy, lambda k: xp.where(p.index == k, gy, zero))

    def backward(self, ggx):
        return _PoolingGather(self.pool)(ggx)


class _PoolingGather(Function):
    """``ggx`` read at each window's winner: the adjoint of ``_PoolingGrad``."""

    def __init__(self, pool):
        self.pool = pool

    def forward(self, ggx):
        p = self.pool
        (kh, kw), (sh, sw), (ph, pw) = p.kernel_size, p.stride, p.pad
        xp = backend.get_array_module(ggx)
        oh, ow = p.out_hw
        gpad = pad_array(ggx, ph, pw, 0)
        out = xp.zeros(p.index.shape, dtype=ggx.dtype)
        for k, sl in _offsets(kh, kw, sh, sw, oh, ow):
            xp.copyto(out, gpad[sl], where=p.index == k)
        return out

    def backward(self, gy):
        return _PoolingGrad(self.pool)(gy)


class AveragePooling(_Pool2d):
    """Average pooling; padded zeros count in the mean (DeZero's semantics)."""

    def forward(self, x):
        kh, kw, sh, sw, ph, pw = self._geometry(x, "average_pooling")
        xpad = pad_array(x, ph, pw, 0)
        oh, ow = self.out_hw
        y = None
        for _, sl in _offsets(kh, kw, sh, sw, oh, ow):
            y = xpad[sl].copy() if y is None else y.__iadd__(xpad[sl])
        if y.dtype.kind != "f":
            return y / (kh * kw)
        y *= y.dtype.type(1.0 / (kh * kw))
        return y

    def backward(self, gy):
        return _AveragePoolingGrad(self)(gy)


class _AveragePoolingGrad(Function):
    def __init__(self, pool):
        self.pool = pool

    def forward(self, gy):
        kh, kw = self.pool.kernel_size
        share = gy * gy.dtype.type(1.0 / (kh * kw))
        return _scatter_windows(self.pool, gy, lambda k: share)

    def backward(self, ggx):
        return AveragePooling(self.pool.kernel_size, self.pool.stride, self.pool.pad)(ggx)


def pooling(x, kernel_size, stride=1, pad=0):
    """2-D max pooling (DeZero's signature: the stride defaults to 1).

    Args:
        x: ``(N, C, H, W)`` input.
        kernel_size, stride, pad: an int or a pair ``(h, w)``; ``pad < kernel_size``.
            Padding never wins a max.

    Returns:
        ``(N, C, OH, OW)``, ``OH = (H + 2*pad - KH) // stride + 1``. The gradient goes to
        the first maximum of each window.

    Raises:
        ValueError: a bad size, or a kernel that does not fit the padded input.
    """
    return Pooling(pair(kernel_size, "kernel_size", 1), pair(stride, "stride", 1),
                   pair(pad, "pad", 0))(x)


max_pooling = pooling


def average_pooling(x, kernel_size, stride=1, pad=0):
    """2-D average pooling; the mean is over the full window, padded zeros included.

    Args and Returns: as ``pooling``.
    """
    return AveragePooling(pair(kernel_size, "kernel_size", 1), pair(stride, "stride", 1),
                          pair(pad, "pad", 0))(x)
