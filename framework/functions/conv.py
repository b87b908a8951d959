"""2-D convolution and transposed convolution, with DeZero's im2col/col2im.

Convolution is one GEMM over an im2col matrix. The matrix is built in the layout
``(C*KH*KW, N*OH*OW)``: copying a strided window view into it moves whole output
rows at a time, which is far cheaper than DeZero's ``(N*OH*OW, C*KH*KW)`` layout
whose innermost run is a single kernel row. col2im adds the KH*KW kernel-offset
slices back into a padded image: a Python loop over kernel offsets only, never over
pixels or samples. The same code runs on numpy and cupy.

Stride-1 convolutions whose padded planes are not much larger than their outputs (the
3x3 and 5x5 "same" and "valid" convolutions of most networks) take the flat path of
``conv_flat`` instead: im2col as long contiguous runs of a padded, flattened batch, and
col2im as contiguous adds. The same shapes decide the path in the forward pass and in
both gradients, so what the forward pass keeps for the weight gradient (the im2col
matrix, or on the flat path the padded input) always fits its user.

Shapes: images are ``(N, C, H, W)``; a conv weight is ``(OC, C, KH, KW)``; a deconv
weight is ``(C, OC, KH, KW)`` (PyTorch's ConvTranspose2d layout).
"""
from framework import backend
from framework.core.function import Function
from framework.core.primitives import sum as _sum
from framework.functions import conv_flat

__all__ = ["im2col", "col2im", "conv2d", "deconv2d", "get_conv_outsize", "get_deconv_outsize",
           "Im2col", "Col2im", "Conv2d", "Deconv2d", "Conv2dGradW"]


# --------------------------------------------------------------------------- sizes
def pair(value, name, minimum):
    """Turn an int or a pair of ints into a pair, checking each is ``>= minimum``.

    Raises:
        ValueError: naming the argument and the value.
    """
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        out = (value[0], value[1])
    else:
        out = (value, value)
    for v in out:
        if isinstance(v, bool) or not isinstance(v, int) and not hasattr(v, "__index__"):
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        if int(v) < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(out[0]), int(out[1])


def get_conv_outsize(input_size, kernel_size, stride, pad):
    """Output length of a convolution along one axis: ``(in + 2*pad - k) // stride + 1``."""
    return (input_size + pad * 2 - kernel_size) // stride + 1


def get_deconv_outsize(size, k, s, p):
    """Output length of a transposed convolution: ``(in - 1)*stride - 2*pad + k``."""
    return s * (size - 1) + k - 2 * p


def output_hw(shape, kh, kw, sh, sw, ph, pw, what):
    h, w = shape[2], shape[3]
    oh, ow = get_conv_outsize(h, kh, sh, ph), get_conv_outsize(w, kw, sw, pw)
    if oh <= 0 or ow <= 0:
        raise ValueError(
            f"{what}: a {kh}x{kw} kernel with padding {(ph, pw)} does not fit an input of "
            f"height x width {h}x{w} (output would be {oh}x{ow}); use a smaller kernel or "
            f"more padding")
    return oh, ow


def check_4d(x, what, name="x"):
    if x.ndim != 4:
        raise ValueError(f"{what}: {name} must be 4-D (N, C, H, W), got shape {tuple(x.shape)}")


# --------------------------------------------------------------------------- array kernels
def pad_array(x, ph, pw, fill=0):
    """``x`` padded by ``ph``/``pw`` on both sides of the last two axes with ``fill``."""
    if ph == 0 and pw == 0:
        return x
    xp = backend.get_array_module(x)
    n, c, h, w = x.shape
    out = xp.full((n, c, h + 2 * ph, w + 2 * pw), fill, dtype=x.dtype)
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def windows(x, kh, kw, sh, sw, ph, pw, fill=0):
    """A read-only strided view ``(N, C, KH, KW, OH, OW)`` of the padded image's windows.

    The view shares memory with the (padded) input: copy it before writing.
    """
    xp = backend.get_array_module(x)
    oh, ow = get_conv_outsize(x.shape[2], kh, sh, ph), get_conv_outsize(x.shape[3], kw, sw, pw)
    xpad = pad_array(x, ph, pw, fill)  # any strided layout works for as_strided
    n, c = xpad.shape[:2]
    s0, s1, s2, s3 = xpad.strides
    return xp.lib.stride_tricks.as_strided(
        xpad, shape=(n, c, kh, kw, oh, ow), strides=(s0, s1, s2, s3, s2 * sh, s3 * sw))


