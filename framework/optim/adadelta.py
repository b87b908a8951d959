"""Adadelta (Zeiler, 2012): steps scaled by the ratio of running RMS values."""
from framework import backend
from framework.optim.optimizer import Optimizer, elementwise

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """PyTorch's Adadelta, step for step.

    For each parameter with gradient ``g``::

        g = g + weight_decay * p
        v = rho * v + (1 - rho) * g * g                      # square_avg
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta              # acc_delta
        p = p - lr * delta

    Args:
        params: Parameters or parameter groups (see :class:`Optimizer`).
        lr: a factor on the step (PyTorch's default 1.0).
        rho: decay rate of the running averages.
        eps: added inside both square roots.
        weight_decay: L2 penalty added to the gradient.
        maximize: ascend instead of descend.

    Raises:
        ValueError: a negative lr, eps or weight_decay, or rho outside [0, 1].

    State per parameter: ``step``, ``square_avg``, ``acc_delta``.
    """

    def __init__(self, params=None, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _check_group(self, group):
        if not group["lr"] >= 0.0:
            raise ValueError(f"Invalid learning rate: {group['lr']}")
        if not 0.0 <= group["rho"] <= 1.0:
            raise ValueError(f"Invalid rho value: {group['rho']} (expected 0 <= rho <= 1)")
        if not group["eps"] >= 0.0:
            raise ValueError(f"Invalid epsilon value: {group['eps']}")
        if not group["weight_decay"] >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {group['weight_decay']}")

    def _update(self, p, grad, state, group):
        xp = backend.get_array_module(p.data)
        lr, rho, eps = float(group["lr"]), float(group["rho"]), float(group["eps"])
        weight_decay = float(group["weight_decay"])
        if not state:
            state["step"] = 0.0
            state["square_avg"] = xp.zeros_like(p.data)
            state["acc_delta"] = xp.zeros_like(p.data)
        state["step"] = float(state["step"]) + 1.0
        if weight_decay != 0:
            grad = grad + weight_decay * p.data
        one_minus_rho = 1 - rho

        def kernel(p_data, grad, square_avg, acc_delta):
            # The formulas above, in place and in the same order of operations (the
            # same bits), through one scratch array instead of a temporary per step.
            tmp = xp.multiply(grad, one_minus_rho)
            tmp *= grad
            square_avg *= rho
            square_avg += tmp
            xp.add(square_avg, eps, out=tmp)
            xp.sqrt(tmp, out=tmp)                   # std
            delta = xp.add(acc_delta, eps)
            xp.sqrt(delta, out=delta)
            delta /= tmp
            delta *= grad
            xp.multiply(delta, one_minus_rho, out=tmp)
            tmp *= delta
            acc_delta *= rho
            acc_delta += tmp
            xp.multiply(delta, lr, out=tmp)
            p_data -= tmp
        elementwise(kernel, p.data, grad, state["square_avg"], state["acc_delta"])
