"""Upsample (resize the spatial axes by nearest or linear interpolation) and
PixelShuffle / PixelUnshuffle (trade channels for resolution, sub-pixel convolution)."""
from framework.nn import functional as NF
from framework.nn.functional._resample import _factor
from framework.nn.module import Module

__all__ = ["Upsample", "PixelShuffle", "PixelUnshuffle"]


class Upsample(Module):
    """Resize ``(N, C, L)`` or ``(N, C, H, W)`` inputs (``F.interpolate`` as a layer).

    Args:
        size: the output size, or
        scale_factor: a multiplier (exactly one of the two).
        mode: "nearest" (default), "nearest-exact", "linear" or "bilinear".
        align_corners: for the linear modes.
        recompute_scale_factor: compute the coordinates from the output size.

    Raises:
        ValueError: both or neither of ``size`` and ``scale_factor``.
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        if (size is None) == (scale_factor is None):
            raise ValueError("Upsample: give exactly one of size and scale_factor")
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, x):
        return NF.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                              self.recompute_scale_factor)

    def extra_repr(self):
        what = f"size={self.size}" if self.size is not None else \
            f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"


class PixelShuffle(Module):
    """Rearrange ``(*, C * r**2, H, W)`` into ``(*, C, H * r, W * r)`` with
    ``r = upscale_factor`` (``F.pixel_shuffle`` as a layer): after a convolution with
    ``C * r**2`` output channels it upsamples by ``r`` (super-resolution's sub-pixel
    convolution).

    Args:
        upscale_factor: r, a positive int.

    Raises:
        ValueError: a factor that is not a positive int; at call time, channels not
            divisible by ``r**2``.
    """

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = _factor("PixelShuffle", "upscale_factor", upscale_factor)

    def forward(self, x):
        return NF.pixel_shuffle(x, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """Rearrange ``(*, C, H * r, W * r)`` into ``(*, C * r**2, H, W)`` with
    ``r = downscale_factor``: the inverse of :class:`PixelShuffle`.

    Args:
        downscale_factor: r, a positive int.

    Raises:
        ValueError: a factor that is not a positive int; at call time, a height or
            width not divisible by ``r``.
    """

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = _factor("PixelUnshuffle", "downscale_factor",
                                        downscale_factor)

    def forward(self, x):
        return NF.pixel_unshuffle(x, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"