def im2col_gemm(x, kh, kw, sh, sw, ph, pw):
    """The contiguous im2col matrix ``(C*KH*KW, N*OH*OW)`` used by the GEMMs."""
    xp = backend.get_array_module(x)
    win = windows(x, kh, kw, sh, sw, ph, pw)
    n, c, _, _, oh, ow = win.shape
    col = xp.empty((c, kh, kw, n, oh, ow), dtype=x.dtype)
    col[...] = win.transpose(1, 2, 3, 0, 4, 5)
    return col.reshape(c * kh * kw, n * oh * ow)


def col2im_array(col, input_shape, kh, kw, sh, sw, ph, pw):
    """Add the patches of ``col`` (a ``(N, C, KH, KW, OH, OW)`` array or view) into an image.

    Overlapping windows accumulate. Returns an ``(N, C, H, W)`` array (possibly a view
    into a padded buffer).
    """
    xp = backend.get_array_module(col)
    n, c, h, w = input_shape
    oh, ow = col.shape[4], col.shape[5]
    img = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=col.dtype)
    for i in range(kh):
        for j in range(kw):
            img[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw] += col[:, :, i, j]
    if ph or pw:
        img = img[:, :, ph:ph + h, pw:pw + w]
    return img


def channels_first(a):
    """``(N, C, H, W)`` -> a ``(C, N*H*W)`` matrix (a view when the memory allows)."""
    n, c, h, w = a.shape
    return a.transpose(1, 0, 2, 3).reshape(c, n * h * w)


# --------------------------------------------------------------------------- im2col / col2im
class Im2col(Function):
    """DeZero's im2col; its backward is col2im."""

    def __init__(self, kernel_size, stride, pad, to_matrix):
        self.kernel_size, self.stride, self.pad = kernel_size, stride, pad
        self.to_matrix = to_matrix

    def forward(self, x):
        check_4d(x, "im2col")
        self.input_shape = x.shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.pad
        output_hw(x.shape, kh, kw, sh, sw, ph, pw, "im2col")
        xp = backend.get_array_module(x)
        win = windows(x, kh, kw, sh, sw, ph, pw)
        if not self.to_matrix:
            return xp.ascontiguousarray(win)
        n, c, _, _, oh, ow = win.shape
        return xp.ascontiguousarray(win.transpose(0, 4, 5, 1, 2, 3)).reshape(
            n * oh * ow, c * kh * kw)

    def backward(self, gy):
        return col2im(gy, self.input_shape, self.kernel_size, self.stride, self.pad,
                      self.to_matrix)


class Col2im(Function):
    """DeZero's col2im (adds overlapping patches); its backward is im2col."""

    def __init__(self, input_shape, kernel_size, stride, pad, to_matrix):
        self.input_shape = tuple(input_shape)
        self.kernel_size, self.stride, self.pad = kernel_size, stride, pad
        self.to_matrix = to_matrix

    def forward(self, col):
        n, c, h, w = self.input_shape
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.pad
        oh, ow = output_hw(self.input_shape, kh, kw, sh, sw, ph, pw, "col2im")
        expected = (n * oh * ow, c * kh * kw) if self.to_matrix else (n, c, kh, kw, oh, ow)
        if tuple(col.shape) != expected:
            raise ValueError(f"col2im: col has shape {tuple(col.shape)}, expected {expected} "
                             f"for input_shape {self.input_shape}")
        if self.to_matrix:
            col = col.reshape(n, oh, ow, c, kh, kw).transpose(0, 3, 4, 5, 1, 2)
        return col2im_array(col, self.input_shape, kh, kw, sh, sw, ph, pw)

    def backward(self, gy):
        return im2col(gy, self.kernel_size, self.stride, self.pad, self.to_matrix)


