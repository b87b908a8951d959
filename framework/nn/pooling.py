"""Pooling layers: MaxPool2d and AvgPool2d (PyTorch's defaults: stride = kernel_size)."""
import framework.functions as F
from framework.nn._utils import pair
from framework.nn.module import Module

__all__ = ["MaxPool2d", "AvgPool2d"]


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

    Shape:
        ``(N, C, H, W) -> (N, C, (H + 2*padding - k) // stride + 1, ...)``.
    """

    def forward(self, x):
        return F.pooling(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    """2-D average pooling; padded zeros count in the mean (PyTorch's default
    ``count_include_pad=True``).

    Args:
        kernel_size, stride, padding: as MaxPool2d.
    """

    def forward(self, x):
        return F.average_pooling(x, self.kernel_size, self.stride, self.padding)
