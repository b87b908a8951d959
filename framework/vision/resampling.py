"""Resampling for ``transforms.Resize``: PIL's ``Image.resize`` on uint8 images and
``torch.nn.functional.interpolate`` (``align_corners=False``, with or without
antialiasing) on other arrays, as separable passes of filter taps along each axis."""
import numbers

import numpy as np

__all__ = ["InterpolationMode", "interpolation_name", "resize_image", "resize_tensor"]


class InterpolationMode:
    """torchvision's interpolation names (``InterpolationMode.BILINEAR`` ...); the
    plain strings ``"nearest"``, ``"bilinear"`` and ``"bicubic"`` are accepted too."""

    NEAREST = "nearest"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"


_PIL_RESAMPLE = {0: "nearest", 2: "bilinear", 3: "bicubic"}  # PIL's Image.NEAREST, ...


def interpolation_name(mode):
    """``mode`` (an InterpolationMode, a name or PIL's integer code) as a name."""
    if isinstance(mode, numbers.Integral) and not isinstance(mode, bool):
        mode = _PIL_RESAMPLE.get(int(mode), mode)
    mode = getattr(mode, "value", mode)
    if isinstance(mode, str) and mode.lower() in ("nearest", "bilinear", "bicubic"):
        return mode.lower()
    raise ValueError(f"Resize: interpolation should be InterpolationMode.NEAREST, BILINEAR "
                     f"or BICUBIC, got {mode!r}")


def _triangle(x):
    return np.maximum(0.0, 1.0 - np.abs(x))


def _cubic(a):
    def f(x):
        x = np.abs(x)
        near = ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
        far = (((x - 5.0) * x + 8.0) * x - 4.0) * a
        return np.where(x < 1.0, near, np.where(x < 2.0, far, 0.0))
    return f


def _aa_taps(in_size, out_size, mode):
    """PIL's (and PyTorch's antialiased) resampling taps along one axis: ``(index,
    weight)`` arrays of shape ``(out_size, k)``; the filter's support grows with the
    downscale factor, sample centres sit at half pixels, weights sum to 1."""
    filt, support = (_triangle, 1.0) if mode == "bilinear" else (_cubic(-0.5), 2.0)
    scale = in_size / out_size
    filterscale = max(scale, 1.0)
    support *= filterscale
    k = int(np.ceil(support)) * 2 + 1
    center = (np.arange(out_size) + 0.5) * scale
    xmin = np.maximum((center - support + 0.5).astype(np.int64), 0)  # int() truncates
    xmax = np.minimum((center + support + 0.5).astype(np.int64), in_size)
    j = np.arange(k)
    index = xmin[:, None] + j
    weight = filt((index - center[:, None] + 0.5) / filterscale)
    weight = np.where(index < xmax[:, None], weight, 0.0)
    total = weight.sum(axis=1, keepdims=True)
    weight = np.divide(weight, total, out=np.zeros_like(weight), where=total != 0)
    return np.minimum(index, in_size - 1), weight


def _plain_taps(in_size, out_size, mode):
    """PyTorch's ``interpolate(..., align_corners=False, antialias=False)`` taps."""
    scale = in_size / out_size
    src = (np.arange(out_size) + 0.5) * scale - 0.5
    if mode == "bilinear":
        src = np.maximum(src, 0.0)
        i0 = np.floor(src).astype(np.int64)
        t = src - i0
        index = np.stack([i0, i0 + 1], axis=1)
        weight = np.stack([1.0 - t, t], axis=1)
    else:
        i0 = np.floor(src).astype(np.int64)
        t = src - i0
        offsets = np.arange(-1, 3)
        index = i0[:, None] + offsets
        weight = _cubic(-0.75)(t[:, None] - offsets)
    return np.clip(index, 0, in_size - 1), weight


def _apply_taps(a, axis, index, weight):
    """Sum of ``weight[:, k] * a[index[:, k]]`` along ``axis``."""
    shape = [1] * a.ndim
    shape[axis] = -1
    out = None
    for k in range(index.shape[1]):
        term = np.take(a, index[:, k], axis=axis) * weight[:, k].reshape(shape)
        out = term if out is None else out + term
    return out


_PRECISION_BITS = 32 - 8 - 2  # PIL's fixed point for 8-bit images


def _pil_nearest(in_size, out_size):
    """PIL's nearest source pixels: the one under each output pixel's centre, the centres
    stepped by repeated addition of ``in / out`` as PIL does (which decides ties)."""
    scale = in_size / out_size
    steps = np.full(out_size, scale)
    steps[0] = scale * 0.5
    return np.minimum(np.cumsum(steps).astype(np.int64), in_size - 1)


def resize_image(a, out_h, out_w, mode):
    """A uint8 (H, W[, C]) image resized as PIL's ``Image.resize`` does: horizontal pass,
    then vertical, each rounding back to uint8 through 22-bit fixed-point weights."""
    if mode == "nearest":
        rows, cols = _pil_nearest(a.shape[0], out_h), _pil_nearest(a.shape[1], out_w)
        return np.ascontiguousarray(a[rows][:, cols])
    for axis, out_size in ((1, out_w), (0, out_h)):
        if a.shape[axis] == out_size:
            continue
        index, weight = _aa_taps(a.shape[axis], out_size, mode)
        w = weight * (1 << _PRECISION_BITS)
        fixed = np.where(w < 0, w - 0.5, w + 0.5).astype(np.int64)  # C's (int) truncation
        acc = _apply_taps(a.astype(np.int64), axis, index, fixed) + (1 << (_PRECISION_BITS - 1))
        a = np.clip(acc >> _PRECISION_BITS, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(a)


def _nearest_source(size, out_size):
    """interpolate's nearest: source index floor(dst * in / out), in float32 as PyTorch."""
    scaled = np.arange(out_size, dtype=np.float32) * np.float32(size / out_size)
    return np.minimum(np.floor(scaled).astype(np.int64), size - 1)


def resize_tensor(x, out_h, out_w, mode, antialias):
    """A (..., H, W) array resized as ``torch.nn.functional.interpolate`` with
    ``align_corners=False`` does (what torchvision's Resize does to tensors)."""
    dtype = x.dtype if x.dtype.kind == "f" else np.float32
    if mode == "nearest":
        h, w = x.shape[-2:]
        rows, cols = _nearest_source(h, out_h), _nearest_source(w, out_w)
        return np.ascontiguousarray(x[..., rows, :][..., cols])
    out = x.astype(dtype)
    for axis, out_size in ((x.ndim - 1, out_w), (x.ndim - 2, out_h)):
        in_size = out.shape[axis]
        if in_size == out_size:
            continue
        taps = _aa_taps if antialias else _plain_taps
        index, weight = taps(in_size, out_size, mode)
        out = _apply_taps(out, axis, index, weight.astype(dtype))
    if x.dtype == np.uint8:  # torchvision rounds (and for bicubic clamps) uint8 tensors
        out = np.clip(np.round(out), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(out.astype(x.dtype, copy=False))
