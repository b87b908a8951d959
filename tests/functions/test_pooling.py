"""Max and average pooling against direct loops; padding never wins; gradients."""
import numpy as np
import pytest

import framework.functions as F
from framework import Variable, backend
from framework.utils import gradient_check

GEOMETRIES = [  # (kernel, stride, pad)
    (2, 2, 0),
    (3, 2, 1),
    ((2, 3), (1, 2), (1, 0)),
    (3, 1, 1),
]


def _pair(v):
    return tuple(v) if isinstance(v, tuple) else (v, v)


def naive_pool(x, kernel, stride, pad, reduce):
    """Loops over every output pixel; the window holds only real inputs for max."""
    (kh, kw), (sh, sw), (ph, pw) = _pair(kernel), _pair(stride), _pair(pad)
    n, c, h, w = x.shape
    oh, ow = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    y = np.zeros((n, c, oh, ow))
    for r in range(oh):
        for s in range(ow):
            r0, s0 = r * sh - ph, s * sw - pw
            win = x[:, :, max(r0, 0):r0 + kh, max(s0, 0):s0 + kw]
            if reduce == "max":
                y[:, :, r, s] = win.max(axis=(2, 3))
            else:  # padded zeros count in the mean
                y[:, :, r, s] = win.sum(axis=(2, 3)) / (kh * kw)
    return y


@pytest.mark.parametrize("kernel,stride,pad", GEOMETRIES)
def test_max_pooling_matches_direct_loops_and_padding_never_wins(xp, kernel, stride, pad):
    rng = np.random.default_rng(0)
    x = -np.abs(rng.standard_normal((2, 3, 7, 6))) - 1.0  # all negative: a zero pad would win
    y = backend.as_numpy(F.pooling(xp.asarray(x), kernel, stride, pad).data)
    np.testing.assert_array_equal(y, naive_pool(x, kernel, stride, pad, "max"))
    assert (y < 0).all()


def test_max_pooling_integers_pad_with_the_minimum(xp):
    x = xp.asarray(-np.arange(1, 17, dtype=np.int32).reshape(1, 1, 4, 4))
    y = F.pooling(x, 2, 2, 1)
    assert y.dtype == np.int32
    np.testing.assert_array_equal(backend.as_numpy(y.data),
                                  naive_pool(backend.as_numpy(x), 2, 2, 1, "max"))


@pytest.mark.parametrize("kernel,stride,pad", GEOMETRIES)
def test_average_pooling_matches_direct_loops(xp, kernel, stride, pad):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 7, 6))
    y = backend.as_numpy(F.average_pooling(xp.asarray(x), kernel, stride, pad).data)
    np.testing.assert_allclose(y, naive_pool(x, kernel, stride, pad, "mean"), rtol=1e-12)


@pytest.mark.parametrize("kernel,stride,pad", GEOMETRIES)
def test_pooling_gradients(xp, kernel, stride, pad):
    rng = np.random.default_rng(2)
    # Distinct values far apart compared with the finite-difference step: no ties.
    x = xp.asarray(rng.permutation(2 * 2 * 5 * 6).reshape(2, 2, 5, 6) * 0.1)
    gy = F.pooling(x, kernel, stride, pad).shape
    w = xp.asarray(rng.standard_normal(gy))
    assert gradient_check(lambda x: F.pooling(x, kernel, stride, pad), x, gy=w)
    assert gradient_check(lambda x: F.average_pooling(x, kernel, stride, pad), x, gy=w)


def test_max_pooling_ties_send_the_gradient_to_the_first_maximum(xp):
    x = Variable(xp.ones((1, 1, 4, 4)))
    F.pooling(x, 2, 2).sum().backward()
    expected = np.zeros((4, 4))
    expected[::2, ::2] = 1
    np.testing.assert_array_equal(backend.as_numpy(x.grad.data)[0, 0], expected)


def test_overlapping_windows_accumulate_gradient(xp):
    x = Variable(xp.asarray(np.arange(16.0).reshape(1, 1, 4, 4)))
    F.pooling(x, 3, 1).sum().backward()
    # The four 3x3 windows of a 4x4 ramp each pick their own bottom-right corner.
    g = backend.as_numpy(x.grad.data)[0, 0]
    assert g.sum() == 4 and g[2:, 2:].sum() == 4
    x.cleargrad()
    F.pooling(x, 3, 1, pad=1).sum().backward()
    assert backend.as_numpy(x.grad.data).sum() == 16  # 16 windows, one winner each


