"""Activation functions: sigmoid, relu, leaky_relu, softmax, log_softmax.

``tanh`` is in ``framework.functions.math`` with the other elementwise math.
"""
import numpy as np

from framework import backend, threads
from framework.core.config import Config
from framework.core.function import Function
from framework.core.variable import Variable
from framework.core.primitives import exp, sum
from framework.functions.reduction import logsumexp_array

__all__ = [
    "sigmoid", "relu", "leaky_relu", "softmax", "log_softmax",
    "Sigmoid", "ReLU", "LeakyReLU", "Softmax", "LogSoftmax",
]


def sigmoid_array(x):
    """``1 / (1 + exp(-x))`` without overflow, and accurate in the far negative tail.

    With ``e = exp(-|x|)`` (never above 1) it is ``1 / (1 + e)`` for ``x >= 0`` and
    ``e / (1 + e)`` below; the tanh form loses relative precision there.
    """
    xp = backend.get_array_module(x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1, e) / (1 + e)


def softmax_array(x, axis):
    """Softmax of an array along ``axis``, shifted by the maximum so ``exp`` never overflows."""
    xp = backend.get_array_module(x)
    y = xp.exp(x - x.max(axis=axis, keepdims=True))
    y /= y.sum(axis=axis, keepdims=True)
    return y


class Sigmoid(Function):
    def forward(self, x):
        return sigmoid_array(x)

    def backward(self, gy):
        y = self.outputs[0]()
        return gy * y * (1 - y)


class ReLU(Function):
    def forward(self, x):
        cuts = _cuts(x)
        if cuts is None:
            return backend.get_array_module(x).maximum(x, 0)
        y = np.empty_like(x)
        threads.split(lambda a, b: np.maximum(x[a:b], 0, out=y[a:b]), cuts)
        return y

    def backward(self, gy):
        x, = self.inputs
        cuts = None if Config.enable_backprop else _cuts(gy.data)
        if cuts is None or gy.shape != x.shape:
            return gy * (x.data > 0)  # float * bool stays float: no cast of the mask
        g, xd = gy.data, x.data
        out = np.empty_like(g)
        threads.split(lambda a, b: np.multiply(g[a:b], xd[a:b] > 0, out=out[a:b]), cuts)
        return Variable(out)


def _cuts(a):
    """Where threads split a large numpy array along its first axis, or None."""
    if type(a) is not np.ndarray or a.ndim == 0:
        return None
    cuts = threads.bounds(a.shape[0], a.size)
    return cuts if len(cuts) > 2 else None


class LeakyReLU(Function):
    def __init__(self, slope):
        self.slope = slope

    def forward(self, x):
        return backend.get_array_module(x).where(x > 0, x, x * self.slope)

    def backward(self, gy):
        x, = self.inputs
        xp = backend.get_array_module(x.data)
        factor = xp.where(x.data > 0, 1, self.slope).astype(gy.dtype, copy=False)
        return gy * factor


class Softmax(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return softmax_array(x, self.axis)

    def backward(self, gy):
        y = self.outputs[0]()
        gx = y * gy
        return gx - y * sum(gx, axis=self.axis, keepdims=True)


class LogSoftmax(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return x - logsumexp_array(x, self.axis)

    def backward(self, gy):
        y = self.outputs[0]()
        return gy - exp(y) * sum(gy, axis=self.axis, keepdims=True)


def sigmoid(x):
    """The logistic function ``1 / (1 + exp(-x))``, stable for large ``|x|``."""
    return Sigmoid()(x)


def relu(x):
    """``max(x, 0)``; the gradient at 0 is 0."""
    return ReLU()(x)


def leaky_relu(x, slope=0.2):
    """``x`` where positive, else ``slope * x`` (DeZero's default slope 0.2).

    ``nn.LeakyReLU`` keeps PyTorch's default of 0.01.
    """
    return LeakyReLU(slope)(x)


def softmax(x, axis=1):
    """``exp(x) / sum(exp(x), axis)``, shifted by the maximum to avoid overflow.

    Shape:
        any; normalized along ``axis`` (default 1, DeZero's: classes of an (N, C) batch).
    """
    return Softmax(axis)(x)


def log_softmax(x, axis=1):
    """``log(softmax(x, axis))`` computed as ``x - logsumexp(x)``: finite where softmax
    underflows to 0."""
    return LogSoftmax(axis)(x)
