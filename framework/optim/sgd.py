"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
from framework.optim.optimizer import Optimizer, elementwise

__all__ = ["SGD"]


class SGD(Optimizer):
    """PyTorch's SGD, step for step.

    For each parameter ``p`` with gradient ``g`` (negated when ``maximize``)::

        g = g + weight_decay * p
        buf = g                                   # first step
        buf = momentum * buf + (1 - dampening) * g   # later steps
        g = g + momentum * buf   if nesterov else   buf     (only when momentum != 0)
        p = p - lr * g

    Args:
        params: Parameters or parameter groups (see :class:`Optimizer`).
        lr: learning rate (PyTorch's default 1e-3).
        momentum: momentum factor.
        dampening: dampening for momentum.
        weight_decay: L2 penalty added to the gradient.
        nesterov: Nesterov momentum (needs momentum > 0 and zero dampening).
        maximize: ascend instead of descend.

    Raises:
        ValueError: a negative lr, momentum or weight_decay, or Nesterov without momentum.

    State per parameter: ``momentum_buffer`` (only when momentum != 0).
    """

    def __init__(self, params=None, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, maximize=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _check_group(self, group):
        if not group["lr"] >= 0.0:
            raise ValueError(f"Invalid learning rate: {group['lr']}")
        if not group["momentum"] >= 0.0:
            raise ValueError(f"Invalid momentum value: {group['momentum']}")
        if not group["weight_decay"] >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {group['weight_decay']}")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"Nesterov momentum requires a momentum and zero dampening, got "
                f"momentum={group['momentum']}, dampening={group['dampening']}")

    def _update(self, p, grad, state, group):
        # float() keeps numpy 2 from promoting float32 arrays when a hyper-parameter
        # arrived as a numpy float64 scalar (e.g. from a loaded checkpoint)
        lr, momentum = float(group["lr"]), float(group["momentum"])
        weight_decay = float(group["weight_decay"])
        if weight_decay != 0:
            grad = grad + weight_decay * p.data
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                buf *= momentum
                buf += (1 - float(group["dampening"])) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf

        def kernel(p_data, grad):
            p_data -= grad * lr
        elementwise(kernel, p.data, grad)  # in pieces on threads for large parameters