def test_max_pooling_second_order_is_a_gather(xp):
    rng = np.random.default_rng(3)
    xd = xp.asarray(rng.permutation(36).reshape(1, 1, 6, 6).astype(np.float64))
    x = Variable(xd)
    g = Variable(xp.asarray(rng.standard_normal((1, 1, 3, 3))))
    F.pooling(x, 3, 2, 1).backward(gradient=g, create_graph=True)
    v = xp.asarray(rng.standard_normal((1, 1, 6, 6)))
    g.cleargrad()
    (x.grad * v).sum().backward()
    # d<gx, v>/dg reads v at every window's maximum.
    xn, vn = backend.as_numpy(xd), backend.as_numpy(v)
    xpad = np.pad(xn, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    vpad = np.pad(vn, ((0, 0), (0, 0), (1, 1), (1, 1)))
    ref = np.zeros((3, 3))
    for r in range(3):
        for s in range(3):
            win = xpad[0, 0, 2 * r:2 * r + 3, 2 * s:2 * s + 3]
            i, j = np.unravel_index(np.argmax(win), win.shape)
            ref[r, s] = vpad[0, 0, 2 * r + i, 2 * s + j]
    np.testing.assert_allclose(backend.as_numpy(g.grad.data)[0, 0], ref)


def test_average_pooling_second_order(xp):
    rng = np.random.default_rng(4)
    x = Variable(xp.asarray(rng.standard_normal((1, 2, 5, 5))))
    g = Variable(xp.asarray(rng.standard_normal((1, 2, 3, 3))))
    F.average_pooling(x, 3, 2, 1).backward(gradient=g, create_graph=True)
    v = xp.asarray(rng.standard_normal((1, 2, 5, 5)))
    g.cleargrad()
    (x.grad * v).sum().backward()
    expected = F.average_pooling(v, 3, 2, 1).data  # the adjoint of the adjoint
    np.testing.assert_allclose(backend.as_numpy(g.grad.data), backend.as_numpy(expected))


def test_float32_preserved(xp):
    x = Variable(xp.asarray(np.random.default_rng(5).standard_normal((2, 3, 6, 6)),
                            dtype=np.float32))
    for f in (F.pooling, F.average_pooling):
        x.cleargrad()
        y = f(x, 2, 2, 1)
        assert y.dtype == np.float32
        y.sum().backward()
        assert x.grad.dtype == np.float32


def test_bad_arguments_are_reported(xp):
    x = xp.zeros((1, 1, 4, 4))
    with pytest.raises(ValueError, match="smaller than kernel_size"):
        F.pooling(x, 2, pad=2)
    with pytest.raises(ValueError, match="does not fit"):
        F.average_pooling(x, 5)
    with pytest.raises(ValueError, match="4-D"):
        F.pooling(xp.zeros((4, 4)), 2)
    with pytest.raises(ValueError, match="kernel_size"):
        F.pooling(x, 0)


def _loop_max_pool(x, k, s):
    """Reference: max and first-argmax of each window, by loops over windows."""
    n, c, h, w = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    y = np.empty((n, c, oh, ow), x.dtype)
    idx = np.empty((n, c, oh, ow), int)
    for i in range(oh):
        for j in range(ow):
            win = x[:, :, i * s:i * s + k, j * s:j * s + k].reshape(n, c, -1)
            idx[:, :, i, j] = win.argmax(axis=2)
            y[:, :, i, j] = win.max(axis=2)
    return y, idx


@pytest.mark.parametrize("shape", [(3, 4, 8, 8), (2, 3, 7, 9)])
@pytest.mark.parametrize("channel_major", [False, True])
def test_2x2_stride_2_fast_path_matches_loops_with_ties(shape, channel_major):
    rng = np.random.default_rng(1)
    # ReLU-like data: many windows are all zeros (ties) or share their maximum.
    x = np.maximum(rng.integers(-2, 3, shape), 0).astype(np.float32)
    if channel_major:  # the layout a convolution's output has
        x = np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    v = Variable(x)
    y = F.pooling(v, 2, 2)
    ref, idx = _loop_max_pool(x, 2, 2)
    np.testing.assert_array_equal(y.data, ref)
    gy = rng.standard_normal(ref.shape).astype(np.float32)
    y.backward(gradient=gy)
    expected = np.zeros_like(x)
    n, c, oh, ow = ref.shape
    for i in range(oh):
        for j in range(ow):
            for a in range(n):
                for b in range(c):
                    k = idx[a, b, i, j]
                    expected[a, b, 2 * i + k // 2, 2 * j + k % 2] = gy[a, b, i, j]
    np.testing.assert_array_equal(v.grad.data, expected)


def test_max_pooling_gradient_with_inf_keeps_zeros_at_the_losers():
    x = Variable(np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4))
    gy = np.array([[[[np.inf, 1.0], [2.0, -np.inf]]]])
    F.pooling(x, 2, 2).backward(gradient=gy)
    g = x.grad.data[0, 0]
    assert np.isinf(g[1, 1]) and np.isinf(g[3, 3])
    assert not np.isnan(g).any() and np.count_nonzero(g) == 4


@pytest.mark.parametrize("channel_major", [False, True])
def test_2x2_row_path_second_order_gathers_at_the_winners(channel_major):
    rng = np.random.default_rng(3)
    x0 = np.maximum(rng.integers(-1, 3, (2, 3, 6, 4)), 0).astype(np.float64)
    if channel_major:
        x0 = np.ascontiguousarray(x0.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    ref, idx = _loop_max_pool(x0, 2, 2)
    x = Variable(x0)
    gy = Variable(rng.standard_normal(ref.shape))
    F.pooling(x, 2, 2).backward(gradient=gy, create_graph=True)
    v = rng.standard_normal(x0.shape)
    gy.cleargrad()
    (x.grad * v).sum().backward()
    n, c, oh, ow = ref.shape
    expected = np.empty(ref.shape)
    for a in range(n):
        for b in range(c):
            for i in range(oh):
                for j in range(ow):
                    k = idx[a, b, i, j]
                    expected[a, b, i, j] = v[a, b, 2 * i + k // 2, 2 * j + k % 2]
    np.testing.assert_allclose(gy.grad.data, expected)
