"""DeZero's optimizers (``from framework import optimizers``) on ``framework.optim``.

DeZero's way: ``optimizer = optimizers.SGD(lr).setup(model)`` then
``optimizer.update()`` after each backward pass; hooks (``WeightDecay``, ``ClipGrad``,
``FreezeParam``) run on the parameters that have a gradient before each update.  The
update rules and defaults are DeZero's (``SGD()``'s lr is 0.01; Adam takes ``alpha`` and
its ``lr`` property is the bias-corrected step size), which differ from PyTorch's
``framework.optim`` (e.g. ``optim.SGD`` needs ``params`` first; ``optim.Adam`` adds eps
after bias correction).  The parameters are read from the target at every update, as
DeZero does, so layers sized at their first call are trained too.

To write your own, subclass :class:`Optimizer` and implement ``update_one(param)``.
"""
import math
import numbers

from framework import backend
from framework.core import Parameter
from framework.optim.optimizer import Optimizer as _TorchStyleOptimizer

__all__ = ["Optimizer", "SGD", "MomentumSGD", "AdaGrad", "AdaDelta", "Adam",
           "WeightDecay", "ClipGrad", "FreezeParam"]


def _check_number(value, name, owner):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"optimizers.{owner}: {name} must be a number, got {type(value).__name__}; "
            f"DeZero's optimizers take the hyper-parameters and then .setup(model) (for "
            f"PyTorch's {owner}(params, lr=...) use framework.optim)")
    if value < 0:
        raise ValueError(f"optimizers.{owner}: {name} must be >= 0, got {value}")
    return value


