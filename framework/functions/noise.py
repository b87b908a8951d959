"""Random regularization: dropout."""
import math

import numpy as np

from framework import backend, threads
from framework.core.config import Config
from framework.core.function import Function
from framework.core.variable import Variable, as_variable

__all__ = ["dropout", "Dropout"]


def keep_mask(xp, shape, ratio):
    """A boolean array of ``shape``, each element True with probability ``1 - ratio``.

    Drawn from the backend's global random state. On numpy the draw is of random
    bytes compared with an integer threshold: 8 bits per element when ``ratio`` is a
    multiple of 1/256 (0.5, 0.25, 0.125, ...: the probability is then exact), 16 bits
    for a multiple of 1/65536, else 32 bits (within 2**-32 of ``ratio``). That is 4x
    less generator work than a float64 draw for the usual ratios, with no float pass.
    """
    if xp is not np:
        return xp.asarray(xp.random.random_sample(shape)) >= ratio
    if ratio <= 0.0:
        return np.ones(shape, dtype=bool)
    if ratio >= 1.0:
        return np.zeros(shape, dtype=bool)
    count = math.prod(shape)
    for dtype, bits in ((np.uint8, 8), (np.uint16, 16)):
        threshold = ratio * (1 << bits)
        if threshold == int(threshold):
            break
    else:
        dtype, bits = np.uint32, 32
        threshold = min(round(ratio * (1 << bits)), (1 << bits) - 1)
    draws = np.frombuffer(np.random.bytes(count * (bits // 8)), dtype=dtype).reshape(shape)
    return draws >= dtype(int(threshold))


class Dropout(Function):
    """Inverted dropout: zero each element with probability ``ratio`` and scale the
    survivors by ``1 / (1 - ratio)``, so nothing changes at test time."""

    def __init__(self, ratio):
        self.ratio = ratio

    def forward(self, x):
        xp = backend.get_array_module(x)
        keep = keep_mask(xp, x.shape, self.ratio)
        scale = x.dtype.type(0.0 if self.ratio >= 1.0 else 1.0 / (1.0 - self.ratio))
        # One multiplier array, reused by backward: the mask and the scale together.
        if xp is not np or x.ndim == 0 or x.dtype.kind != "f":
            self.mask = xp.multiply(keep, scale, dtype=x.dtype)
            return x * self.mask
        self.mask = np.empty(x.shape, dtype=x.dtype)
        y = np.empty_like(x)

        def apply(a, b):
            np.multiply(keep[a:b], scale, out=self.mask[a:b])
            np.multiply(x[a:b], self.mask[a:b], out=y[a:b])
        threads.split(apply, threads.bounds(x.shape[0], x.size))
        return y

    def backward(self, gy):
        mask = self.mask
        if Config.enable_backprop or type(gy.data) is not np.ndarray or gy.shape != mask.shape \
                or gy.ndim == 0:
            return gy * mask
        g = gy.data
        out = np.empty(mask.shape, dtype=np.result_type(g, mask))
        threads.split(lambda a, b: np.multiply(g[a:b], mask[a:b], out=out[a:b]),
                      threads.bounds(mask.shape[0], mask.size))
        return Variable(out)


def dropout(x, dropout_ratio=0.5):
    """Randomly zero elements in training mode (``Config.train``); the identity in
    ``test_mode()``.

    Uses the backend's global random state (``numpy.random.seed`` makes it repeatable).

    Args:
        x: Variable or array.
        dropout_ratio: the probability of zeroing an element, in [0, 1].

    Returns:
        A Variable shaped like ``x``; in test mode ``x`` itself (as a Variable).

    Raises:
        ValueError: ``dropout_ratio`` outside [0, 1].
    """
    if not 0.0 <= dropout_ratio <= 1.0:
        raise ValueError(f"dropout: dropout_ratio must be in [0, 1], got {dropout_ratio}")
    if not Config.train or dropout_ratio == 0.0:
        return as_variable(x)
    return Dropout(dropout_ratio)(x)
