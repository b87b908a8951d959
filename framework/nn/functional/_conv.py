"""Linear maps, convolutions and pooling with PyTorch's signatures, over ``F.conv2d``,
``F.deconv2d``, ``F.pooling`` and ``F.average_pooling``.

Dilation inserts zeros between the kernel's taps (a scatter, differentiable); groups
split the channels and join the per-group results; 1-D operations are the 2-D ones
on a height of 1.
"""
import numpy as np

import framework.functions as F
from framework.core.primitives import GetItemGrad
from framework.functions.conv import get_deconv_outsize
from framework.functions.pad import pad as _pad_constant
from framework.nn.functional._common import as_input

__all__ = ["linear", "conv1d", "conv2d", "conv_transpose1d",
           "conv_transpose2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d"]

def _tuple(value, n, name, minimum):
    vals = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(vals) != n or any(isinstance(v, bool) or not isinstance(v, (int, np.integer))
                             or v < minimum for v in vals):
        raise ValueError(f"{name} must be an int >= {minimum} or a tuple of {n} such ints, "
                         f"got {value!r}")
    return tuple(int(v) for v in vals)


def linear(input, weight, bias=None):  # noqa: A002 - PyTorch's argument name
    """``input @ weight.T + bias`` with PyTorch's weight layout (out, in).

    Shape:
        input (*, in), weight (out, in), bias (out,) -> (*, out).
    """
    return F.linear_out_in(input, weight, bias)


# --------------------------------------------------------------------------- convolution
def _dilate(weight, dilation):
    """The kernel with ``d - 1`` zeros between taps along its spatial axes."""
    if dilation == (1, 1):
        return weight
    kh, kw = weight.shape[2:]
    shape = tuple(weight.shape[:2]) + ((kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1)
    index = (slice(None), slice(None), slice(None, None, dilation[0]),
             slice(None, None, dilation[1]))
    return GetItemGrad(index, shape)(weight)


def _same_padding(name, x_hw, k_hw, stride, dilation):
    if stride != (1, 1):
        raise ValueError(f"{name}: padding='same' needs stride 1, got stride={stride}")
    pads = []
    for k, d in zip(k_hw, dilation):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))  # the extra one goes right (PyTorch)
    return pads


def _split_channels(x, groups, axis=1):
    size = x.shape[axis] // groups
    lead = (slice(None),) * axis
    return [x[lead + (slice(g * size, (g + 1) * size),)] for g in range(groups)]


