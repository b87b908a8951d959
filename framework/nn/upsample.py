"""Upsample: resize the spatial axes (nearest or linear interpolation)."""
from framework.nn import functional as NF
from framework.nn.module import Module

__all__ = ["Upsample"]


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
