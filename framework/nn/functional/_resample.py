"""Adaptive pooling, interpolation, pixel shuffling and padding with PyTorch's signatures.

Adaptive average pooling and linear interpolation are linear maps along each spatial
axis: a small (out, in) matrix multiplied onto that axis (``matmul``, so the gradient
and higher derivatives come for free). Nearest-neighbour resampling and the reflect /
replicate / circular paddings are index gathers (``get_item``). Pixel (un)shuffling
is a reshape, a transpose and a reshape.
"""
import math

import numpy as np

import framework.functions as F
from framework.core.variable import Variable
from framework.functions.pad import pad as _pad_constant
from framework.nn.functional._common import as_input, xp_of

__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool2d", "interpolate", "upsample",
           "pixel_shuffle", "pixel_unshuffle", "pad"]


def _along(x, axis, matrix):
    """Apply ``matrix`` (out, in) to axis ``axis`` of ``x`` (one of the last two)."""
    m = xp_of(x).asarray(matrix, dtype=x.dtype if x.dtype.kind == "f" else None)
    if axis == x.ndim - 1:
        return F.matmul(x, m.T)
    return F.matmul(m, x)


def _adaptive_matrix(n_in, n_out):
    """Row i averages input [floor(i*in/out), ceil((i+1)*in/out)) (PyTorch's windows)."""
    a = np.zeros((n_out, n_in))
    for i in range(n_out):
        lo = (i * n_in) // n_out
        hi = -(-((i + 1) * n_in) // n_out)
        a[i, lo:hi] = 1.0 / (hi - lo)
    return a


def _output_sizes(name, output_size, spatial):
    n = len(spatial)
    sizes = tuple(output_size) if isinstance(output_size, (tuple, list)) else (output_size,) * n
    if len(sizes) != n:
        raise ValueError(f"{name}: output_size must be an int or {n} values, got "
                         f"{output_size!r}")
    out = []
    for s, size in zip(sizes, spatial):
        if s is None:
            s = size
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
            raise ValueError(f"{name}: output_size values must be positive ints or None, got "
                             f"{output_size!r}")
        out.append(int(s))
    return out


def _adaptive(name, input, output_size, n):  # noqa: A002
    x = as_input(input)
    if x.ndim not in (n + 1, n + 2):
        raise ValueError(f"{name}: expected a {n + 2}-D (N, C, ...) or {n + 1}-D unbatched "
                         f"input, got shape {tuple(x.shape)}")
    sizes = _output_sizes(name, output_size, x.shape[-n:])
    for k, (s_in, s_out) in enumerate(zip(x.shape[-n:], sizes)):
        if s_in != s_out:
            x = _along(x, x.ndim - n + k, _adaptive_matrix(s_in, s_out))
    return x


def adaptive_avg_pool1d(input, output_size):  # noqa: A002
    """Average pooling of (N, C, L) to (N, C, output_size) with PyTorch's windows."""
    return _adaptive("adaptive_avg_pool1d", input, output_size, 1)


def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    """Average pooling of (N, C, H, W) to (N, C, *output_size) with PyTorch's windows.

    Args:
        output_size: an int, or a pair whose entries may be None (keep that size).
    """
    return _adaptive("adaptive_avg_pool2d", input, output_size, 2)


def _window(i, n_in, n_out):
    return (i * n_in) // n_out, -(-((i + 1) * n_in) // n_out)


def adaptive_max_pool2d(input, output_size, return_indices=False):  # noqa: A002
    """Max pooling of (N, C, H, W) (or (C, H, W)) to (N, C, *output_size).

    Output cell (i, j) takes the maximum of rows [floor(i*H/oh), ceil((i+1)*H/oh)) and
    the matching columns (PyTorch's windows); the first maximum (or NaN) of a window
    wins. The winners are gathered with ``get_item``, so the gradient goes to them.

    Args:
        output_size: an int, or a pair whose entries may be None (keep that size).
        return_indices: also return the winners' flat indices into H*W (int64).

    Raises:
        ValueError: an input that is not 3-D or 4-D, or a bad ``output_size``.
    """
    x = as_input(input)
    if x.ndim not in (3, 4):
        raise ValueError(f"adaptive_max_pool2d: expected a 4-D (N, C, H, W) or 3-D unbatched "
                         f"input, got shape {tuple(x.shape)}")
    h, w = x.shape[-2:]
    oh, ow = _output_sizes("adaptive_max_pool2d", output_size, (h, w))
    xp = xp_of(x)
    lead = tuple(x.shape[:-2])
    idx = xp.empty(lead + (oh, ow), dtype=np.int64)
    for i in range(oh):
        h0, h1 = _window(i, h, oh)
        for j in range(ow):
            w0, w1 = _window(j, w, ow)
            win = x.data[..., h0:h1, w0:w1].reshape(lead + (-1,))
            best = win.argmax(axis=-1)
            idx[..., i, j] = (h0 + best // (w1 - w0)) * w + w0 + best % (w1 - w0)
    rows = int(np.prod(lead))
    flat = F.reshape(x, (rows, h * w))
    out = F.get_item(flat, (xp.arange(rows)[:, None], idx.reshape(rows, oh * ow)))
    out = F.reshape(out, lead + (oh, ow))
    if return_indices:
        return out, Variable(idx)
    return out


# --------------------------------------------------------------------------- interpolate
def _linear_matrix(n_in, n_out, scale, align_corners):
    a = np.zeros((n_out, n_in))
    for d in range(n_out):
        if align_corners:
            src = d * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        else:
            src = max((d + 0.5) * scale - 0.5, 0.0)
        i0 = min(int(math.floor(src)), n_in - 1)
        i1 = min(i0 + 1, n_in - 1)
        w1 = src - i0
        a[d, i0] += 1.0 - w1
        a[d, i1] += w1
    return a


def _nearest_index(n_in, n_out, scale, exact):
    d = np.arange(n_out)
    src = np.floor((d + 0.5) * scale) if exact else np.floor(d * scale)
    return np.minimum(src.astype(np.int64), n_in - 1)


_MODES = {"nearest": 0, "nearest-exact": 0, "linear": 1, "bilinear": 2}


def interpolate(input, size=None, scale_factor=None, mode="nearest",  # noqa: A002
                align_corners=None, recompute_scale_factor=None, antialias=False):
    """Resize the spatial axes of (N, C, L) or (N, C, H, W), PyTorch's rules.

    Args:
        size: the output size (int or one per spatial axis), or
        scale_factor: a multiplier (float or one per axis); exactly one of the two.
        mode: "nearest", "nearest-exact", "linear" (3-D) or "bilinear" (4-D).
        align_corners: for the linear modes (default False).
        recompute_scale_factor: True computes the coordinates from the output size.

    Raises:
        ValueError: both or neither of size/scale_factor, a mode that does not fit the
            input's rank, or align_corners with a nearest mode.
        NotImplementedError: bicubic, trilinear, area or antialias.
    """
    x = as_input(input)
    if mode not in _MODES:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not supported; use one of "
                                  f"{sorted(_MODES)}")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    n = x.ndim - 2
    if n not in (1, 2) or (_MODES[mode] and _MODES[mode] != n):
        raise ValueError(f"interpolate: mode {mode!r} does not fit an input of shape "
                         f"{tuple(x.shape)} (linear needs (N, C, L), bilinear (N, C, H, W))")
    if align_corners is not None and not _MODES[mode]:
        raise ValueError("interpolate: align_corners only applies to the linear modes")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    spatial = x.shape[2:]
    if size is not None:
        sizes = _output_sizes("interpolate", size, spatial)
        scales = [s_in / s_out for s_in, s_out in zip(spatial, sizes)]
    else:
        factors = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) \
            else (scale_factor,) * n
        if len(factors) != n or any(f <= 0 for f in factors):
            raise ValueError(f"interpolate: scale_factor must be positive, one per spatial "
                             f"axis, got {scale_factor!r}")
        sizes = [int(math.floor(s * f)) for s, f in zip(spatial, factors)]
        scales = ([s_in / s_out for s_in, s_out in zip(spatial, sizes)]
                  if recompute_scale_factor else [1.0 / f for f in factors])
    for k, (s_in, s_out, scale) in enumerate(zip(spatial, sizes, scales)):
        axis = 2 + k
        if _MODES[mode]:
            x = _along(x, axis, _linear_matrix(s_in, s_out, scale, bool(align_corners)))
        elif s_in != s_out or scale != 1.0:
            index = _nearest_index(s_in, s_out, scale, mode == "nearest-exact")
            x = F.get_item(x, (slice(None),) * axis + (xp_of(x).asarray(index),))
    return x


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):  # noqa: A002
    """The deprecated name of :func:`interpolate`."""
    return interpolate(input, size, scale_factor, mode, align_corners)