def im2col(x, kernel_size, stride=1, pad=0, to_matrix=True):
    """Extract sliding windows (DeZero's layout).

    Args:
        x: ``(N, C, H, W)`` Variable or array.
        kernel_size, stride, pad: an int or a pair ``(h, w)``.
        to_matrix: return ``(N*OH*OW, C*KH*KW)`` when True, else ``(N, C, KH, KW, OH, OW)``.

    Returns:
        A Variable; differentiable (its gradient is ``col2im``).

    Raises:
        ValueError: bad sizes, or a kernel that does not fit the padded input.
    """
    return Im2col(pair(kernel_size, "kernel_size", 1), pair(stride, "stride", 1),
                  pair(pad, "pad", 0), to_matrix)(x)


def col2im(col, input_shape, kernel_size, stride=1, pad=0, to_matrix=True):
    """The adjoint of ``im2col``: add each window back to its place in an image.

    Args:
        col: the output layout of ``im2col`` with the same arguments.
        input_shape: ``(N, C, H, W)`` of the image to rebuild.

    Returns:
        An ``(N, C, H, W)`` Variable; differentiable (its gradient is ``im2col``).
    """
    return Col2im(input_shape, pair(kernel_size, "kernel_size", 1), pair(stride, "stride", 1),
                  pair(pad, "pad", 0), to_matrix)(col)


# --------------------------------------------------------------------------- conv / deconv
class Conv2d(Function):
    """Convolution as one GEMM; keeps the im2col matrix (flat path: the padded input,
    or the im2col matrix when it is small) for the weight gradient."""

    def __init__(self, stride=1, pad=0):
        self.stride, self.pad = stride, pad
        self.col = None

    def forward(self, x, W, b=None):
        check_4d(x, "conv2d")
        check_4d(W, "conv2d", "W")
        oc, c, kh, kw = W.shape
        if x.shape[1] != c:
            raise ValueError(f"conv2d: x has {x.shape[1]} channels (shape {tuple(x.shape)}) but "
                             f"W of shape {tuple(W.shape)} expects {c} input channels")
        (sh, sw), (ph, pw) = self.stride, self.pad
        oh, ow = output_hw(x.shape, kh, kw, sh, sw, ph, pw, "conv2d")
        n, _, h, w = x.shape
        if conv_flat.worthwhile(h, w, kh, kw, ph, pw, self.stride):
            hp, wp, _, _, tail = conv_flat.geometry(h, w, kh, kw, ph, pw)
            buf = conv_flat.flat_padded(x, ph, pw, tail)
            y, self.col = conv_flat.flat_conv(buf, W.reshape(oc, -1), b, kh, kw, wp,
                                              n * hp * wp)  # col: a conv_flat.Kept
            return conv_flat.flat_output(y, n, hp, wp, oh, ow)
        col = im2col_gemm(x, kh, kw, sh, sw, ph, pw)
        y = W.reshape(oc, -1) @ col
        if b is not None:
            y += b.reshape(oc, 1)
        self.col = col  # reused by the weight gradient: im2col is the costly part
        # (OC, N, OH, OW) memory seen as (N, OC, OH, OW): no transpose copy.
        return y.reshape(oc, x.shape[0], oh, ow).transpose(1, 0, 2, 3)

    def backward(self, gy):
        x, W = self.inputs[:2]
        gx = gW = gb = None
        kh, kw = W.shape[2:]
        h, w = x.shape[2:]
        gy_flat = None
        if conv_flat.worthwhile(h, w, kh, kw, *self.pad, self.stride):
            # One flat copy of gy serves both gradients.
            hp, wp = h + 2 * self.pad[0], w + 2 * self.pad[1]
            gy_flat = conv_flat.flat_gradient(gy.data, hp, wp)
        if x.requires_grad:
            gx = Deconv2d(self.stride, self.pad, (h, w), gy_flat=gy_flat)(gy, W)
        if W.requires_grad:
            gW = Conv2dGradW(W.shape[2:], self.stride, self.pad, self.col, gy_flat)(x, gy)
        # Handed over (or unused): the graph outlives backward until the loss is
        # dropped, and the im2col matrix is its largest array. A second backward
        # recomputes it.
        self.col = None
        if len(self.inputs) == 3:
            if self.inputs[2].requires_grad:
                gb = _sum(gy, axis=(0, 2, 3))
            return gx, gW, gb
        return gx, gW


