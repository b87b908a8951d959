"""Convolution layers: Conv2d and ConvTranspose2d (PyTorch's layouts and defaults)."""
import math

import numpy as np

import framework.functions as F
from framework.nn import functional as NF
from framework.nn import init
from framework.nn._utils import check_positive_int, pair, resolve_dtype, uniform_bound
from framework.nn.module import Module
from framework.nn.parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]


def _ntuple(value, n, name, owner, minimum):
    if n == 2:
        return pair(value, name, owner, minimum)
    vals = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if len(vals) != 1:
        raise ValueError(f"{owner}: {name} must be an int or a 1-tuple, got {value!r}")
    return (check_positive_int(vals[0], name, owner, minimum),)


class _ConvNd(Module):
    """Shared parameters and initialization of the convolutions."""

    _dims = 2

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, bias,
                 weight_shape, dtype, dilation=1, groups=1, padding_mode="zeros"):
        super().__init__()
        name = type(self).__name__
        n = self._dims
        self.in_channels = check_positive_int(in_channels, "in_channels", name)
        self.out_channels = check_positive_int(out_channels, "out_channels", name)
        self.kernel_size = _ntuple(kernel_size, n, "kernel_size", name, 1)
        self.stride = _ntuple(stride, n, "stride", name, 1)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"{name}: padding must be an int, a tuple, 'valid' or "
                                 f"'same', got {padding!r}")
            self.padding = padding
        else:
            self.padding = _ntuple(padding, n, "padding", name, 0)
        self.dilation = _ntuple(dilation, n, "dilation", name, 1)
        self.groups = check_positive_int(groups, "groups", name)
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels={in_channels} and out_channels="
                             f"{out_channels} must both be divisible by groups={groups}")
        if padding_mode != "zeros":
            raise NotImplementedError(f"{name}: padding_mode={padding_mode!r} is not "
                                      f"supported; pad with F.pad(x, ..., mode=...) first and "
                                      f"use padding=0")
        self.padding_mode = padding_mode
        dt = resolve_dtype(dtype, name)
        self.weight = Parameter(np.empty(weight_shape + self.kernel_size, dtype=dt))
        if bias:
            self.bias = Parameter(np.empty((self.out_channels,), dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: kaiming-uniform(a=sqrt(5)) weight, U(+-1/sqrt(fan_in)) bias.

        fan_in comes from the weight's second axis times the kernel area, for the
        transposed convolution too (as PyTorch computes it).
        """
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight.shape)
            bound = uniform_bound(fan_in)
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * self._dims:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self._dims:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if getattr(self, "output_padding", (0, 0)) != (0, 0):
            text += f", output_padding={self.output_padding}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation, as PyTorch).

    Args:
        in_channels, out_channels: channel counts.
        kernel_size, stride, dilation: an int or a pair ``(h, w)``.
        padding: an int, a pair, "valid" or "same".
        groups: independent channel groups (both channel counts divisible by it).
        bias: whether to learn an additive bias.
        padding_mode: "zeros" (others raise NotImplementedError naming ``F.pad``).
        dtype: floating dtype of the parameters (float32 by default).

    Attributes:
        weight: ``(out_channels, in_channels / groups, kh, kw)``.
        bias: ``(out_channels,)`` or None.

    Shape:
        ``(N, C_in, H, W) -> (N, C_out, H_out, W_out)`` with
        ``H_out = (H + 2*padding - dilation*(kh - 1) - 1) // stride + 1``.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, bias,
                         (out_channels, in_channels // groups), dtype, dilation, groups,
                         padding_mode)
        if device is not None:
            self.to(device)

    def forward(self, x):
        if self.dilation == (1, 1) and self.groups == 1 and not isinstance(self.padding, str):
            return F.conv2d(x, self.weight, self.bias, stride=self.stride, pad=self.padding)
        return NF.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                         self.groups)


class Conv1d(_ConvNd):
    """1-D convolution over ``(N, C_in, L)`` (PyTorch's layout and initialization).

    Args: as :class:`Conv2d`, with single ints.

    Attributes:
        weight: ``(out_channels, in_channels / groups, k)``.
        bias: ``(out_channels,)`` or None.

    Shape:
        ``(N, C_in, L) -> (N, C_out, L_out)``,
        ``L_out = (L + 2*padding - dilation*(k - 1) - 1) // stride + 1``.
    """

    _dims = 1

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", device=None,
                 dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, bias,
                         (out_channels, in_channels // groups), dtype, dilation, groups,
                         padding_mode)
        if device is not None:
            self.to(device)

    def forward(self, x):
        return NF.conv1d(x, self.weight, self.bias, self.stride, self.padding, self.dilation,
                         self.groups)


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution (the gradient of Conv2d with respect to its input).

    Args:
        in_channels, out_channels: channel counts.
        kernel_size, stride, padding: an int or a pair ``(h, w)``.
        output_padding: extra size added to one side of the output (``< stride``).
        groups, dilation, padding_mode: PyTorch's positions; only 1, 1 and "zeros".
        bias: whether to learn an additive bias.
        device: where the parameters live (``"cpu"``, ``"cuda"``).
        dtype: floating dtype of the parameters (float32 by default).

    Attributes:
        weight: ``(in_channels, out_channels, kh, kw)`` (PyTorch's layout).
        bias: ``(out_channels,)`` or None.

    Shape:
        ``(N, C_in, H, W) -> (N, C_out, H_out, W_out)`` with
        ``H_out = (H - 1)*stride - 2*padding + kh + output_padding``.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        # PyTorch's positional order (groups before bias); the others are not built yet
        for name, value, plain in (("groups", groups, 1), ("dilation", dilation, 1),
                                   ("padding_mode", padding_mode, "zeros")):
            if value != plain and not (name == "dilation" and value in ((1, 1), [1, 1])):
                raise ValueError(f"ConvTranspose2d: only {name}={plain!r} is supported, "
                                 f"got {value!r}")
        self.output_padding = pair(output_padding, "output_padding", "ConvTranspose2d", 0)
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose2d: padding must be an int or a pair, got "
                             f"{padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, bias,
                         (in_channels, out_channels), dtype)
        for op, s in zip(self.output_padding, self.stride):
            if op >= s:
                raise ValueError(f"ConvTranspose2d: output_padding {self.output_padding} must "
                                 f"be smaller than stride {self.stride}")
        if device is not None:
            self.to(device)

    def output_size(self, h, w):
        """The spatial output size for an ``h x w`` input."""
        return tuple((n - 1) * s - 2 * p + k + op for n, s, p, k, op in
                     zip((h, w), self.stride, self.padding, self.kernel_size,
                         self.output_padding))

    def forward(self, x):
        outsize = self.output_size(x.shape[2], x.shape[3]) if x.ndim == 4 else None
        return F.deconv2d(x, self.weight, self.bias, stride=self.stride, pad=self.padding,
                          outsize=outsize)
