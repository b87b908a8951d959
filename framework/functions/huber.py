"""The elementwise Huber loss, quadratic near zero and linear beyond ``delta``."""
from framework import backend
from framework.core.function import Function
from framework.core.primitives import sum_to
from framework.functions.math import clip

__all__ = ["huber", "Huber"]


class Huber(Function):
    """``0.5 d^2`` where ``|d| <= delta``, else ``delta (|d| - delta/2)``, with ``d = x0 - x1``.

    The derivative with respect to ``x0`` is ``clip(d, -delta, delta)``.
    """

    def __init__(self, delta):
        self.delta = delta

    def forward(self, x0, x1):
        xp = backend.get_array_module(x0)
        d = x0 - x1
        a = xp.abs(d)
        return xp.where(a <= self.delta, 0.5 * d * d, self.delta * (a - 0.5 * self.delta))

    def backward(self, gy):
        x0, x1 = self.inputs
        g = gy * clip(x0 - x1, -self.delta, self.delta)
        g0 = sum_to(g, x0.shape) if x0.requires_grad else None
        g1 = sum_to(-g, x1.shape) if x1.requires_grad else None
        return g0, g1


def huber(x0, x1, delta=1.0):
    """The elementwise Huber loss of ``x0 - x1`` (no reduction).

    Raises:
        ValueError: ``delta`` is not positive.
    """
    if not delta > 0:
        raise ValueError(f"huber: delta must be positive, got {delta!r}")
    return Huber(delta)(x0, x1)