# --------------------------------------------------------------------------- pixel shuffle
def _factor(name, what, factor):
    if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)) or factor < 1:
        raise ValueError(f"{name}: {what} must be a positive integer, got {factor!r}")
    return int(factor)


def pixel_shuffle(input, upscale_factor):  # noqa: A002
    """Rearrange ``(*, C * r**2, H, W)`` into ``(*, C, H * r, W * r)``, ``r = upscale_factor``:
    output pixel ``(c, h * r + i, w * r + j)`` is input ``(c * r**2 + i * r + j, h, w)``.

    Raises:
        ValueError: fewer than 3 dims, a factor that is not a positive int, or channels
            not divisible by ``upscale_factor ** 2``.
    """
    x = as_input(input)
    r = _factor("pixel_shuffle", "upscale_factor", upscale_factor)
    if x.ndim < 3 or x.shape[-3] % (r * r):
        raise ValueError(f"pixel_shuffle: expected an input (*, C * {r}**2, H, W) with the "
                         f"channels divisible by upscale_factor**2 = {r * r}, got shape "
                         f"{tuple(x.shape)} and upscale_factor={r}")
    *lead, c, h, w = x.shape
    k = len(lead)
    x = F.reshape(x, (*lead, c // (r * r), r, r, h, w))
    x = F.transpose(x, (*range(k + 1), k + 3, k + 1, k + 4, k + 2))
    return F.reshape(x, (*lead, c // (r * r), h * r, w * r))


def pixel_unshuffle(input, downscale_factor):  # noqa: A002
    """The inverse of :func:`pixel_shuffle`: ``(*, C, H * r, W * r)`` into
    ``(*, C * r**2, H, W)``, ``r = downscale_factor``.

    Raises:
        ValueError: fewer than 3 dims, a factor that is not a positive int, or a height
            or width not divisible by ``downscale_factor``.
    """
    x = as_input(input)
    r = _factor("pixel_unshuffle", "downscale_factor", downscale_factor)
    if x.ndim < 3 or x.shape[-2] % r or x.shape[-1] % r:
        raise ValueError(f"pixel_unshuffle: expected an input (*, C, H * {r}, W * {r}) with "
                         f"height and width divisible by downscale_factor={r}, got shape "
                         f"{tuple(x.shape)}")
    *lead, c, h, w = x.shape
    k = len(lead)
    x = F.reshape(x, (*lead, c, h // r, r, w // r, r))
    x = F.transpose(x, (*range(k + 1), k + 2, k + 4, k + 1, k + 3))
    return F.reshape(x, (*lead, c * r * r, h // r, w // r))


# --------------------------------------------------------------------------- pad
def _gather_index(n, lo, hi, mode):
    i = np.arange(-lo, n + hi)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    if mode == "circular":
        return i % n
    period = 2 * (n - 1)  # reflect: mirror about the edges, the edge itself once
    i = np.abs(i) % period if period else np.zeros_like(i)
    return np.where(i >= n, period - i, i)


def pad(input, pad, mode="constant", value=None):  # noqa: A002
    """Pad the last ``len(pad) // 2`` axes; ``pad`` lists (left, right) from the last axis
    backwards (PyTorch's order). Negative amounts crop.

    Args:
        mode: "constant" (with ``value``, default 0), "reflect", "replicate" or "circular".

    Raises:
        ValueError: an odd-length ``pad``, too many axes, a mode with a value, or a
            reflection wider than the axis.
    """
    x = as_input(input)
    pad = tuple(int(v) for v in pad)
    if len(pad) % 2 or len(pad) // 2 > x.ndim:
        raise ValueError(f"pad: pad must have an even length of at most 2 * {x.ndim}, got "
                         f"{pad}")
    pairs = [(0, 0)] * x.ndim
    for k in range(len(pad) // 2):
        pairs[x.ndim - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    if mode == "constant":
        grow = [(max(lo, 0), max(hi, 0)) for lo, hi in pairs]
        if any(lo or hi for lo, hi in grow):
            x = _pad_constant(x, grow, 0.0 if value is None else value)
        if any(lo < 0 or hi < 0 for lo, hi in pairs):
            x = F.get_item(x, tuple(slice(-min(lo, 0), n + min(hi, 0))
                                    for (lo, hi), n in zip(pairs, x.shape)))
        return x
    if mode not in ("reflect", "replicate", "circular"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or "
                         f"'circular', got {mode!r}")
    if value is not None and value != 0:
        raise ValueError(f"pad: value={value} only applies to mode='constant'")
    xp = xp_of(x)
    for axis, (lo, hi) in enumerate(pairs):
        if not lo and not hi:
            continue
        n = x.shape[axis]
        if mode == "reflect" and max(lo, hi) >= n:
            raise ValueError(f"pad: reflect padding ({lo}, {hi}) must be smaller than the "
                             f"axis length {n}")
        index = _gather_index(n, lo, hi, mode)
        x = F.get_item(x, (slice(None),) * axis + (xp.asarray(index),))
    return x
