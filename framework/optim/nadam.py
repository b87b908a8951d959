"""NAdam (Dozat, 2016): Adam with Nesterov momentum and a momentum-decay schedule."""
from framework.optim.adam import adam_step_start, check_adam_like, lerp_
from framework.optim.optimizer import Optimizer

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """PyTorch's NAdam, step for step.

    For each parameter with gradient ``g`` at step ``t`` (1, 2, ...)::

        g = g + weight_decay * p        (decoupled_weight_decay: p = p * (1 - lr * wd))
        mu_t     = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_{t+1} = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        prod = prod * mu_t                                       # mu_product
        m = m + (1 - beta1) * (g - m);  v = beta2 * v + (1 - beta2) * g * g
        denom = sqrt(v / (1 - beta2 ** t)) + eps
        p = p - lr * (1 - mu_t) / (1 - prod) * g / denom
        p = p - lr * mu_{t+1} / (1 - prod * mu_{t+1}) * m / denom

    Args:
        params: Parameters or parameter groups (see :class:`Optimizer`).
        lr: learning rate (PyTorch's default 2e-3).
        betas: decay rates of the first and second moments.
        eps: added to the denominator.
        weight_decay: weight decay factor.
        momentum_decay: the momentum schedule's rate (``psi`` in the paper).
        decoupled_weight_decay: shrink the weights directly (NAdamW) instead of an L2
            term in the gradient.
        maximize: ascend instead of descend.

    Raises:
        ValueError: a negative lr, eps, weight_decay or momentum_decay, or a beta
            outside [0, 1).

    State per parameter: ``step``, ``mu_product``, ``exp_avg``, ``exp_avg_sq``.
    """

    def __init__(self, params=None, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, maximize=False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _check_group(self, group):
        check_adam_like(group)
        if not group["momentum_decay"] >= 0.0:
            raise ValueError(f"Invalid momentum_decay value: {group['momentum_decay']}")

    def _update(self, p, grad, state, group):
        psi = float(group["momentum_decay"])
        xp, lr, eps, beta1, beta2, step, grad = adam_step_start(
            p, grad, state, group, {"mu_product": 1.0, "exp_avg": None, "exp_avg_sq": None},
            group["decoupled_weight_decay"])
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        state["mu_product"] = mu_product = float(state["mu_product"]) * mu
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        lerp_(exp_avg, grad, 1 - beta1)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        denom = xp.sqrt(exp_avg_sq / (1 - beta2 ** step))
        denom += eps
        p.data += (-lr * (1.0 - mu) / (1.0 - mu_product)) * (grad / denom)
        p.data += (-lr * mu_next / (1.0 - mu_product * mu_next)) * (exp_avg / denom)
