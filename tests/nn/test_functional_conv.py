"""nn.functional convolutions, pooling, adaptive pooling, interpolation and padding:
values against direct numpy loops, gradients against central differences (float64)."""
import numpy as np
import pytest

import framework.nn.functional as NF
from framework.utils import gradient_check


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def conv2d_ref(x, w, b, stride, pad, dil, groups):
    """The definition: out[n,o,i,j] = sum_{c,u,v} xpad[n, g*cg + c, i*s + u*d, j*s + v*d] w[o,c,u,v]."""
    n, c, h, wd = x.shape
    oc, cg, kh, kw = w.shape
    xp_ = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    oh = (h + 2 * pad[0] - dil[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (wd + 2 * pad[1] - dil[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, oc, oh, ow))
    per = oc // groups
    for o in range(oc):
        g = o // per
        for i in range(oh):
            for j in range(ow):
                win = xp_[:, g * cg:(g + 1) * cg, i * stride[0]:i * stride[0] + dil[0] * (kh - 1) + 1:dil[0],
                          j * stride[1]:j * stride[1] + dil[1] * (kw - 1) + 1:dil[1]]
                out[:, o, i, j] = (win * w[o]).sum(axis=(1, 2, 3))
    return out + (0 if b is None else b.reshape(1, -1, 1, 1))


def conv_transpose2d_ref(x, w, b, stride, pad, out_pad, groups, dil):
    n, c, h, wd = x.shape
    _, ocg, kh, kw = w.shape
    full_h = (h - 1) * stride[0] + dil[0] * (kh - 1) + 1 + out_pad[0]
    full_w = (wd - 1) * stride[1] + dil[1] * (kw - 1) + 1 + out_pad[1]
    y = np.zeros((n, ocg * groups, full_h, full_w))
    cg = c // groups
    for ci in range(c):
        g = ci // cg
        for i in range(h):
            for j in range(wd):
                for u in range(kh):
                    for v in range(kw):
                        y[:, g * ocg:(g + 1) * ocg, i * stride[0] + u * dil[0],
                          j * stride[1] + v * dil[1]] += x[:, ci, i, j, None] * w[ci, :, u, v]
    oh = full_h - 2 * pad[0]
    ow = full_w - 2 * pad[1]
    y = y[:, :, pad[0]:pad[0] + oh, pad[1]:pad[1] + ow]
    return y + (0 if b is None else b.reshape(1, -1, 1, 1))


@pytest.mark.parametrize("stride, padding, dilation, groups", [
    (1, 0, 1, 1), (2, 1, (2, 1), 1), (1, (1, 2), 1, 2), ((2, 1), 2, 2, 2)])
def test_conv2d_dilation_groups(rng, stride, padding, dilation, groups):
    x = rng.standard_normal((2, 4, 7, 6))
    w = rng.standard_normal((6, 4 // groups, 3, 2))
    b = rng.standard_normal(6)
    s = stride if isinstance(stride, tuple) else (stride, stride)
    p = padding if isinstance(padding, tuple) else (padding, padding)
    d = dilation if isinstance(dilation, tuple) else (dilation, dilation)
    y = NF.conv2d(x, w, b, stride, padding, dilation, groups)
    assert np.allclose(y.data, conv2d_ref(x, w, b, s, p, d, groups))
    gradient_check(lambda a, c, e: NF.conv2d(a, c, e, stride, padding, dilation, groups), x, w, b,
                   gy=rng.standard_normal(y.shape))


def test_conv2d_padding_same_and_valid(rng):
    x, w = rng.standard_normal((1, 2, 6, 5)), rng.standard_normal((3, 2, 4, 3))
    y = NF.conv2d(x, w, padding="same", dilation=(1, 2))
    assert y.shape == (1, 3, 6, 5)
    # 'same' with an even kernel pads one more on the right/bottom (PyTorch).
    xpad = np.pad(x, ((0, 0), (0, 0), (1, 2), (2, 2)))
    assert np.allclose(y.data, conv2d_ref(xpad, w, None, (1, 1), (0, 0), (1, 2), 1))
    assert NF.conv2d(x, w, padding="valid").shape == (1, 3, 3, 3)
    gradient_check(lambda a, c: NF.conv2d(a, c, padding="same"), x, w)
    with pytest.raises(ValueError, match="stride 1"):
        NF.conv2d(x, w, padding="same", stride=2)
    with pytest.raises(ValueError, match="groups"):
        NF.conv2d(x, w, groups=2)


def test_conv1d_matches_the_2d_definition(rng):
    x, w, b = rng.standard_normal((2, 4, 9)), rng.standard_normal((6, 2, 3)), rng.standard_normal(6)
    y = NF.conv1d(x, w, b, stride=2, padding=2, dilation=2, groups=2)
    ref = conv2d_ref(x[:, :, None], w[:, :, None], b, (1, 2), (0, 2), (1, 2), 2)[:, :, 0]
    assert y.shape == ref.shape == (2, 6, 5)
    assert np.allclose(y.data, ref)
    gradient_check(lambda a, c, e: NF.conv1d(a, c, e, 2, 2, 2, 2), x, w, b)
    with pytest.raises(ValueError, match="conv1d"):
        NF.conv1d(x[0], w)


@pytest.mark.parametrize("stride, padding, output_padding, groups, dilation", [
    (1, 0, 0, 1, 1), (2, 1, 1, 1, 1), (2, 1, 0, 2, 2), ((1, 2), (0, 1), (0, 1), 1, (2, 1))])
def test_conv_transpose2d(rng, stride, padding, output_padding, groups, dilation):
    x = rng.standard_normal((2, 4, 3, 4))
    w = rng.standard_normal((4, 3, 2, 3))
    b = rng.standard_normal(3 * groups)
    two = [v if isinstance(v, tuple) else (v, v) for v in (stride, padding, output_padding,
                                                            dilation)]
    y = NF.conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation)
    ref = conv_transpose2d_ref(x, w, b, two[0], two[1], two[2], groups, two[3])
    assert y.shape == ref.shape
    assert np.allclose(y.data, ref)
    gradient_check(lambda a, c, e: NF.conv_transpose2d(a, c, e, stride, padding, output_padding,
                                                        groups, dilation), x, w, b,
                   gy=rng.standard_normal(y.shape))


def _windows_ref(x, k, s, p, fill, reduce):
    xp_ = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=fill)
    oh = (x.shape[2] + 2 * p[0] - k[0]) // s[0] + 1
    ow = (x.shape[3] + 2 * p[1] - k[1]) // s[1] + 1
    out = np.empty(x.shape[:2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = reduce(xp_[:, :, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1]])
    return out


def test_max_pool2d_stride_defaults_to_kernel_and_ceil_mode(rng):
    x = rng.standard_normal((2, 3, 7, 6))
    mx = lambda w: w.max(axis=(2, 3))  # noqa: E731
    y = NF.max_pool2d(x, 2)
    assert y.shape == (2, 3, 3, 3)
    assert np.allclose(y.data, _windows_ref(x, (2, 2), (2, 2), (0, 0), -np.inf, mx))
    y = NF.max_pool2d(x, 3, stride=2, padding=1, ceil_mode=True)
    # ceil mode: (7 + 2 - 3) / 2 rounded up + 1 = 4 rows, (6 + 2 - 3) / 2 -> 4 columns.
    assert y.shape == (2, 3, 4, 4)
    xpad = np.pad(x, ((0, 0), (0, 0), (0, 1), (0, 2)), constant_values=-np.inf)
    assert np.allclose(y.data, _windows_ref(xpad, (3, 3), (2, 2), (1, 1), -np.inf, mx))
    gradient_check(lambda v: NF.max_pool2d(v, 3, 2, 1, ceil_mode=True), x)
    with pytest.raises(NotImplementedError, match="return_indices"):
        NF.max_pool2d(x, 2, return_indices=True)


def test_max_and_avg_pool1d(rng):
    x = rng.standard_normal((2, 3, 9))
    y = NF.max_pool1d(x, 3, stride=2, padding=1)
    ref = _windows_ref(x[:, :, None], (1, 3), (1, 2), (0, 1), -np.inf,
                       lambda w: w.max(axis=(2, 3)))[:, :, 0]
    assert np.allclose(y.data, ref)
    assert NF.max_pool1d(x, 3).shape == (2, 3, 3)
    y = NF.avg_pool1d(x, 3, stride=2, padding=1)
    ref = _windows_ref(x[:, :, None], (1, 3), (1, 2), (0, 1), 0.0,
                       lambda w: w.mean(axis=(2, 3)))[:, :, 0]
    assert np.allclose(y.data, ref)
    gradient_check(lambda v: NF.max_pool1d(v, 3, 2, 1), x)
    gradient_check(lambda v: NF.avg_pool1d(v, 3, 2, 1, count_include_pad=False), x)


def test_avg_pool2d_count_include_pad_and_divisor(rng):
    x = rng.standard_normal((2, 3, 5, 6))
    mean = lambda w: w.mean(axis=(2, 3))  # noqa: E731
    assert np.allclose(NF.avg_pool2d(x, 3, 2, 1).data,
                       _windows_ref(x, (3, 3), (2, 2), (1, 1), 0.0, mean))
    ones = _windows_ref(np.ones((1, 1, 5, 6)), (3, 3), (2, 2), (1, 1), 0.0,
                        lambda w: w.sum(axis=(2, 3)))
    sums = _windows_ref(x, (3, 3), (2, 2), (1, 1), 0.0, lambda w: w.sum(axis=(2, 3)))
    assert np.allclose(NF.avg_pool2d(x, 3, 2, 1, count_include_pad=False).data, sums / ones)
    assert np.allclose(NF.avg_pool2d(x, 2, divisor_override=3).data,
                       _windows_ref(x, (2, 2), (2, 2), (0, 0), 0.0, lambda w: w.sum(axis=(2, 3))) / 3)
    gradient_check(lambda v: NF.avg_pool2d(v, 3, 2, 1, count_include_pad=False), x)


def test_adaptive_avg_pool_windows(rng):
    x = rng.standard_normal((2, 3, 7, 5))
    y = NF.adaptive_avg_pool2d(x, (3, 2))
    ref = np.empty((2, 3, 3, 2))
    for i in range(3):
        for j in range(2):
            h0, h1 = (i * 7) // 3, -(-((i + 1) * 7) // 3)
            w0, w1 = (j * 5) // 2, -(-((j + 1) * 5) // 2)
            ref[:, :, i, j] = x[:, :, h0:h1, w0:w1].mean(axis=(2, 3))
    assert np.allclose(y.data, ref)
    assert np.allclose(NF.adaptive_avg_pool2d(x, 1).data, x.mean(axis=(2, 3), keepdims=True))
    assert NF.adaptive_avg_pool2d(x, (None, 2)).shape == (2, 3, 7, 2)
    line = x[:, :, 0]  # (2, 3, 5) -> windows [0, 2), [1, 4), [3, 5)
    ref1 = np.stack([line[..., 0:2].mean(-1), line[..., 1:4].mean(-1), line[..., 3:5].mean(-1)], -1)
    assert np.allclose(NF.adaptive_avg_pool1d(line, 3).data, ref1)
    gradient_check(lambda v: NF.adaptive_avg_pool1d(v, 3), line)
    gradient_check(lambda v: NF.adaptive_avg_pool2d(v, (3, 2)), x)


def _linear_ref(x, out, align):
    """Linear interpolation along the last axis, by the coordinate formula."""
    n = x.shape[-1]
    res = np.empty(x.shape[:-1] + (out,))
    for d in range(out):
        src = d * (n - 1) / (out - 1) if align else max((d + 0.5) * n / out - 0.5, 0)
        i0 = min(int(np.floor(src)), n - 1)
        i1 = min(i0 + 1, n - 1)
        t = src - i0
        res[..., d] = x[..., i0] * (1 - t) + x[..., i1] * t
    return res


def test_interpolate_nearest_linear_bilinear(rng):
    x = rng.standard_normal((2, 3, 4, 5))
    y = NF.interpolate(x, scale_factor=2)
    assert np.array_equal(y.data, x.repeat(2, axis=2).repeat(2, axis=3))
    y = NF.interpolate(x, size=(3, 7))
    rows, cols = np.floor(np.arange(3) * 4 / 3).astype(int), np.floor(np.arange(7) * 5 / 7).astype(int)
    assert np.array_equal(y.data, x[:, :, rows][:, :, :, cols])
    for align in (False, True):
        y = NF.interpolate(x, size=(6, 8), mode="bilinear", align_corners=align)
        ref = _linear_ref(np.swapaxes(_linear_ref(x, 8, align), 2, 3), 6, align)
        assert np.allclose(y.data, np.swapaxes(ref, 2, 3))
        z = NF.interpolate(x[:, :, 0], size=9, mode="linear", align_corners=align)
        assert np.allclose(z.data, _linear_ref(x[:, :, 0], 9, align))
    gradient_check(lambda v: NF.interpolate(v, scale_factor=1.5, mode="bilinear"), x)
    gradient_check(lambda v: NF.interpolate(v, size=(5, 3)), x)
    with pytest.raises(ValueError, match="exactly one"):
        NF.interpolate(x)
    with pytest.raises(ValueError, match="bilinear"):
        NF.interpolate(x[:, :, 0], size=3, mode="bilinear")
    with pytest.raises(NotImplementedError, match="bicubic"):
        NF.interpolate(x, size=3, mode="bicubic")


@pytest.mark.parametrize("mode, np_mode", [("constant", "constant"), ("reflect", "reflect"),
                                           ("replicate", "edge"), ("circular", "wrap")])
def test_pad_modes_match_numpy(rng, mode, np_mode):
    x = rng.standard_normal((2, 3, 4, 5))
    # PyTorch's order: last axis first: (left, right, top, bottom).
    y = NF.pad(x, (1, 2, 3, 1), mode=mode)
    assert np.array_equal(y.data, np.pad(x, ((0, 0), (0, 0), (3, 1), (1, 2)), mode=np_mode))
    gradient_check(lambda v: NF.pad(v, (1, 2, 3, 1), mode=mode), x,
                   gy=rng.standard_normal(y.shape))


def test_pad_value_and_negative_crop(rng):
    x = rng.standard_normal((3, 4))
    y = NF.pad(x, (1, -2, -1, 2), value=0.5)
    ref = np.pad(x, ((0, 2), (1, 0)), constant_values=0.5)[:, :-2][1:]
    assert np.array_equal(y.data, ref)
    gradient_check(lambda v: NF.pad(v, (1, -2, -1, 2), value=0.5), x)
    with pytest.raises(ValueError, match="even"):
        NF.pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match="reflect"):
        NF.pad(x, (4, 0), mode="reflect")


def test_linear_takes_pytorchs_weight_layout(rng):
    x, w, b = rng.standard_normal((2, 5, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4)
    assert np.allclose(NF.linear(x, w, b).data, x @ w.T + b)
    assert np.allclose(NF.linear(x, w).data, x @ w.T)
    gradient_check(NF.linear, x, w, b)


def test_conv_transpose1d_is_the_2d_one_on_a_row(rng):
    x, w, b = rng.standard_normal((2, 4, 5)), rng.standard_normal((4, 3, 3)), rng.standard_normal(6)
    y = NF.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1, groups=2)
    ref = conv_transpose2d_ref(x[:, :, None], w[:, :, None], b, (1, 2), (0, 1), (0, 1), 2,
                               (1, 1))[:, :, 0]
    assert y.shape == ref.shape == (2, 6, 10)
    assert np.allclose(y.data, ref)
    gradient_check(lambda a, c: NF.conv_transpose1d(a, c, None, 2, 1, 1, 2), x, w)


def test_upsample_is_interpolate(rng):
    x = rng.standard_normal((1, 2, 3))
    assert np.array_equal(NF.upsample(x, scale_factor=3).data,
                          NF.interpolate(x, scale_factor=3).data)
    assert np.array_equal(NF.upsample(x, scale_factor=3).data, x.repeat(3, axis=2))