def _conv2d(name, x, weight, bias, stride, padding, dilation, groups):
    x, weight = as_input(x), as_input(weight)
    if x.ndim != 4 or weight.ndim != 4:
        raise ValueError(f"{name}: expected input (N, C, H, W) and weight (OC, C/groups, kh, "
                         f"kw), got shapes {tuple(x.shape)} and {tuple(weight.shape)}")
    stride = _tuple(stride, 2, f"{name}: stride", 1)
    dilation = _tuple(dilation, 2, f"{name}: dilation", 1)
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise ValueError(f"{name}: groups must be a positive int, got {groups!r}")
    c, oc = x.shape[1], weight.shape[0]
    if c % groups or oc % groups or weight.shape[1] * groups != c:
        raise ValueError(f"{name}: input with {c} channels, weight of shape "
                         f"{tuple(weight.shape)} and groups={groups} do not fit: expected "
                         f"in_channels and out_channels divisible by groups and weight.shape[1]"
                         f" == in_channels / groups")
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0, 0)
        elif padding == "same":
            pads = _same_padding(name, x.shape[2:], weight.shape[2:], stride, dilation)
            x = _pad_constant(x, ((0, 0), (0, 0)) + tuple(pads))
            padding = (0, 0)
        else:
            raise ValueError(f"{name}: padding must be an int, a pair, 'valid' or 'same', "
                             f"got {padding!r}")
    padding = _tuple(padding, 2, f"{name}: padding", 0)
    w = _dilate(weight, dilation)
    if groups == 1:
        return F.conv2d(x, w, bias, stride=stride, pad=padding)
    xs, ws = _split_channels(x, groups), _split_channels(w, groups, axis=0)
    bs = [None] * groups if bias is None else _split_channels(as_input(bias), groups, axis=0)
    return F.concat([F.conv2d(xg, wg, bg, stride=stride, pad=padding)
                     for xg, wg, bg in zip(xs, ws, bs)], axis=1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """2-D convolution (cross-correlation), PyTorch's signature.

    Args:
        input: (N, C, H, W).
        weight: (OC, C/groups, kh, kw).
        bias: (OC,) or None.
        stride, dilation: an int or a pair (>= 1).
        padding: an int, a pair, "valid" or "same" (stride 1).
        groups: split the channels into this many independent convolutions.

    Returns:
        (N, OC, OH, OW) with ``OH = (H + 2p - d(kh - 1) - 1) // stride + 1``.

    Raises:
        ValueError: shapes, sizes or groups that do not fit.
    """
    return _conv2d("conv2d", input, weight, bias, stride, padding, dilation, groups)


def _to_2d(name, x, weight):
    x, weight = as_input(x), as_input(weight)
    if x.ndim != 3 or weight.ndim != 3:
        raise ValueError(f"{name}: expected input (N, C, L) and weight (C_a, C_b, k), got "
                         f"shapes {tuple(x.shape)} and {tuple(weight.shape)}")
    return (F.reshape(x, (x.shape[0], x.shape[1], 1, x.shape[2])),
            F.reshape(weight, (weight.shape[0], weight.shape[1], 1, weight.shape[2])))


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """1-D convolution: input (N, C, L), weight (OC, C/groups, k) -> (N, OC, L_out).

    Args: as :func:`conv2d`, with single ints (or 1-tuples).
    """
    x, w = _to_2d("conv1d", input, weight)
    if not isinstance(padding, str):
        padding = (0, _tuple(padding, 1, "conv1d: padding", 0)[0])
    y = _conv2d("conv1d", x, w, bias, (1, _tuple(stride, 1, "conv1d: stride", 1)[0]), padding,
                (1, _tuple(dilation, 1, "conv1d: dilation", 1)[0]), groups)
    return F.reshape(y, (y.shape[0], y.shape[1], y.shape[3]))


def _conv_transpose2d(name, x, weight, bias, stride, padding, output_padding, groups,
                      dilation):
    x, weight = as_input(x), as_input(weight)
    if x.ndim != 4 or weight.ndim != 4:
        raise ValueError(f"{name}: expected input (N, C, H, W) and weight (C, OC/groups, kh, "
                         f"kw), got shapes {tuple(x.shape)} and {tuple(weight.shape)}")
    stride = _tuple(stride, 2, f"{name}: stride", 1)
    padding = _tuple(padding, 2, f"{name}: padding", 0)
    output_padding = _tuple(output_padding, 2, f"{name}: output_padding", 0)
    dilation = _tuple(dilation, 2, f"{name}: dilation", 1)
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= max(s, d):
            raise ValueError(f"{name}: output_padding {output_padding} must be smaller than "
                             f"stride {stride} or dilation {dilation}")
    c = x.shape[1]
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1 or c % groups \
            or weight.shape[0] != c:
        raise ValueError(f"{name}: input with {c} channels, weight of shape "
                         f"{tuple(weight.shape)} and groups={groups} do not fit: expected "
                         f"weight.shape[0] == in_channels, divisible by groups")
    w = _dilate(weight, dilation)
    kh, kw = w.shape[2:]
    outsize = tuple(get_deconv_outsize(n, k, s, p) + op for n, k, s, p, op in
                    zip(x.shape[2:], (kh, kw), stride, padding, output_padding))
    if groups == 1:
        return F.deconv2d(x, w, bias, stride=stride, pad=padding, outsize=outsize)
    xs, ws = _split_channels(x, groups), _split_channels(w, groups, axis=0)
    bs = [None] * groups if bias is None else _split_channels(as_input(bias), groups, axis=0)
    return F.concat([F.deconv2d(xg, wg, bg, stride=stride, pad=padding, outsize=outsize)
                     for xg, wg, bg in zip(xs, ws, bs)], axis=1)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,  # noqa: A002
                     groups=1, dilation=1):
    """2-D transposed convolution, PyTorch's signature.

    Args:
        input: (N, C, H, W).
        weight: (C, OC/groups, kh, kw) (PyTorch's ConvTranspose2d layout).
        bias: (OC,) or None.
        stride, padding, output_padding, dilation: an int or a pair.
        groups: independent channel groups.

    Returns:
        (N, OC, OH, OW), ``OH = (H-1)*stride - 2*padding + dilation*(kh-1) + output_padding + 1``.

    Raises:
        ValueError: shapes or sizes that do not fit.
    """
    return _conv_transpose2d("conv_transpose2d", input, weight, bias, stride, padding,
                             output_padding, groups, dilation)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,  # noqa: A002
                     groups=1, dilation=1):
    """1-D transposed convolution: input (N, C, L), weight (C, OC/groups, k)."""
    x, w = _to_2d("conv_transpose1d", input, weight)
    y = _conv_transpose2d(
        "conv_transpose1d", x, w, bias, (1, _tuple(stride, 1, "stride", 1)[0]),
        (0, _tuple(padding, 1, "padding", 0)[0]),
        (0, _tuple(output_padding, 1, "output_padding", 0)[0]), groups,
        (1, _tuple(dilation, 1, "dilation", 1)[0]))
    return F.reshape(y, (y.shape[0], y.shape[1], y.shape[3]))


