"""Random regularization: dropout."""
from framework import backend
from framework.core.config import Config
from framework.core.function import Function
from framework.core.variable import as_variable

__all__ = ["dropout", "Dropout"]


class Dropout(Function):
    """Inverted dropout: zero each element with probability ``ratio`` and scale the
    survivors by ``1 / (1 - ratio)``, so nothing changes at test time."""

    def __init__(self, ratio):
        self.ratio = ratio

    def forward(self, x):
        xp = backend.get_array_module(x)
        keep = xp.asarray(xp.random.random_sample(x.shape)) >= self.ratio
        scale = 0.0 if self.ratio >= 1.0 else 1.0 / (1.0 - self.ratio)
        # One multiplier array, reused by backward: the mask and the scale together.
        self.mask = keep.astype(x.dtype) * x.dtype.type(scale)
        return x * self.mask

    def backward(self, gy):
        return gy * self.mask


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
