"""More activations with PyTorch's names, arguments and defaults: prelu, selu, celu, mish,
hardswish, hardsigmoid, glu, logsigmoid, softmin, softsign, tanhshrink, threshold,
hardshrink and softshrink.

The piecewise ones are single Functions: the forward runs on the raw arrays and the
backward multiplies by a constant mask (written in Variable operations, so higher
derivatives follow where the derivative depends on the input). The rest are short
compositions of existing differentiable functions.
"""
import framework.functions as F
from framework import backend
from framework.core.function import Function
from framework.core.primitives import sum_to
from framework.functions.activation import sigmoid
from framework.functions.math import tanh
from framework.functions.smooth_activation import elu as _elu
from framework.functions.smooth_activation import softplus as _softplus
from framework.nn.functional._activation import _softmax_dim
from framework.nn.functional._common import as_input, dim_index

__all__ = ["prelu", "selu", "celu", "mish", "hardswish", "hardsigmoid", "glu", "logsigmoid",
           "softmin", "softsign", "tanhshrink", "threshold", "hardshrink", "softshrink"]

#: PyTorch's SELU constants (Klambauer et al., 2017).
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _mask(cond, dtype):
    return cond.astype(dtype)


class PReLU(Function):
    """``x`` where positive, ``w * x`` elsewhere, with ``w`` already broadcastable."""

    def forward(self, x, w):
        xp = backend.get_array_module(x)
        return xp.where(x > 0, x, w * x).astype(x.dtype, copy=False)

    def backward(self, gy):
        x, w = self.inputs
        neg = _mask(x.data <= 0, x.dtype)
        gx = gy * (1.0 - neg) + gy * w * neg
        gw = sum_to(gy * x * neg, w.shape)
        return gx, gw


def prelu(input, weight):  # noqa: A002 - PyTorch's argument name
    """``max(0, x) + weight * min(0, x)``, one slope per channel (axis 1) or one shared.

    Args:
        input: any shape; axis 1 is the channel axis when the input has 2 or more dims.
        weight: 1 element, or as many as the input has channels.

    Raises:
        ValueError: a weight size that is neither 1 nor the number of channels.
    """
    x, w = as_input(input), as_input(weight)
    channels = x.shape[1] if x.ndim >= 2 else 1
    if w.size not in (1, channels) or w.ndim > 1:
        raise ValueError(f"prelu: mismatch of parameter numbers and input channel size: "
                         f"found parameter numbers = {w.size} and channel size = {channels}")
    if w.size == 1:
        w = F.reshape(w, ())
    elif x.ndim >= 2:
        w = F.reshape(w, (channels,) + (1,) * (x.ndim - 2))
    return PReLU()(x, w)


def selu(input, inplace=False):  # noqa: A002
    """``scale * (max(0, x) + min(0, alpha * (exp(x) - 1)))`` with PyTorch's constants."""
    return _elu(input, SELU_ALPHA) * SELU_SCALE


