"""conv2d, deconv2d, im2col, col2im: values against direct loops, adjointness, gradients."""
import numpy as np
import pytest

import framework.functions as F
from framework import Variable, backend
from framework.utils import gradient_check, numerical_grad

GEOMETRIES = [  # (kernel, stride, pad)
    (3, 1, 0),
    (3, 2, 1),
    ((2, 3), (2, 1), (1, 0)),
    ((3, 1), 1, (0, 2)),
    (3, 1, 1),   # stride 1 "same": conv_flat's path
    (5, 1, 2),
]


def _pair(v):
    return tuple(v) if isinstance(v, tuple) else (v, v)


def naive_conv(x, W, b, stride, pad):
    """Direct loops over every output pixel: the definition of cross-correlation."""
    (sh, sw), (ph, pw) = _pair(stride), _pair(pad)
    n, c, h, w = x.shape
    oc, _, kh, kw = W.shape
    xp_ = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh, ow = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    y = np.zeros((n, oc, oh, ow))
    for i in range(n):
        for o in range(oc):
            for r in range(oh):
                for s in range(ow):
                    patch = xp_[i, :, r * sh:r * sh + kh, s * sw:s * sw + kw]
                    y[i, o, r, s] = (patch * W[o]).sum() + (0 if b is None else b[o])
    return y


def arr(xp, rng, *shape, dtype=np.float64):
    return xp.asarray(rng.standard_normal(shape).astype(dtype))


