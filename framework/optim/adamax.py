"""Adamax (Kingma & Ba): Adam with the infinity norm in place of the second moment."""
from framework.optim.adam import adam_step_start, check_adam_like, lerp_
from framework.optim.optimizer import Optimizer

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """PyTorch's Adamax, step for step.

    For each parameter with gradient ``g`` at step ``t`` (1, 2, ...)::

        g = g + weight_decay * p
        m = m + (1 - beta1) * (g - m)                 # exp_avg
        u = max(beta2 * u, |g| + eps)                 # exp_inf
        p = p - lr / (1 - beta1 ** t) * m / u

    Args:
        params: Parameters or parameter groups (see :class:`Optimizer`).
        lr: learning rate (PyTorch's default 2e-3).
        betas: decay rates of the first moment and of the infinity norm.
        eps: added to ``|g|`` before the maximum.
        weight_decay: L2 penalty added to the gradient.
        maximize: ascend instead of descend.

    Raises:
        ValueError: a negative lr, eps or weight_decay, or a beta outside [0, 1).

    State per parameter: ``step``, ``exp_avg``, ``exp_inf``.
    """

    def __init__(self, params=None, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 maximize=False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, maximize=maximize))

    def _check_group(self, group):
        check_adam_like(group)

    def _update(self, p, grad, state, group):
        xp, lr, eps, beta1, beta2, step, grad = adam_step_start(
            p, grad, state, group, {"exp_avg": None, "exp_inf": None})
        exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
        lerp_(exp_avg, grad, 1 - beta1)
        exp_inf *= beta2
        xp.maximum(exp_inf, xp.abs(grad) + eps, out=exp_inf)
        clr = lr / (1 - beta1 ** step)
        p.data -= clr * (exp_avg / exp_inf)