class Deconv2d(Function):
    """Transposed convolution: one GEMM then col2im."""

    def __init__(self, stride=1, pad=0, outsize=None, gy_flat=None):
        self.stride, self.pad, self.outsize = stride, pad, outsize
        self.gy_flat = gy_flat  # x already in conv_flat's layout, when at hand

    def forward(self, x, W, b=None):
        check_4d(x, "deconv2d")
        check_4d(W, "deconv2d", "W")
        c, oc, kh, kw = W.shape
        n, cx, h, w = x.shape
        if cx != c:
            raise ValueError(f"deconv2d: x has {cx} channels (shape {tuple(x.shape)}) but W of "
                             f"shape {tuple(W.shape)} expects {c} (layout (in, out, kh, kw))")
        (sh, sw), (ph, pw) = self.stride, self.pad
        if self.outsize is None:
            out_h, out_w = get_deconv_outsize(h, kh, sh, ph), get_deconv_outsize(w, kw, sw, pw)
        else:
            out_h, out_w = self.outsize
            if (get_conv_outsize(out_h, kh, sh, ph), get_conv_outsize(out_w, kw, sw, pw)) != (h, w):
                raise ValueError(
                    f"deconv2d: outsize {(out_h, out_w)} is impossible for an input of {h}x{w} "
                    f"with kernel {(kh, kw)}, stride {(sh, sw)}, pad {(ph, pw)}; the default is "
                    f"{(get_deconv_outsize(h, kh, sh, ph), get_deconv_outsize(w, kw, sw, pw))}")
        if out_h <= 0 or out_w <= 0:
            raise ValueError(f"deconv2d: output size {(out_h, out_w)} is not positive; "
                             f"use less padding")
        if conv_flat.worthwhile(out_h, out_w, kh, kw, ph, pw, self.stride):
            hp, wp = out_h + 2 * ph, out_w + 2 * pw
            x_flat = self.gy_flat if self.gy_flat is not None else \
                conv_flat.flat_gradient(x, hp, wp)
            self.gy_flat = None  # one use; a second backward recomputes it
            y = conv_flat.flat_transposed(x_flat, W.reshape(c, -1).T, oc, kh, kw, n, out_h,
                                          out_w, ph, pw)
            if b is not None:
                y += b.reshape(1, oc, 1, 1)
            return y
        gcol = W.reshape(c, -1).T @ channels_first(x)  # (OC*KH*KW, N*H*W)
        gcol = gcol.reshape(oc, kh, kw, n, h, w).transpose(3, 0, 1, 2, 4, 5)
        y = col2im_array(gcol, (n, oc, out_h, out_w), kh, kw, sh, sw, ph, pw)
        if b is not None:
            y += b.reshape(1, oc, 1, 1)
        return y

    def backward(self, gy):
        x, W = self.inputs[:2]
        gx = gW = gb = None
        if x.requires_grad:
            gx = conv2d(gy, W, None, self.stride, self.pad)
        if W.requires_grad:
            gW = Conv2dGradW(W.shape[2:], self.stride, self.pad)(gy, x)
        if len(self.inputs) == 3:
            if self.inputs[2].requires_grad:
                gb = _sum(gy, axis=(0, 2, 3))
            return gx, gW, gb
        return gx, gW