class Optimizer(_TorchStyleOptimizer):
    """DeZero's optimizer base: ``setup(target)``, ``update()``, ``add_hook(f)``.

    Attributes:
        target: the model given to ``setup``.
        hooks: the functions ``f(params)`` run before each update.
    """

    def __init__(self):
        super().__init__(None, {})
        self.target = None
        self.hooks = self._hooks  # DeZero's attribute name: the same list

    def setup(self, target):
        """Optimize ``target``'s parameters (a Layer/Module or an iterable); returns self."""
        self.target = target
        super().setup(target)
        return self

    def _current_params(self):
        target = self.target
        if target is None:
            raise RuntimeError(f"{type(self).__name__}.update() before setup(): call "
                               f"optimizer.setup(model) first")
        if hasattr(target, "params") and callable(target.params):
            return list(target.params())
        if hasattr(target, "parameters") and callable(target.parameters):
            return list(target.parameters())
        return list(target)

    def step(self, closure=None):
        params = self._current_params()
        known = self.param_groups[0]["params"] if self.param_groups else []
        if [id(p) for p in params] != [id(p) for p in known]:
            # The model changed since setup (DeZero reads params() at every update).
            state = self.state
            self.param_groups = []
            self.add_param_group({"params": params})
            self.state = {p: s for p, s in state.items() if any(p is q for q in params)}
        return super().step(closure)

    def _update(self, p, grad, state, group):
        self.update_one(p)

    def update_one(self, param):
        """Update one parameter in place from ``param.grad``; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_one(param)")

    def _slots(self, param, *names):
        """The per-parameter arrays ``names`` (zeros like the parameter at first)."""
        state = self.state.setdefault(param, {})
        if names[0] not in state:
            xp = backend.get_array_module(param.data)
            for name in names:
                state[name] = xp.zeros_like(param.data)
        return [state[name] for name in names]


class SGD(Optimizer):
    """``param -= lr * grad`` (DeZero's default lr 0.01)."""

    def __init__(self, lr=0.01):
        super().__init__()
        self.lr = _check_number(lr, "lr", "SGD")

    def update_one(self, param):
        param.data -= self.lr * param.grad.data


class MomentumSGD(Optimizer):
    """``v = momentum * v - lr * grad; param += v``."""

    def __init__(self, lr=0.01, momentum=0.9):
        super().__init__()
        self.lr = _check_number(lr, "lr", "MomentumSGD")
        self.momentum = _check_number(momentum, "momentum", "MomentumSGD")

    def update_one(self, param):
        v, = self._slots(param, "v")
        v *= self.momentum
        v -= self.lr * param.grad.data
        param.data += v


class AdaGrad(Optimizer):
    """``h += grad**2; param -= lr * grad / (sqrt(h) + eps)``."""

    def __init__(self, lr=0.001, eps=1e-8):
        super().__init__()
        self.lr = _check_number(lr, "lr", "AdaGrad")
        self.eps = _check_number(eps, "eps", "AdaGrad")

    def update_one(self, param):
        xp = backend.get_array_module(param.data)
        h, = self._slots(param, "h")
        grad = param.grad.data
        h += grad * grad
        param.data -= self.lr * grad / (xp.sqrt(h) + self.eps)


class AdaDelta(Optimizer):
    """Zeiler's AdaDelta with DeZero's rho and eps (no learning rate)."""

    def __init__(self, rho=0.95, eps=1e-6):
        super().__init__()
        self.rho = _check_number(rho, "rho", "AdaDelta")
        self.eps = _check_number(eps, "eps", "AdaDelta")

    def update_one(self, param):
        xp = backend.get_array_module(param.data)
        msg, msdx = self._slots(param, "msg", "msdx")
        rho, eps, grad = self.rho, self.eps, param.grad.data
        msg *= rho
        msg += (1 - rho) * grad * grad
        dx = xp.sqrt((msdx + eps) / (msg + eps)) * grad
        msdx *= rho
        msdx += (1 - rho) * dx * dx
        param.data -= dx


class Adam(Optimizer):
    """DeZero's Adam: ``param -= lr * m / (sqrt(v) + eps)`` with the bias-corrected
    ``lr = alpha * sqrt(1 - beta2**t) / (1 - beta1**t)`` (t counts ``update()`` calls)."""

    def __init__(self, alpha=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__()
        self.t = 0
        self.alpha = _check_number(alpha, "alpha", "Adam")
        self.beta1 = _check_number(beta1, "beta1", "Adam")
        self.beta2 = _check_number(beta2, "beta2", "Adam")
        self.eps = _check_number(eps, "eps", "Adam")

    def step(self, closure=None):
        self.t += 1
        return super().step(closure)

    @property
    def lr(self):
        """The step size of the current update, bias correction included."""
        fix1 = 1. - math.pow(self.beta1, self.t)
        fix2 = 1. - math.pow(self.beta2, self.t)
        return self.alpha * math.sqrt(fix2) / fix1

    def update_one(self, param):
        xp = backend.get_array_module(param.data)
        m, v = self._slots(param, "m", "v")
        beta1, beta2, grad = self.beta1, self.beta2, param.grad.data
        m += (1 - beta1) * (grad - m)
        v += (1 - beta2) * (grad * grad - v)
        param.data -= self.lr * m / (xp.sqrt(v) + self.eps)


# --------------------------------------------------------------------------- hooks
class WeightDecay:
    """Hook: ``grad += rate * param`` (L2 regularization) before each update."""

    def __init__(self, rate):
        self.rate = _check_number(rate, "rate", "WeightDecay")

    def __call__(self, params):
        for param in params:
            param.grad.data += self.rate * param.data


class ClipGrad:
    """Hook: scale all gradients so that their global L2 norm is at most ``max_norm``."""

    def __init__(self, max_norm):
        self.max_norm = _check_number(max_norm, "max_norm", "ClipGrad")

    def __call__(self, params):
        total_norm = 0.0
        for param in params:
            total_norm += float((param.grad.data ** 2).sum())
        total_norm = math.sqrt(total_norm)
        rate = self.max_norm / (total_norm + 1e-6)
        if rate < 1:
            for param in params:
                param.grad.data *= rate


class FreezeParam:
    """Hook: drop the gradients of the given layers or parameters, so they are not updated.

    Args:
        *layers: Layers/Modules (all their parameters) or single Parameters.
    """

    def __init__(self, *layers):
        self.freeze_params = []
        for layer in layers:
            if isinstance(layer, Parameter):
                self.freeze_params.append(layer)
            elif hasattr(layer, "parameters"):
                self.freeze_params.extend(layer.parameters())
            else:
                raise TypeError(f"FreezeParam takes layers or Parameters, got "
                                f"{type(layer).__name__}")

    def __call__(self, params):
        for p in self.freeze_params:
            p.grad = None
