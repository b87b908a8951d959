"""More activation layers (PReLU, SELU, CELU, Mish, Hardswish, Hardsigmoid, GLU, LogSigmoid,
Softmin, Softsign, Tanhshrink, Threshold, Hardshrink, Softshrink): thin Modules over
``framework.nn.functional`` with PyTorch's arguments, defaults and reprs."""
import numpy as np

from framework.nn import functional as NF
from framework.nn._utils import check_positive_int, resolve_dtype
from framework.nn.module import Module
from framework.nn.parameter import Parameter

__all__ = ["PReLU", "SELU", "CELU", "Mish", "Hardswish", "Hardsigmoid", "GLU", "LogSigmoid",
           "Softmin", "Softsign", "Tanhshrink", "Threshold", "Hardshrink", "Softshrink"]


class PReLU(Module):
    """``max(0, x) + weight * min(0, x)`` with a learned slope.

    Args:
        num_parameters: 1 (one slope shared by every channel) or the number of channels
            (axis 1 of the input).
        init: the initial slope (0.25).
        dtype: the weight's dtype (float32).
    """

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters = check_positive_int(num_parameters, "num_parameters", "PReLU")
        self.init = float(init)
        self.weight = Parameter(np.full((self.num_parameters,), self.init,
                                        dtype=resolve_dtype(dtype, "PReLU")))
        if device is not None:
            self.to(device)

    def reset_parameters(self):
        self.weight.data[...] = self.init

    def forward(self, x):
        return NF.prelu(x, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class _Inplace(Module):
    """An elementwise activation that accepts PyTorch's ``inplace`` flag (the result is
    always a new Variable, with the same values and gradients)."""

    _fn = None

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = bool(inplace)

    def forward(self, x):
        return type(self)._fn(x)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class SELU(_Inplace):
    """``scale * elu(x, alpha)`` with PyTorch's self-normalizing constants."""

    _fn = staticmethod(NF.selu)


class Mish(_Inplace):
    """``x * tanh(softplus(x))``."""

    _fn = staticmethod(NF.mish)


class Hardswish(_Inplace):
    """``x * relu6(x + 3) / 6``."""

    _fn = staticmethod(NF.hardswish)


class Hardsigmoid(_Inplace):
    """``relu6(x + 3) / 6``."""

    _fn = staticmethod(NF.hardsigmoid)


class _Plain(Module):
    _fn = None

    def forward(self, x):
        return type(self)._fn(x)


class LogSigmoid(_Plain):
    """``log(sigmoid(x))``, computed without overflow."""

    _fn = staticmethod(NF.logsigmoid)


class Softsign(_Plain):
    """``x / (1 + |x|)``."""

    _fn = staticmethod(NF.softsign)


class Tanhshrink(_Plain):
    """``x - tanh(x)``."""

    _fn = staticmethod(NF.tanhshrink)


class CELU(Module):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        if alpha == 0:
            raise ValueError("CELU: alpha cannot be 0")
        self.alpha, self.inplace = float(alpha), bool(inplace)

    def forward(self, x):
        return NF.celu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class GLU(Module):
    """The gated linear unit: ``a * sigmoid(b)`` for the halves ``a, b`` along ``dim``."""

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return NF.glu(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmin(Module):
    """``softmax(-x)`` along ``dim`` (give it; None picks PyTorch's legacy implicit axis)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return NF.softmin(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Threshold(Module):
    """``x`` where ``x > threshold``, ``value`` elsewhere."""

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, bool(inplace)

    def forward(self, x):
        return NF.threshold(x, self.threshold, self.value)

    def extra_repr(self):
        return (f"threshold={self.threshold}, value={self.value}"
                + (", inplace=True" if self.inplace else ""))


class _Shrink(Module):
    _fn = None

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, x):
        return type(self)._fn(x, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Hardshrink(_Shrink):
    """``x`` where ``|x| > lambd``, 0 elsewhere (``lambd`` 0.5)."""

    _fn = staticmethod(NF.hardshrink)


class Softshrink(_Shrink):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, 0 between."""

    _fn = staticmethod(NF.softshrink)
