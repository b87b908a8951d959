"""Batch normalization with DeZero's signature and running-statistics rule."""
from framework import backend
from framework.core import primitives as P
from framework.core.config import Config
from framework.core.function import Function
from framework.core.variable import Variable

__all__ = ["batch_norm", "BatchNorm"]


def _layout(x, what="batch_norm"):
    """Reduction axes and the broadcast shape of per-channel values for ``x``."""
    if x.ndim == 2:
        return (0,), (1, x.shape[1])
    if x.ndim == 4:
        return (0, 2, 3), (1, x.shape[1], 1, 1)
    raise ValueError(f"{what}: x must be 2-D (N, C) or 4-D (N, C, H, W), "
                     f"got shape {tuple(x.shape)}")


class BatchNorm(Function):
    """Normalize per channel, then scale by ``gamma`` and shift by ``beta``.

    In training mode (``Config.train``) the batch statistics are used and the
    running ``mean``/``var`` arrays are updated in place; in test mode the running
    statistics are used. Backward works in both modes.
    """

    def __init__(self, mean, var, decay, eps):
        self.avg_mean = mean.data if isinstance(mean, Variable) else mean
        self.avg_var = var.data if isinstance(var, Variable) else var
        self.decay, self.eps = decay, eps

    def forward(self, x, gamma, beta):
        axes, bshape = _layout(x)
        c = x.shape[1]
        for name, a in (("gamma", gamma), ("beta", beta), ("mean", self.avg_mean),
                        ("var", self.avg_var)):
            if a is None or tuple(a.shape) != (c,):
                raise ValueError(f"batch_norm: {name} must have shape ({c},) for x of shape "
                                 f"{tuple(x.shape)}, got "
                                 f"{None if a is None else tuple(a.shape)}")
        xp = backend.get_array_module(x)
        self.axes, self.bshape = axes, bshape
        self.m = x.size // c if c else 0
        # An empty batch has no statistics: it is normalized with the running ones,
        # which it leaves unchanged (a NaN update would spoil them for good).
        self.train = bool(Config.train) and self.m > 0
        if self.train:
            mu = x.mean(axis=axes, keepdims=True)
            xc = x - mu
            var = (xc * xc).mean(axis=axes, keepdims=True)
            inv_std = 1 / xp.sqrt(var + self.eps)
            xhat = xc
            xhat *= inv_std
            # Running statistics, DeZero's rule (unbiased batch variance).
            adjust = self.m / (self.m - 1) if self.m > 1 else 1.0
            self.avg_mean *= self.decay
            self.avg_mean += (1 - self.decay) * mu.reshape(c)
            self.avg_var *= self.decay
            self.avg_var += (1 - self.decay) * adjust * var.reshape(c)
        else:
            inv_std = (1 / xp.sqrt(self.avg_var + self.eps)).astype(x.dtype).reshape(bshape)
            xhat = (x - self.avg_mean.astype(x.dtype).reshape(bshape)) * inv_std
        self.inv_std, self.xhat = inv_std, xhat
        return xhat * gamma.reshape(bshape) + beta.reshape(bshape)

    def backward(self, gy):
        if not Config.enable_backprop:
            return self._backward_arrays(gy.data)
        x, gamma, _ = self.inputs
        axes, bshape, c = self.axes, self.bshape, x.shape[1]
        g = P.reshape(gamma, bshape)
        gbeta = P.sum(gy, axis=axes, keepdims=True)
        if self.train:
            # Recomputed from x so that second derivatives see x's statistics too.
            scale = 1.0 / self.m
            xc = x - P.sum(x, axis=axes, keepdims=True) * scale
            inv_std = (P.sum(xc * xc, axis=axes, keepdims=True) * scale + self.eps) ** -0.5
            xhat = xc * inv_std
            ggamma = P.sum(gy * xhat, axis=axes, keepdims=True)
            gx = (g * inv_std) * (gy - gbeta * scale - xhat * (ggamma * scale))
        else:
            xhat = (x - self.avg_mean.astype(x.dtype).reshape(bshape)) * self.inv_std
            ggamma = P.sum(gy * xhat, axis=axes, keepdims=True)
            gx = gy * (g * self.inv_std)
        return gx, P.reshape(ggamma, (c,)), P.reshape(gbeta, (c,))

    def _backward_arrays(self, gy):
        """The same gradients on arrays from the saved ``xhat`` (no graph to record)."""
        _, gamma, _ = self.inputs
        axes, bshape, c = self.axes, self.bshape, gy.shape[1]
        gbeta = gy.sum(axis=axes, keepdims=True)
        ggamma = (gy * self.xhat).sum(axis=axes, keepdims=True)
        k = gamma.data.reshape(bshape) * self.inv_std
        if self.train:
            scale = gy.dtype.type(1.0 / self.m)
            gx = gy - gbeta * scale
            gx -= self.xhat * (ggamma * scale)
            gx *= k
        else:
            gx = gy * k
        return (Variable(gx, requires_grad=False), Variable(ggamma.reshape(c), requires_grad=False),
                Variable(gbeta.reshape(c), requires_grad=False))


def batch_norm(x, gamma, beta, mean, var, decay=0.9, eps=2e-5):
    """Batch normalization (DeZero's ``batch_norm``).

    Args:
        x: ``(N, C)`` or ``(N, C, H, W)``.
        gamma, beta: ``(C,)`` scale and shift (differentiable).
        mean, var: ``(C,)`` running statistics, arrays (or Variables, whose data is
            used); updated in place in training mode:
            ``mean = decay*mean + (1-decay)*batch_mean``,
            ``var = decay*var + (1-decay)*m/(m-1)*batch_var`` with ``m`` values per channel.
        decay: the running average's weight on the old value (``1 - momentum``).
        eps: added to the variance.

    Returns:
        A Variable shaped like ``x``.

    Raises:
        ValueError: ``x`` is neither 2-D nor 4-D, or a per-channel array has the wrong shape.
    """
    return BatchNorm(mean, var, decay, eps)(x, gamma, beta)