# --------------------------------------------------------------------------- pooling
def _pool_args(name, kernel_size, stride, padding, n):
    k = _tuple(kernel_size, n, f"{name}: kernel_size", 1)
    s = k if stride is None or stride == () or stride == [] else _tuple(
        stride, n, f"{name}: stride", 1)
    p = _tuple(padding, n, f"{name}: padding", 0)
    for pi, ki in zip(p, k):
        if 2 * pi > ki:
            raise ValueError(f"{name}: padding {p} must be at most half the kernel size {k}")
    return k, s, p


def _ceil_extra(size, k, s, p):
    """Extra right padding giving PyTorch's ceil_mode output length (the last window
    must start inside the input or the left padding)."""
    out = -(-(size + 2 * p - k) // s) + 1
    if (out - 1) * s >= size + p:
        out -= 1
    return max(0, (out - 1) * s + k - (size + 2 * p))


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode=False, return_indices=False):
    """2-D max pooling; ``stride`` defaults to ``kernel_size`` (PyTorch).

    Raises:
        ValueError: bad sizes, padding above half the kernel.
        NotImplementedError: ``dilation`` other than 1 or ``return_indices=True``.
    """
    return _max_pool("max_pool2d", as_input(input), kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices, 2)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode=False, return_indices=False):
    """1-D max pooling over (N, C, L); ``stride`` defaults to ``kernel_size``."""
    return _max_pool("max_pool1d", as_input(input), kernel_size, stride, padding, dilation,
                     ceil_mode, return_indices, 1)


def _as_4d(name, x, n):
    if x.ndim not in (n + 1, n + 2):
        raise ValueError(f"{name}: expected a {n + 2}-D (N, C, ...) or {n + 1}-D unbatched "
                         f"input, got shape {tuple(x.shape)}")
    shape = tuple(x.shape)
    lead = shape[:-n]
    lead4 = (1,) * (2 - len(lead)) + lead
    return F.reshape(x, lead4 + (1,) * (2 - n) + shape[-n:]), shape


def _from_4d(y, shape, n):
    return F.reshape(y, shape[:-n] + tuple(y.shape[4 - n:]))


def _max_pool(name, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices, n):
    if _tuple(dilation, n, f"{name}: dilation", 1) != (1,) * n:
        raise NotImplementedError(f"{name}: dilation={dilation} is not supported; use "
                                  f"dilation=1")
    if return_indices:
        raise NotImplementedError(f"{name}: return_indices=True is not supported; take the "
                                  f"indices with argmax over unfolded windows instead")
    k, s, p = _pool_args(name, kernel_size, stride, padding, n)
    x4, shape = _as_4d(name, x, n)
    k, s, p = (1,) * (2 - n) + k, (1,) * (2 - n) + s, (0,) * (2 - n) + p
    if ceil_mode:
        extra = [_ceil_extra(size, ki, si, pi) for size, ki, si, pi in
                 zip(x4.shape[2:], k, s, p)]
        if any(extra):
            lowest = -np.inf if x4.dtype.kind == "f" else np.iinfo(x4.dtype).min
            x4 = _pad_constant(x4, ((0, 0), (0, 0), (p[0], p[0] + extra[0]),
                                    (p[1], p[1] + extra[1])), lowest)
            p = (0, 0)
    return _from_4d(F.pooling(x4, k, s, p), shape, n)


def _avg_pool(name, x, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override, n):
    if ceil_mode:
        raise NotImplementedError(f"{name}: ceil_mode=True is not supported; pad the input "
                                  f"(F.pad) so the windows fit, with ceil_mode=False")
    k, s, p = _pool_args(name, kernel_size, stride, padding, n)
    x4, shape = _as_4d(name, x, n)
    k, s, p = (1,) * (2 - n) + k, (1,) * (2 - n) + s, (0,) * (2 - n) + p
    y = F.average_pooling(x4, k, s, p)
    area = k[0] * k[1]
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or not isinstance(divisor_override, int) \
                or divisor_override <= 0:
            raise ValueError(f"{name}: divisor_override must be a positive int, got "
                             f"{divisor_override!r}")
        y = y * (area / divisor_override)
    elif not count_include_pad and any(p):
        # Divide the window sums by the number of real (unpadded) elements in each.
        ones = x4.data[:1, :1] * 0 + 1
        counts = F.average_pooling(ones, k, s, p).data
        y = y / counts
    return _from_4d(y, shape, n)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,  # noqa: A002
               count_include_pad=True, divisor_override=None):
    """2-D average pooling; ``stride`` defaults to ``kernel_size``.

    Args:
        count_include_pad: padded zeros count in the divisor (PyTorch's default True).
        divisor_override: divide every window sum by this instead.

    Raises:
        NotImplementedError: ``ceil_mode=True``.
    """
    return _avg_pool("avg_pool2d", as_input(input), kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override, 2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,  # noqa: A002
               count_include_pad=True):
    """1-D average pooling over (N, C, L); ``stride`` defaults to ``kernel_size``."""
    return _avg_pool("avg_pool1d", as_input(input), kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None, 1)
