"""Smooth activations: gelu (exact and tanh form), silu, elu, softplus, and erf.

Each is one Function whose backward is written in Variable operations, so
``backward(create_graph=True)`` gives higher derivatives. ``erf`` is computed on the
array backend itself (numpy has none): a positive power series near 0 and a continued
fraction for the tail, both accurate to about 1e-15.
"""
import math

from framework import backend
from framework.core.function import Function
from framework.core.primitives import exp
from framework.functions.activation import sigmoid, sigmoid_array
from framework.functions.math import tanh

__all__ = ["erf", "normal_cdf", "gelu", "silu", "elu", "softplus",
           "Erf", "NormalCdf", "GELU", "GELUTanh", "SiLU", "ELU", "Softplus"]

_SQRT_PI = math.sqrt(math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_SERIES_LIMIT = 2.5  # below: the series (35 terms); above: the continued fraction (25)


def erf_array(x):
    """The error function of a floating array, elementwise (relative error ~1e-15).

    For ``|x| < 2.5``: ``erf(a) = 2/sqrt(pi) exp(-a^2) sum_n 2^n a^(2n+1) / (2n+1)!!``,
    a series of positive terms (no cancellation). Above: ``erfc(a) = exp(-a^2) /
    (sqrt(pi) K(a))`` with the continued fraction ``K(a) = a + (1/2)/(a + 1/(a + ...))``.
    """
    xp = backend.get_array_module(x)
    a = xp.abs(x)
    small = xp.minimum(a, _SERIES_LIMIT)
    a2 = small * small
    term = small.copy()
    total = small.copy()
    for n in range(1, 35):
        term *= a2 * (2.0 / (2 * n + 1))
        total += term
    out = total * xp.exp(-a2) * (2.0 / _SQRT_PI)
    big = a > _SERIES_LIMIT
    if big.any():
        b = a[big]
        k_frac = b.copy()
        for k in range(25, 0, -1):
            k_frac = b + (k / 2.0) / k_frac
        out[big] = 1.0 - xp.exp(-b * b) / (_SQRT_PI * k_frac)
    return xp.copysign(out, x).astype(x.dtype, copy=False)


class Erf(Function):
    def forward(self, x):
        return erf_array(x)

    def backward(self, gy):
        x, = self.inputs
        return gy * exp(-(x * x)) * (2.0 / _SQRT_PI)


class NormalCdf(Function):
    """``Phi(x) = (1 + erf(x / sqrt(2))) / 2``, the standard normal distribution function."""

    def forward(self, x):
        return 0.5 * (1.0 + erf_array(x * (1.0 / math.sqrt(2.0))))

    def backward(self, gy):
        x, = self.inputs
        return gy * exp(x * x * -0.5) * _INV_SQRT_2PI


class GELU(Function):
    """``x * Phi(x)``; the derivative is ``Phi(x) + x * phi(x)``."""

    def forward(self, x):
        return x * (0.5 * (1.0 + erf_array(x * (1.0 / math.sqrt(2.0)))))

    def backward(self, gy):
        x, = self.inputs
        return gy * (NormalCdf()(x) + x * exp(x * x * -0.5) * _INV_SQRT_2PI)


class GELUTanh(Function):
    """``x/2 * (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`` (PyTorch's approximate='tanh')."""

    def forward(self, x):
        xp = backend.get_array_module(x)
        u = _SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1.0 + xp.tanh(u))

    def backward(self, gy):
        x, = self.inputs
        x2 = x * x
        t = tanh((x + x2 * x * 0.044715) * _SQRT_2_OVER_PI)
        du = (x2 * (3 * 0.044715) + 1.0) * _SQRT_2_OVER_PI
        return gy * ((t + 1.0) * 0.5 + x * 0.5 * (1.0 - t * t) * du)


class SiLU(Function):
    """``x * sigmoid(x)``; the derivative is ``s (1 + x (1 - s))``."""

    def forward(self, x):
        return x * sigmoid_array(x)

    def backward(self, gy):
        x, = self.inputs
        s = sigmoid(x)
        return gy * s * (1.0 + x * (1.0 - s))


class ELU(Function):
    """``x`` where positive, ``alpha (exp(x) - 1)`` elsewhere."""

    def __init__(self, alpha):
        self.alpha = alpha

    def forward(self, x):
        xp = backend.get_array_module(x)
        return xp.where(x > 0, x, self.alpha * xp.expm1(xp.minimum(x, 0)))

    def backward(self, gy):
        x, = self.inputs
        pos = (x.data > 0).astype(x.dtype)
        # Below 0 the derivative is alpha exp(x) (= y + alpha), written on x so that
        # the second derivative sees it.
        return gy * (pos + exp(x * (1.0 - pos)) * ((1.0 - pos) * self.alpha))


class Softplus(Function):
    """``log(1 + exp(beta x)) / beta``, the identity where ``beta x > threshold``."""

    def __init__(self, beta, threshold):
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        xp = backend.get_array_module(x)
        z = x * self.beta
        soft = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / self.beta
        return xp.where(z > self.threshold, x, soft).astype(x.dtype, copy=False)

    def backward(self, gy):
        x, = self.inputs
        above = (x.data * self.beta > self.threshold).astype(x.dtype)
        return gy * (sigmoid(x * self.beta) * (1.0 - above) + above)


def erf(x):
    """The Gauss error function, elementwise (differentiable)."""
    return Erf()(x)


def normal_cdf(x):
    """The standard normal distribution function ``Phi(x)``, elementwise."""
    return NormalCdf()(x)


def gelu(x, approximate="none"):
    """Gaussian error linear unit ``x * Phi(x)``.

    Args:
        x: Variable or array.
        approximate: "none" (exact, with erf) or "tanh" (the tanh approximation).

    Raises:
        ValueError: another ``approximate``.
    """
    if approximate == "none":
        return GELU()(x)
    if approximate == "tanh":
        return GELUTanh()(x)
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(x):
    """Sigmoid linear unit (swish) ``x * sigmoid(x)``."""
    return SiLU()(x)


def elu(x, alpha=1.0):
    """Exponential linear unit: ``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere."""
    return ELU(alpha)(x)


def softplus(x, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * x)) / beta``, computed stably; linear where ``beta*x > threshold``.

    Raises:
        ValueError: ``beta`` is 0.
    """
    if beta == 0:
        raise ValueError("softplus: beta must be nonzero, got 0")
    return Softplus(beta, threshold)(x)