class Conv2dGradW(Function):
    """The weight gradient of a convolution: ``gy`` contracted with im2col(``x``).

    Args:
        kernel_size: ``(KH, KW)``.
        col: the forward pass's im2col matrix of ``x`` (flat path: a
            ``conv_flat.Kept``), when still at hand.
        gy_flat: ``gy`` in ``conv_flat``'s layout, when at hand (flat path only).
    """

    def __init__(self, kernel_size, stride, pad, col=None, gy_flat=None):
        self.kernel_size, self.stride, self.pad = tuple(kernel_size), stride, pad
        self.col, self.gy_flat = col, gy_flat

    def forward(self, x, gy):
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.pad
        n, _, h, w = x.shape
        col, gy_flat, self.col, self.gy_flat = self.col, self.gy_flat, None, None  # one use
        if conv_flat.worthwhile(h, w, kh, kw, ph, pw, self.stride):
            hp, wp, _, _, tail = conv_flat.geometry(h, w, kh, kw, ph, pw)
            if col is None:  # here: a conv_flat.Kept
                col = conv_flat.Kept((conv_flat.flat_padded(x, ph, pw, tail), None))
            if gy_flat is None:
                gy_flat = conv_flat.flat_gradient(gy, hp, wp)
            return conv_flat.flat_weight_grad(gy_flat, col, kh, kw, wp).reshape(
                gy.shape[1], x.shape[1], kh, kw)
        if col is None:
            col = im2col_gemm(x, kh, kw, sh, sw, ph, pw)
        gW = channels_first(gy) @ col.T
        return gW.reshape(gy.shape[1], x.shape[1], kh, kw)

    def backward(self, ggW):
        x, gy = self.inputs
        gx = ggy = None
        if x.requires_grad:
            gx = deconv2d(gy, ggW, None, self.stride, self.pad, outsize=x.shape[2:])
        if gy.requires_grad:
            ggy = conv2d(x, ggW, None, self.stride, self.pad)
        return gx, ggy


def conv2d(x, W, b=None, stride=1, pad=0):
    """2-D convolution (cross-correlation, as every framework computes it).

    Args:
        x: ``(N, C, H, W)`` input.
        W: ``(OC, C, KH, KW)`` weight.
        b: ``(OC,)`` bias or None.
        stride, pad: an int or a pair ``(h, w)``; padding is with zeros.

    Returns:
        ``(N, OC, OH, OW)`` with ``OH = (H + 2*pad - KH) // stride + 1``.

    Raises:
        ValueError: wrong ranks, channel mismatch, or a kernel larger than the padded input.
    """
    f = Conv2d(pair(stride, "stride", 1), pair(pad, "pad", 0))
    return f(x, W) if b is None else f(x, W, b)


def deconv2d(x, W, b=None, stride=1, pad=0, outsize=None):
    """2-D transposed convolution, the adjoint of ``conv2d`` (DeZero's deconv2d).

    Args:
        x: ``(N, C, H, W)`` input.
        W: ``(C, OC, KH, KW)`` weight (in, out, kh, kw).
        b: ``(OC,)`` bias or None.
        stride, pad: an int or a pair.
        outsize: ``(OH, OW)``; default ``(H - 1)*stride - 2*pad + KH`` (and likewise W).

    Returns:
        ``(N, OC, OH, OW)``.

    Raises:
        ValueError: wrong ranks, channel mismatch, or an impossible ``outsize``.
    """
    if outsize is not None:
        outsize = pair(outsize, "outsize", 1)
    f = Deconv2d(pair(stride, "stride", 1), pair(pad, "pad", 0), outsize)
    return f(x, W) if b is None else f(x, W, b)
