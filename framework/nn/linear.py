"""Affine layers: Linear, and Identity (a placeholder that returns its input)."""
import math

import numpy as np

import framework.functions as F
from framework.nn import init
from framework.nn._utils import check_positive_int, resolve_dtype, uniform_bound
from framework.nn.module import Module
from framework.nn.parameter import Parameter

__all__ = ["Identity", "Linear"]


class Identity(Module):
    """Return the input unchanged (arguments are accepted and ignored, as PyTorch)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Linear(Module):
    """``y = x W^T + b`` with PyTorch's layout and initialization.

    Args:
        in_features: size of each input's last axis.
        out_features: size of each output's last axis.
        bias: whether to learn an additive bias.
        device: where the parameters live (``"cpu"``, ``"cuda"``).
        dtype: floating dtype of the parameters (float32 by default).

    Attributes:
        weight: Parameter of shape ``(out_features, in_features)``, initialized
            kaiming-uniform with ``a=sqrt(5)`` (i.e. U(-1/sqrt(in), 1/sqrt(in))).
        bias: Parameter of shape ``(out_features,)``, U(-1/sqrt(in), 1/sqrt(in)), or None.

    Shape:
        ``(*, in_features) -> (*, out_features)``.
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = check_positive_int(in_features, "in_features", "Linear", 0)
        self.out_features = check_positive_int(out_features, "out_features", "Linear", 0)
        dt = resolve_dtype(dtype, "Linear")
        self.weight = Parameter(np.empty((out_features, in_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((out_features,), dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self):
        """Re-draw the parameters as PyTorch does (from numpy's global generator)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = uniform_bound(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        # PyTorch's (out, in) weight, used as it is stored: its gradient comes back in
        # the same memory order, so the optimizer's update runs over contiguous arrays.
        return F.linear_out_in(x, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