@pytest.mark.parametrize("kernel,stride,pad", GEOMETRIES)
def test_conv2d_matches_direct_loops(xp, kernel, stride, pad):
    rng = np.random.default_rng(0)
    kh, kw = _pair(kernel)
    x, W, b = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, kh, kw)), \
        rng.standard_normal(4)
    y = F.conv2d(xp.asarray(x), xp.asarray(W), xp.asarray(b), stride=stride, pad=pad)
    np.testing.assert_allclose(backend.as_numpy(y.data), naive_conv(x, W, b, stride, pad),
                               rtol=1e-10, atol=1e-10)
    y0 = F.conv2d(xp.asarray(x), xp.asarray(W), stride=stride, pad=pad)
    np.testing.assert_allclose(backend.as_numpy(y0.data), naive_conv(x, W, None, stride, pad),
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("kernel,stride,pad", GEOMETRIES)
def test_conv2d_gradients(xp, kernel, stride, pad):
    rng = np.random.default_rng(1)
    kh, kw = _pair(kernel)
    x, W, b = arr(xp, rng, 2, 2, 5, 6), arr(xp, rng, 3, 2, kh, kw), arr(xp, rng, 3)
    assert gradient_check(lambda x, W, b: F.conv2d(x, W, b, stride, pad), x, W, b)
    assert gradient_check(lambda x, W: F.conv2d(x, W, None, stride, pad), x, W)


@pytest.mark.parametrize("kernel,stride,pad", GEOMETRIES)
def test_deconv2d_gradients_and_output_size(xp, kernel, stride, pad):
    rng = np.random.default_rng(2)
    (kh, kw), (sh, sw), (ph, pw) = _pair(kernel), _pair(stride), _pair(pad)
    x, W, b = arr(xp, rng, 2, 2, 4, 5), arr(xp, rng, 2, 3, kh, kw), arr(xp, rng, 3)
    y = F.deconv2d(x, W, b, stride, pad)
    assert y.shape == (2, 3, (4 - 1) * sh - 2 * ph + kh, (5 - 1) * sw - 2 * pw + kw)
    assert gradient_check(lambda x, W, b: F.deconv2d(x, W, b, stride, pad), x, W, b)


@pytest.mark.parametrize("kernel,stride,pad", GEOMETRIES)
def test_deconv2d_is_the_adjoint_of_conv2d(xp, kernel, stride, pad):
    rng = np.random.default_rng(3)
    kh, kw = _pair(kernel)
    x, W = arr(xp, rng, 2, 3, 7, 8), arr(xp, rng, 4, 3, kh, kw)
    y = F.conv2d(x, W, None, stride, pad)
    g = arr(xp, rng, *y.shape)
    back = F.deconv2d(g, W, None, stride, pad, outsize=x.shape[2:])
    assert back.shape == x.shape
    lhs = float((y.data * g).sum())
    rhs = float((x * back.data).sum())
    assert lhs == pytest.approx(rhs, rel=1e-10)


def test_deconv2d_outsize_picks_among_valid_sizes(xp):
    rng = np.random.default_rng(4)
    x, W = arr(xp, rng, 1, 2, 4, 4), arr(xp, rng, 2, 1, 3, 3)
    assert F.deconv2d(x, W, stride=2, pad=1).shape == (1, 1, 7, 7)
    assert F.deconv2d(x, W, stride=2, pad=1, outsize=(8, 7)).shape == (1, 1, 8, 7)
    assert gradient_check(lambda x, W: F.deconv2d(x, W, stride=2, pad=1, outsize=8), x, W)
    with pytest.raises(ValueError, match="outsize"):
        F.deconv2d(x, W, stride=2, pad=1, outsize=(10, 7))


@pytest.mark.parametrize("to_matrix", [True, False])
@pytest.mark.parametrize("kernel,stride,pad", GEOMETRIES)
def test_im2col_layout_and_col2im_adjoint(xp, kernel, stride, pad, to_matrix):
    rng = np.random.default_rng(5)
    (kh, kw), (sh, sw), (ph, pw) = _pair(kernel), _pair(stride), _pair(pad)
    xn = rng.standard_normal((2, 3, 6, 5))
    col = backend.as_numpy(F.im2col(xp.asarray(xn), kernel, stride, pad, to_matrix).data)
    xpad = np.pad(xn, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh, ow = (6 + 2 * ph - kh) // sh + 1, (5 + 2 * pw - kw) // sw + 1
    ref = np.empty((2, 3, kh, kw, oh, ow))
    for i in range(kh):
        for j in range(kw):
            ref[:, :, i, j] = xpad[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]
    if to_matrix:  # DeZero's matrix: rows (n, oh, ow), columns (c, kh, kw)
        ref = ref.transpose(0, 4, 5, 1, 2, 3).reshape(2 * oh * ow, -1)
    np.testing.assert_array_equal(col, ref)
    c = rng.standard_normal(col.shape)
    back = backend.as_numpy(F.col2im(xp.asarray(c), xn.shape, kernel, stride, pad, to_matrix).data)
    assert (col * c).sum() == pytest.approx((xn * back).sum(), rel=1e-10)


@pytest.mark.parametrize("to_matrix", [True, False])
def test_im2col_col2im_gradients(xp, to_matrix):
    rng = np.random.default_rng(6)
    x = arr(xp, rng, 1, 2, 5, 4)
    assert gradient_check(lambda x: F.im2col(x, (3, 2), 2, 1, to_matrix), x)
    col = F.im2col(x, (3, 2), 2, 1, to_matrix).data
    c = xp.asarray(rng.standard_normal(col.shape))
    assert gradient_check(lambda c: F.col2im(c, x.shape, (3, 2), 2, 1, to_matrix), c)


def test_conv2d_second_order(xp):
    """Double backward: d/dW <dL/dx, v> and d/dx <dL/dW, u> against finite differences."""
    rng = np.random.default_rng(7)
    xd, Wd = arr(xp, rng, 1, 2, 4, 4), arr(xp, rng, 2, 2, 3, 3)
    g, v, u = arr(xp, rng, 1, 2, 2, 2), arr(xp, rng, 1, 2, 4, 4), arr(xp, rng, 2, 2, 3, 3)
    x, W = Variable(xd), Variable(Wd)
    F.conv2d(x, W, stride=2, pad=1).backward(gradient=g, create_graph=True)
    gx, gW = x.grad, W.grad
    x.cleargrad()
    W.cleargrad()
    (gx * v).sum().backward()
    # <dL/dx, v> = <g, conv(v, W)>, so its W-gradient is conv's W-gradient at input v.
    num_w = numerical_grad(lambda w: F.conv2d(v, w, stride=2, pad=1) * g, Wd)
    np.testing.assert_allclose(backend.as_numpy(W.grad.data), backend.as_numpy(num_w), rtol=1e-6,
                               atol=1e-8)
    x.cleargrad()
    W.cleargrad()
    (gW * u).sum().backward()
    # <dL/dW, u> = <g, conv(x, u)>.
    num_x = numerical_grad(lambda a: F.conv2d(a, u, stride=2, pad=1) * g, xd)
    np.testing.assert_allclose(backend.as_numpy(x.grad.data), backend.as_numpy(num_x), rtol=1e-6,
                               atol=1e-8)


def test_float32_in_float32_out(xp):
    rng = np.random.default_rng(8)
    x = Variable(arr(xp, rng, 2, 3, 6, 6, dtype=np.float32))
    W = Variable(arr(xp, rng, 4, 3, 3, 3, dtype=np.float32))
    b = Variable(arr(xp, rng, 4, dtype=np.float32))
    y = F.conv2d(x, W, b, stride=1, pad=1)
    z = F.deconv2d(y, W, b=Variable(arr(xp, rng, 3, dtype=np.float32)), stride=2)
    assert y.dtype == np.float32 and z.dtype == np.float32
    (z * z).sum().backward()
    for v in (x, W, b):
        assert v.grad.dtype == np.float32
    assert F.im2col(x, 3).dtype == np.float32


def test_bad_arguments_are_reported(xp):
    x, W = xp.zeros((1, 3, 5, 5)), xp.zeros((2, 4, 3, 3))
    with pytest.raises(ValueError, match="channels"):
        F.conv2d(x, W)
    with pytest.raises(ValueError, match="does not fit"):
        F.conv2d(x, xp.zeros((2, 3, 7, 7)))
    with pytest.raises(ValueError, match="stride"):
        F.conv2d(x, xp.zeros((2, 3, 3, 3)), stride=0)
    with pytest.raises(ValueError, match="4-D"):
        F.conv2d(xp.zeros((3, 5, 5)), W)
    with pytest.raises(ValueError, match="pad"):
        F.im2col(x, 3, pad=(1, 2, 3))
    with pytest.raises(ValueError, match="col2im"):
        F.col2im(xp.zeros((4, 4)), (1, 3, 5, 5), 3)


def _both_paths(monkeypatch, fn):
    """``fn()`` computed on the flat stride-1 path and on the generic im2col path."""
    from framework.functions import conv_flat
    out = []
    for waste in (100.0, 0.0):  # every stride-1 shape takes the flat path, then none does
        monkeypatch.setattr(conv_flat, "MAX_WASTE", waste)
        out.append(fn())
    return out


@pytest.mark.parametrize("small_blocks", [False, True])
@pytest.mark.parametrize("kernel,pad", [(3, 1), (5, 2), (3, 0), ((3, 5), (1, 0)), (1, 0),
                                        ((3, 5), (1, 2))])
def test_flat_stride_1_path_matches_the_generic_path(monkeypatch, kernel, pad, small_blocks):
    """Also in blocks of 7 columns (``small_blocks``): block edges then fall inside rows,
    images and kernel offsets, and the weight gradient rebuilds im2col block by block."""
    from framework.functions import conv_flat
    if small_blocks:
        monkeypatch.setattr(conv_flat, "MIN_BLOCK", 7)
        monkeypatch.setattr(conv_flat, "BLOCK_BYTES", 1)
    rng = np.random.default_rng(7)
    kh, kw = _pair(kernel)
    x0, W0, b0 = rng.standard_normal((3, 2, 9, 8)), rng.standard_normal((4, 2, kh, kw)), \
        rng.standard_normal(4)
    gy = None

    def run():
        nonlocal gy
        x, W, b = Variable(x0.copy()), Variable(W0.copy()), Variable(b0.copy())
        y = F.conv2d(x, W, b, stride=1, pad=pad)
        if gy is None:
            gy = rng.standard_normal(y.shape)
        y.backward(gradient=gy, create_graph=True)
        gx, gW = x.grad, W.grad
        x.cleargrad()
        W.cleargrad()
        # second order through both gradient functions
        ((gx * gx).sum() + (gW * gW).sum()).backward()
        d = F.deconv2d(Variable(gy), W0, None, stride=1, pad=pad, outsize=x0.shape[2:])
        return [y.data, gx.data, gW.data, b.grad.data, x.grad.data, W.grad.data, d.data]

    flat, generic = _both_paths(monkeypatch, run)
    for a, b in zip(flat, generic, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(flat[0], naive_conv(x0, W0, b0, 1, pad), rtol=1e-10, atol=1e-10)


def test_flat_blocks_cover_the_flat_axis_once():
    from framework.functions import conv_flat
    rows = 288
    length = 5 * conv_flat.BLOCK_BYTES // (rows * 4) + 123  # a bit over 5 blocks' bytes
    blocks = conv_flat._blocks(np, length, rows, 4)
    assert blocks[0][0] == 0 and blocks[-1][1] == length
    assert all(a[1] == b[0] for a, b in zip(blocks, blocks[1:]))
    assert len(blocks) == 6
    assert len({stop - start for start, stop in blocks[:-1]}) == 1  # equal sizes
    # An im2col of up to two blocks' bytes is one block, kept whole for the gradient.
    assert conv_flat._blocks(np, 2 * conv_flat.BLOCK_BYTES // (rows * 4), rows, 4) == \
        [(0, 2 * conv_flat.BLOCK_BYTES // (rows * 4))]


def test_flat_path_deconv2d_matches_the_generic_path(monkeypatch):
    rng = np.random.default_rng(8)
    x0, W0, b0 = rng.standard_normal((2, 3, 6, 7)), rng.standard_normal((3, 2, 3, 3)), \
        rng.standard_normal(2)

    def run():
        x, W = Variable(x0.copy()), Variable(W0.copy())
        y = F.deconv2d(x, W, b0, stride=1, pad=1)
        (y * y).sum().backward()
        return [y.data, x.grad.data, W.grad.data]

    for a, b in zip(*_both_paths(monkeypatch, run), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


def test_flat_path_gradients_float32_match_float64():
    rng = np.random.default_rng(9)
    x0, W0 = rng.standard_normal((4, 3, 10, 10)), rng.standard_normal((5, 3, 3, 3))
    grads = []
    for dtype in (np.float64, np.float32):
        x, W = Variable(x0.astype(dtype)), Variable(W0.astype(dtype))
        F.conv2d(x, W, pad=1).sum().backward()
        assert x.grad.dtype == dtype and W.grad.dtype == dtype
        grads.append((x.grad.data, W.grad.data))
    for a, b in zip(*grads, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
