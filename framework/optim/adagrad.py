"""AdaGrad (Duchi et al.): per-coordinate steps shrinking with the summed squared gradients."""
from framework import backend
from framework.optim.optimizer import Optimizer

__all__ = ["AdaGrad", "Adagrad"]


class AdaGrad(Optimizer):
    """PyTorch's Adagrad, step for step (also importable as ``Adagrad``).

    For each parameter with gradient ``g`` at step ``t`` (1, 2, ...)::

        g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        sum = sum + g * g
        p = p - clr * g / (sqrt(sum) + eps)

    Args:
        params: Parameters or parameter groups (see :class:`Optimizer`).
        lr: learning rate.
        lr_decay: learning rate decay per step.
        weight_decay: L2 penalty added to the gradient.
        initial_accumulator_value: starting value of ``sum``.
        eps: added to the denominator (after the square root).
        maximize: ascend instead of descend.

    Raises:
        ValueError: a negative lr, lr_decay, weight_decay, initial_accumulator_value or eps.

    State per parameter (created at construction, as PyTorch does): ``step``, ``sum``.
    """

    def __init__(self, params=None, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, maximize=False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))

    def _check_group(self, group):
        for key, label in (("lr", "learning rate"), ("lr_decay", "lr_decay value"),
                           ("weight_decay", "weight_decay value"),
                           ("initial_accumulator_value", "initial_accumulator_value value"),
                           ("eps", "epsilon value")):
            if not group[key] >= 0.0:
                raise ValueError(f"Invalid {label}: {group[key]}")

    def _init_state(self, p, group):
        if p.data is None:
            return
        xp = backend.get_array_module(p.data)
        state = self.state.setdefault(p, {})
        state["step"] = 0.0
        state["sum"] = xp.full_like(p.data, float(group["initial_accumulator_value"]))

    def _update(self, p, grad, state, group):
        if not state:  # a parameter whose data arrived after construction (lazy layers)
            self._init_state(p, group)
            state = self.state[p]
        lr, lr_decay = float(group["lr"]), float(group["lr_decay"])
        weight_decay, eps = float(group["weight_decay"]), float(group["eps"])
        state["step"] = step = float(state["step"]) + 1.0
        if weight_decay != 0:
            grad = grad + weight_decay * p.data
        clr = lr / (1 + (step - 1) * lr_decay)
        state_sum = state["sum"]
        state_sum += grad * grad
        std = backend.get_array_module(p.data).sqrt(state_sum)
        std += eps
        p.data -= clr * (grad / std)


Adagrad = AdaGrad
