"""Adam and AdamW (decoupled weight decay), with PyTorch's exact update order."""

from framework import backend
from framework.optim.optimizer import Optimizer, elementwise

__all__ = ["Adam", "AdamW"]


def check_adam_like(group):
    """Validate lr, eps, betas and weight_decay as PyTorch's Adam family does.

    Raises:
        ValueError: a negative lr, eps or weight_decay, or a beta outside [0, 1).
    """
    if not group["lr"] >= 0.0:
        raise ValueError(f"Invalid learning rate: {group['lr']}")
    if not group["eps"] >= 0.0:
        raise ValueError(f"Invalid epsilon value: {group['eps']}")
    betas = group["betas"]
    if len(betas) != 2:
        raise ValueError(f"Invalid betas: expected two values, got {betas}")
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
    if not group["weight_decay"] >= 0.0:
        raise ValueError(f"Invalid weight_decay value: {group['weight_decay']}")


def lerp_(start, end, weight):
    """``start += weight * (end - start)`` in place, rounded as PyTorch's ``lerp_`` is.

    PyTorch switches formulas at weight 0.5 so that the result is exact at both ends.
    """
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)
    return start


def adam_step_start(p, grad, state, group, initial, decoupled=False):
    """The Adam family's common start of a step, for one parameter.

    Reads the group's ``lr``, ``eps``, ``betas`` and ``weight_decay``; on the first step
    fills ``state`` with ``step`` and then ``initial`` in its order (a name mapped to
    None gets zeros shaped like the parameter, any other value is stored as it is);
    counts the step; applies weight decay (``decoupled``: the parameter shrinks, as
    AdamW; otherwise L2, added to the gradient).

    Returns:
        ``(xp, lr, eps, beta1, beta2, step, grad)``.
    """
    xp = backend.get_array_module(p.data)
    lr, eps = float(group["lr"]), float(group["eps"])
    beta1, beta2 = (float(b) for b in group["betas"])
    weight_decay = float(group["weight_decay"])
    if not state:
        state["step"] = 0.0
        for name, value in initial.items():
            state[name] = xp.zeros_like(p.data) if value is None else value
    state["step"] = step = float(state["step"]) + 1.0
    if weight_decay != 0:
        if decoupled:
            p.data *= 1 - lr * weight_decay
        else:
            grad = grad + weight_decay * p.data
    return xp, lr, eps, beta1, beta2, step, grad


class Adam(Optimizer):
    """Adam (Kingma & Ba), as PyTorch computes it.

    For each parameter with gradient ``g`` at step ``t`` (1, 2, ...)::

        g = g + weight_decay * p                  # Adam: L2 penalty in the gradient
        m = m + (1 - beta1) * (g - m)             # = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_hat = max(v_hat, v)                     # amsgrad only; then v_hat replaces v
        denom = sqrt(v) / sqrt(1 - beta2 ** t) + eps   # eps after bias correction
        p = p - lr / (1 - beta1 ** t) * m / denom

    Args:
        params: Parameters or parameter groups (see :class:`Optimizer`).
        lr: learning rate.
        betas: decay rates of the first and second moment estimates.
        eps: added to the denominator for numerical stability.
        weight_decay: L2 penalty (AdamW: decoupled decay factor).
        amsgrad: use the maximum of past second moments (AMSGrad).
        maximize: ascend instead of descend.

    Raises:
        ValueError: a negative lr, eps or weight_decay, or a beta outside [0, 1).

    State per parameter: ``step`` (a float, as PyTorch's scalar tensor), ``exp_avg``,
    ``exp_avg_sq`` and, with amsgrad, ``max_exp_avg_sq``.
    """

    _decoupled = False

    def __init__(self, params=None, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, maximize=False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))

    def _check_group(self, group):
        check_adam_like(group)

    def _update(self, p, grad, state, group):
        xp, lr, eps, beta1, beta2, step, grad = adam_step_start(
            p, grad, state, group, {"exp_avg": None, "exp_avg_sq": None}, self._decoupled)
        bias_correction1 = 1 - beta1 ** step
        bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
        arrays = [p.data, grad, state["exp_avg"], state["exp_avg_sq"]]
        if group["amsgrad"]:
            if "max_exp_avg_sq" not in state:  # the first step, or amsgrad switched on
                state["max_exp_avg_sq"] = xp.zeros_like(p.data)
            arrays.append(state["max_exp_avg_sq"])

        def kernel(p_data, grad, exp_avg, exp_avg_sq, max_exp_avg_sq=None):
            lerp_(exp_avg, grad, 1 - beta1)
            exp_avg_sq *= beta2
            exp_avg_sq += (1 - beta2) * grad * grad
            second = exp_avg_sq if max_exp_avg_sq is None else \
                xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
            denom = xp.sqrt(second) / bias_correction2_sqrt
            denom += eps
            p_data -= (lr / bias_correction1) * (exp_avg / denom)
        elementwise(kernel, *arrays)  # in pieces on threads for large parameters


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as PyTorch computes it.

    Same as :class:`Adam` except that the decay shrinks the parameter before the Adam
    step instead of entering the gradient: ``p = p * (1 - lr * weight_decay)``.
    Its default ``weight_decay`` is 1e-2 (PyTorch's).
    """

    _decoupled = True

    def __init__(self, params=None, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize)
