"""Pooling layers: max, average and adaptive average pooling in 1-D and 2-D
(PyTorch's defaults: stride = kernel_size)."""
import framework.functions as F
from framework.nn import functional as NF
from framework.nn._utils import check_positive_int, pair
from framework.nn.module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d",
           "AdaptiveAvgPool2d", "AdaptiveMaxPool2d"]


class _Pool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        name = type(self).__name__
        self.kernel_size = pair(kernel_size, "kernel_size", name, 1)
        self.stride = self.kernel_size if stride is None else pair(stride, "stride", name, 1)
        self.padding = pair(padding, "padding", name, 0)
        for p, k in zip(self.padding, self.kernel_size):
            if 2 * p > k:
                raise ValueError(f"{name}: padding {self.padding} must be at most half the "
                                 f"kernel size {self.kernel_size}")

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """2-D max pooling; padding never wins a max.

    Args:
        kernel_size: an int or a pair.
        stride: defaults to ``kernel_size`` (PyTorch), unlike ``F.pooling``'s 1.
        padding: an int or a pair, at most half the kernel.
        dilation, return_indices: only the defaults (others raise NotImplementedError).
        ceil_mode: round the output size up (a last, partial window).

    Shape:
        ``(N, C, H, W) -> (N, C, (H + 2*padding - k) // stride + 1, ...)``.
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__(kernel_size, stride, padding)
        if dilation not in (1, (1, 1)) or return_indices:
            raise NotImplementedError("MaxPool2d: dilation other than 1 and "
                                      "return_indices=True are not supported")
        self.ceil_mode = bool(ceil_mode)

    def forward(self, x):
        if self.ceil_mode:
            return NF.max_pool2d(x, self.kernel_size, self.stride, self.padding,
                                 ceil_mode=True)
        return F.pooling(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    """2-D average pooling; padded zeros count in the mean unless
    ``count_include_pad=False``.

    Args:
        kernel_size, stride, padding: as MaxPool2d.
        count_include_pad: count padded zeros in the divisor (True, PyTorch's default).
        divisor_override: divide every window sum by this instead.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__(kernel_size, stride, padding)
        if ceil_mode:
            raise NotImplementedError("AvgPool2d: ceil_mode=True is not supported; pad the "
                                      "input so the windows fit")
        self.count_include_pad = bool(count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, x):
        if self.count_include_pad and self.divisor_override is None:
            return F.average_pooling(x, self.kernel_size, self.stride, self.padding)
        return NF.avg_pool2d(x, self.kernel_size, self.stride, self.padding,
                             count_include_pad=self.count_include_pad,
                             divisor_override=self.divisor_override)


class _Pool1d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        name = type(self).__name__
        self.kernel_size = check_positive_int(_one(kernel_size), "kernel_size", name)
        self.stride = self.kernel_size if stride is None else check_positive_int(
            _one(stride), "stride", name)
        self.padding = check_positive_int(_one(padding), "padding", name, 0)
        if 2 * self.padding > self.kernel_size:
            raise ValueError(f"{name}: padding {self.padding} must be at most half the kernel "
                             f"size {self.kernel_size}")

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


def _one(value):
    return value[0] if isinstance(value, (tuple, list)) and len(value) == 1 else value


class MaxPool1d(_Pool1d):
    """1-D max pooling over ``(N, C, L)``; ``stride`` defaults to ``kernel_size``."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__(kernel_size, stride, padding)
        if _one(dilation) != 1 or return_indices:
            raise NotImplementedError("MaxPool1d: dilation other than 1 and "
                                      "return_indices=True are not supported")
        self.ceil_mode = bool(ceil_mode)

    def forward(self, x):
        return NF.max_pool1d(x, self.kernel_size, self.stride, self.padding,
                             ceil_mode=self.ceil_mode)


class AvgPool1d(_Pool1d):
    """1-D average pooling over ``(N, C, L)``; ``stride`` defaults to ``kernel_size``."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__(kernel_size, stride, padding)
        if ceil_mode:
            raise NotImplementedError("AvgPool1d: ceil_mode=True is not supported; pad the "
                                      "input so the windows fit")
        self.count_include_pad = bool(count_include_pad)

    def forward(self, x):
        return NF.avg_pool1d(x, self.kernel_size, self.stride, self.padding,
                             count_include_pad=self.count_include_pad)


class AdaptiveAvgPool1d(Module):
    """Average pooling of ``(N, C, L)`` to ``(N, C, output_size)`` (PyTorch's windows)."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x):
        return NF.adaptive_avg_pool1d(x, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(AdaptiveAvgPool1d):
    """Average pooling of ``(N, C, H, W)`` to ``(N, C, *output_size)``.

    Args:
        output_size: an int or a pair; None in the pair keeps that input size.
    """

    def forward(self, x):
        return NF.adaptive_avg_pool2d(x, self.output_size)


class AdaptiveMaxPool2d(Module):
    """Max pooling of ``(N, C, H, W)`` to ``(N, C, *output_size)`` (PyTorch's windows).

    Args:
        output_size: an int or a pair; None in the pair keeps that input size.
        return_indices: also return the winners' flat indices into H*W.
    """

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = bool(return_indices)

    def forward(self, x):
        return NF.adaptive_max_pool2d(x, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"
