"""Standardization over the trailing axes: the core of layer and group normalization.

``standardize(x, ndim, eps)`` maps each slice over the last ``ndim`` axes to zero mean
and unit (biased) variance. LayerNorm applies it to the normalized shape, GroupNorm to
``(N, G, C/G * spatial)``; their affine scale and shift are ordinary products and sums.
"""
from framework import backend
from framework.core import primitives as P
from framework.core.config import Config
from framework.core.function import Function
from framework.core.variable import Variable

__all__ = ["standardize", "Standardize"]


class Standardize(Function):
    """``(x - mean) / sqrt(var + eps)`` over the last ``ndim`` axes (biased variance)."""

    def __init__(self, ndim, eps):
        self.ndim, self.eps = ndim, eps

    def forward(self, x):
        xp = backend.get_array_module(x)
        self.axes = tuple(range(x.ndim - self.ndim, x.ndim))
        mu = x.mean(axis=self.axes, keepdims=True)
        xc = x - mu
        var = (xc * xc).mean(axis=self.axes, keepdims=True)
        self.inv_std = (1.0 / xp.sqrt(var + self.eps)).astype(x.dtype, copy=False)
        return xc * self.inv_std

    def backward(self, gy):
        axes = self.axes
        if not Config.enable_backprop:
            # First order on arrays: gx = inv_std (gy - mean(gy) - y mean(gy y)).
            y = self.outputs[0]().data
            g = gy.data
            gx = g - g.mean(axis=axes, keepdims=True)
            gx -= y * (g * y).mean(axis=axes, keepdims=True)
            gx *= self.inv_std
            return Variable(gx, requires_grad=False)
        x, = self.inputs
        # Recomputed from x so that second derivatives see the statistics' dependence.
        xc = x - P.mean(x, axis=axes, keepdims=True)
        inv_std = (P.mean(xc * xc, axis=axes, keepdims=True) + self.eps) ** -0.5
        y = xc * inv_std
        return inv_std * (gy - P.mean(gy, axis=axes, keepdims=True)
                          - y * P.mean(gy * y, axis=axes, keepdims=True))


def standardize(x, ndim=1, eps=1e-5):
    """Zero mean, unit variance over the last ``ndim`` axes of ``x``.

    Args:
        x: Variable or array with at least ``ndim`` axes.
        ndim: how many trailing axes form one normalized slice.
        eps: added to the variance.

    Returns:
        A Variable shaped like ``x``.

    Raises:
        ValueError: ``ndim`` is not in ``[1, x.ndim]``.
    """
    shape = x.shape
    if not 1 <= ndim <= len(shape):
        raise ValueError(f"standardize: ndim must be in [1, {len(shape)}] for an input of "
                         f"shape {tuple(shape)}, got {ndim}")
    return Standardize(ndim, eps)(x)
