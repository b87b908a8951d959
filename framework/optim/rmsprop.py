"""RMSprop (Hinton's unpublished rule), plain, centered and with momentum."""
from framework import backend
from framework.optim.adam import lerp_
from framework.optim.optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """PyTorch's RMSprop, step for step.

    For each parameter with gradient ``g``::

        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        centered:  m = m + (1 - alpha) * (g - m);  avg = sqrt(v - m * m) + eps
        otherwise: avg = sqrt(v) + eps
        momentum > 0:  buf = momentum * buf + g / avg;  p = p - lr * buf
        otherwise:     p = p - lr * g / avg

    Args:
        params: Parameters or parameter groups (see :class:`Optimizer`).
        lr: learning rate.
        alpha: smoothing constant of the squared-gradient average.
        eps: added to the denominator (after the square root).
        weight_decay: L2 penalty added to the gradient.
        momentum: momentum factor.
        centered: normalize by an estimate of the gradient's variance.
        maximize: ascend instead of descend.

    Raises:
        ValueError: a negative lr, eps, momentum, weight_decay or alpha.

    State per parameter: ``step``, ``square_avg``, ``momentum_buffer`` (momentum > 0),
    ``grad_avg`` (centered).
    """

    def __init__(self, params=None, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, maximize=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _check_group(self, group):
        for key, label in (("lr", "learning rate"), ("eps", "epsilon value"),
                           ("momentum", "momentum value"),
                           ("weight_decay", "weight_decay value"), ("alpha", "alpha value")):
            if not group[key] >= 0.0:
                raise ValueError(f"Invalid {label}: {group[key]}")

    def _update(self, p, grad, state, group):
        xp = backend.get_array_module(p.data)
        lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
        momentum, weight_decay = float(group["momentum"]), float(group["weight_decay"])
        if not state:
            state["step"] = 0.0
            state["square_avg"] = xp.zeros_like(p.data)
        if momentum > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = xp.zeros_like(p.data)
        if group["centered"] and "grad_avg" not in state:
            state["grad_avg"] = xp.zeros_like(p.data)
        state["step"] = float(state["step"]) + 1.0
        if weight_decay != 0:
            grad = grad + weight_decay * p.data
        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = lerp_(state["grad_avg"], grad, 1 - alpha)
            avg = xp.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = xp.sqrt(square_avg)
        avg += eps
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += grad / avg
            p.data -= lr * buf
        else:
            p.data -= lr * (grad / avg)
