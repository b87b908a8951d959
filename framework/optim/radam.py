"""RAdam (Liu et al., 2019): Adam with a rectified adaptive learning rate."""
import math

from framework.optim.adam import adam_step_start, check_adam_like, lerp_
from framework.optim.optimizer import Optimizer

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """PyTorch's RAdam, step for step.

    For each parameter with gradient ``g`` at step ``t`` (1, 2, ...)::

        g = g + weight_decay * p        (decoupled_weight_decay: p = p * (1 - lr * wd))
        m = m + (1 - beta1) * (g - m);  v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2 ** t / (1 - beta2 ** t)
        rho_t > 5:  r = sqrt((rho_t - 4) (rho_t - 2) rho_inf / ((rho_inf - 4) (rho_inf - 2) rho_t))
                    p = p - lr * m_hat * r * sqrt(1 - beta2 ** t) / (sqrt(v) + eps)
        otherwise:  p = p - lr * m_hat          # plain momentum while the variance is unsure

    Args:
        params: Parameters or parameter groups (see :class:`Optimizer`).
        lr: learning rate.
        betas: decay rates of the first and second moments.
        eps: added to the denominator.
        weight_decay: weight decay factor.
        decoupled_weight_decay: shrink the weights directly (as AdamW) instead of an L2
            term in the gradient.
        maximize: ascend instead of descend.

    Raises:
        ValueError: a negative lr, eps or weight_decay, or a beta outside [0, 1).

    State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq``.
    """

    def __init__(self, params=None, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, maximize=False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _check_group(self, group):
        check_adam_like(group)

    def _update(self, p, grad, state, group):
        xp, lr, eps, beta1, beta2, step, grad = adam_step_start(
            p, grad, state, group, {"exp_avg": None, "exp_avg_sq": None},
            group["decoupled_weight_decay"])
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        lerp_(exp_avg, grad, 1 - beta1)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        corrected = exp_avg / bias_correction1
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            adaptive = math.sqrt(bias_correction2) / (xp.sqrt(exp_avg_sq) + eps)
            p.data -= corrected * lr * adaptive * rect
        else:
            p.data -= corrected * lr