def celu(input, alpha=1.0, inplace=False):  # noqa: A002
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    Raises:
        ValueError: ``alpha == 0``.
    """
    if alpha == 0:
        raise ValueError("celu: alpha cannot be 0")
    alpha = float(alpha)
    return _elu(as_input(input) * (1.0 / alpha), 1.0) * alpha


def _softplus_array(x):
    xp = backend.get_array_module(x)
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


class Mish(Function):
    """``x * tanh(softplus(x))``; the derivative is ``t + x * sigmoid(x) * (1 - t^2)``."""

    def forward(self, x):
        xp = backend.get_array_module(x)
        return (x * xp.tanh(_softplus_array(x))).astype(x.dtype, copy=False)

    def backward(self, gy):
        x, = self.inputs
        t = tanh(_softplus(x, 1.0, 20.0))
        return gy * (t + x * sigmoid(x) * (1.0 - t * t))


def mish(input, inplace=False):  # noqa: A002
    """``x * tanh(softplus(x))`` (Misra, 2019)."""
    return Mish()(input)


class Hardswish(Function):
    """``x * relu6(x + 3) / 6``; PyTorch's derivative: 0 up to -3, ``x / 3 + 1/2`` below 3,
    then 1."""

    def forward(self, x):
        xp = backend.get_array_module(x)
        return (x * xp.clip(x + 3.0, 0.0, 6.0) / 6.0).astype(x.dtype, copy=False)

    def backward(self, gy):
        x, = self.inputs
        mid = _mask((x.data > -3.0) & (x.data < 3.0), x.dtype)
        high = _mask(x.data >= 3.0, x.dtype)
        return gy * ((x * (1.0 / 3.0) + 0.5) * mid + high)


def hardswish(input, inplace=False):  # noqa: A002
    """``x * relu6(x + 3) / 6`` (MobileNetV3)."""
    return Hardswish()(input)


class Hardsigmoid(Function):
    """``relu6(x + 3) / 6``; the derivative is 1/6 strictly inside (-3, 3), else 0."""

    def forward(self, x):
        xp = backend.get_array_module(x)
        return (xp.clip(x + 3.0, 0.0, 6.0) / 6.0).astype(x.dtype, copy=False)

    def backward(self, gy):
        x, = self.inputs
        return gy * (_mask((x.data > -3.0) & (x.data < 3.0), x.dtype) * (1.0 / 6.0))


def hardsigmoid(input, inplace=False):  # noqa: A002
    """``relu6(x + 3) / 6``: 0 up to -3, 1 from 3, linear between."""
    return Hardsigmoid()(input)


def glu(input, dim=-1):  # noqa: A002
    """The gated linear unit: ``a * sigmoid(b)`` where ``a, b`` are the halves along ``dim``.

    Raises:
        ValueError: a 0-D input, or an odd size along ``dim``.
        IndexError: ``dim`` out of range.
    """
    x = as_input(input)
    if x.ndim == 0:
        raise ValueError("glu does not support scalars because halving size must be even")
    axis = dim_index("glu", dim, x.ndim)
    if x.shape[axis] % 2:
        raise ValueError(f"glu: halving dimension must be even, but dimension {axis} is "
                         f"size {x.shape[axis]}")
    a, b = F.split_axis(x, 2, axis)
    return a * sigmoid(b)


class LogSigmoid(Function):
    """``log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|))``; the derivative is
    ``sigmoid(-x)``."""

    def forward(self, x):
        xp = backend.get_array_module(x)
        return (xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))).astype(x.dtype, copy=False)

    def backward(self, gy):
        x, = self.inputs
        return gy * sigmoid(-x)


def logsigmoid(input):  # noqa: A002
    """``log(1 / (1 + exp(-x)))``, computed without overflow."""
    return LogSigmoid()(input)


def softmin(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """``softmax(-input, dim)``.

    Raises:
        IndexError: ``dim`` out of range.
        NotImplementedError: a ``dtype`` other than the input's.
    """
    x = as_input(input)
    return F.softmax(-x, axis=_softmax_dim("softmin", x, dim, dtype))


def softsign(input):  # noqa: A002
    """``x / (1 + |x|)``."""
    x = as_input(input)
    return x / (F.abs(x) + 1.0)


def tanhshrink(input):  # noqa: A002
    """``x - tanh(x)``."""
    x = as_input(input)
    return x - tanh(x)


class _Masked(Function):
    """``where(keep, x - shift, fill)``; the derivative is 1 where kept, 0 elsewhere."""

    def __init__(self, keep, shift, fill):
        self.keep, self.shift, self.fill = keep, shift, fill

    def forward(self, x):
        xp = backend.get_array_module(x)
        kept = x if self.shift is None else x - self.shift
        return xp.where(self.keep, kept, x.dtype.type(self.fill)).astype(x.dtype, copy=False)

    def backward(self, gy):
        return gy * _mask(self.keep, gy.dtype)


def threshold(input, threshold, value, inplace=False):  # noqa: A002
    """``x`` where ``x > threshold``, ``value`` elsewhere (gradient 0 there)."""
    x = as_input(input)
    return _Masked(x.data > threshold, None, value)(x)


def hardshrink(input, lambd=0.5):  # noqa: A002
    """``x`` where ``|x| > lambd``, 0 elsewhere."""
    x = as_input(input)
    return _Masked(backend.get_array_module(x.data).abs(x.data) > lambd, None, 0)(x)


def softshrink(input, lambd=0.5):  # noqa: A002
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, 0 between.

    Raises:
        ValueError: a negative ``lambd``.
    """
    if not lambd >= 0:
        raise ValueError(f"softshrink: lambd must be at least 0, got {lambd!r}")
    x = as_input(input)
    xp = backend.get_array_module(x.data)
    shift = xp.sign(x.data).astype(x.dtype, copy=False) * x.dtype.type(lambd)
    return _Masked(xp.abs(x.data) > lambd, shift, 0)(x)
