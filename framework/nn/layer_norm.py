"""LayerNorm and GroupNorm: per-sample normalization with PyTorch's parameters."""
import numpy as np

from framework.nn import functional as NF
from framework.nn import init
from framework.nn._utils import check_positive_int, resolve_dtype
from framework.nn.module import Module
from framework.nn.parameter import Parameter

__all__ = ["LayerNorm", "GroupNorm", "RMSNorm"]


def _check_eps(name, eps):
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not eps > 0:
        raise ValueError(f"{name}: eps must be a positive number, got {eps!r}")
    return float(eps)


class LayerNorm(Module):
    """Normalize over the trailing ``normalized_shape`` axes of each sample.

    Args:
        normalized_shape: an int or a tuple: the input's last axes.
        eps: added to the variance (1e-5).
        elementwise_affine: learn ``weight`` (ones) and ``bias`` (zeros) shaped
            ``normalized_shape``.
        bias: learn the bias (with ``elementwise_affine``).
        dtype: parameter dtype (float32).

    Shape:
        ``(*, *normalized_shape)``, unchanged.
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) \
            else tuple(normalized_shape)
        self.normalized_shape = tuple(check_positive_int(n, "normalized_shape", "LayerNorm")
                                      for n in shape)
        self.eps = _check_eps("LayerNorm", eps)
        self.elementwise_affine = bool(elementwise_affine)
        dt = resolve_dtype(dtype, "LayerNorm")
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dt))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dt))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if device is not None:
            self.to(device)

    def reset_parameters(self):
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, x):
        return NF.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GroupNorm(Module):
    """Normalize each group of ``num_channels / num_groups`` channels of each sample.

    Args:
        num_groups: groups (dividing ``num_channels``).
        num_channels: C.
        eps: added to the variance (1e-5).
        affine: learn per-channel ``weight`` (ones) and ``bias`` (zeros).
        dtype: parameter dtype (float32).

    Shape:
        ``(N, C, *)``, unchanged.

    Raises:
        ValueError: ``num_channels`` not divisible by ``num_groups``.
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None,
                 dtype=None):
        super().__init__()
        self.num_groups = check_positive_int(num_groups, "num_groups", "GroupNorm")
        self.num_channels = check_positive_int(num_channels, "num_channels", "GroupNorm")
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels={num_channels} must be divisible by "
                             f"num_groups={num_groups}")
        self.eps = _check_eps("GroupNorm", eps)
        self.affine = bool(affine)
        dt = resolve_dtype(dtype, "GroupNorm")
        if self.affine:
            self.weight = Parameter(np.ones(num_channels, dtype=dt))
            self.bias = Parameter(np.zeros(num_channels, dtype=dt))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if device is not None:
            self.to(device)

    def reset_parameters(self):
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def forward(self, x):
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm: expected an input (N, {self.num_channels}, ...), got "
                             f"shape {tuple(x.shape)}")
        return NF.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class RMSNorm(Module):
    """Divide by the root mean square over the trailing ``normalized_shape`` axes.

    Args:
        normalized_shape: an int or a tuple: the input's last axes.
        eps: added to the mean square; None (the default) uses the machine epsilon of
            the input's dtype, as PyTorch does.
        elementwise_affine: learn ``weight`` (ones) shaped ``normalized_shape``.
        dtype: parameter dtype (float32).

    Shape:
        ``(*, *normalized_shape)``, unchanged.
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None,
                 dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) \
            else tuple(normalized_shape)
        self.normalized_shape = tuple(check_positive_int(n, "normalized_shape", "RMSNorm")
                                      for n in shape)
        self.eps = None if eps is None else _check_eps("RMSNorm", eps)
        self.elementwise_affine = bool(elementwise_affine)
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape,
                                            dtype=resolve_dtype(dtype, "RMSNorm")))
        else:
            self.register_parameter("weight", None)
        if device is not None:
            self.to(device)

    def reset_parameters(self):
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, x):
        return NF.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
