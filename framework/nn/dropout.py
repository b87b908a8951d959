"""Dropout (elements or whole channels): random zeros in training mode, the identity in
eval mode."""
import framework.functions as F
from framework.core import as_variable
from framework.nn import functional as NF
from framework.nn._utils import is_training
from framework.nn.module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d"]


class Dropout(Module):
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)``.

    Active only in training mode (``train()``) outside ``fw.test_mode()``; otherwise
    returns the input. Draws from numpy's global generator.

    Args:
        p: the probability of zeroing an element, in [0, 1].
        inplace: accepted for PyTorch code; the result is always a new Variable.

    Raises:
        ValueError: ``p`` outside [0, 1].
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: p must be a probability in [0, 1], "
                             f"got {p!r}")
        self.p = float(p)
        self.inplace = bool(inplace)

    def forward(self, x):
        if not is_training(self) or self.p == 0.0:
            return as_variable(x)
        return F.dropout(x, self.p)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(Dropout):
    """Zero whole channels of an ``(N, C, L)`` (or ``(C, L)``) input with probability
    ``p`` in training mode, scaling the rest by ``1/(1-p)``."""

    _functional = staticmethod(NF.dropout1d)

    def forward(self, x):
        return self._functional(x, self.p, training=is_training(self))


class Dropout2d(Dropout1d):
    """Zero whole channels of an ``(N, C, H, W)`` input with probability ``p`` in
    training mode, scaling the rest by ``1/(1-p)`` (a 3-D input is (N, C, L), as in
    PyTorch, with its warning).

    Raises:
        ValueError: ``p`` outside [0, 1]; (forward) an input that is not 3-D or 4-D.
    """

    _functional = staticmethod(NF.dropout2d)
