"""Activation layers: thin Modules over the activation functions, PyTorch's defaults."""
import framework.functions as F
from framework.nn.module import Module

__all__ = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax"]


class ReLU(Module):
    """``max(x, 0)`` elementwise.

    Args:
        inplace: accepted for PyTorch code (``nn.ReLU(inplace=True)``); the result is
            always a new Variable, which gives the same values and gradients.
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = bool(inplace)

    def forward(self, x):
        return F.relu(x)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """``x`` where positive, ``negative_slope * x`` elsewhere.

    Args:
        negative_slope: 0.01 (PyTorch's default; ``F.leaky_relu`` keeps DeZero's 0.2).
        inplace: accepted for PyTorch code; the result is always a new Variable.
    """

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = float(negative_slope)
        self.inplace = bool(inplace)

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace
                                                          else "")


class Sigmoid(Module):
    """``1 / (1 + exp(-x))`` elementwise."""

    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    """``tanh(x)`` elementwise."""

    def forward(self, x):
        return F.tanh(x)


def _implicit_dim(ndim):
    # PyTorch's legacy choice when no dim is given.
    return 0 if ndim in (0, 1, 3) else 1


class _SoftmaxBase(Module):
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def _axis(self, x):
        return _implicit_dim(x.ndim) if self.dim is None else self.dim

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_SoftmaxBase):
    """Softmax along ``dim`` (give it; None picks PyTorch's legacy implicit axis)."""

    def forward(self, x):
        return F.softmax(x, axis=self._axis(x))


class LogSoftmax(_SoftmaxBase):
    """Log of the softmax along ``dim``, computed stably."""

    def forward(self, x):
        return F.log_softmax(x, axis=self._axis(x))
