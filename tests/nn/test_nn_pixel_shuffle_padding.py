"""PixelShuffle / PixelUnshuffle and the padding layers (Reflection, Replication,
Circular, Zero, Constant): values against PyTorch's numbers and numpy, shapes, errors,
gradients against central differences (float64), and a small super-resolution net
(Conv2d -> PixelShuffle) that trains."""
import numpy as np
import pytest

import framework as fw
from framework import backend, nn, optim
from framework.nn import functional as NF
from framework.utils import gradient_check


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _pixel_shuffle_ref(x, r):
    """out[..., c, h*r + i, w*r + j] = x[..., c*r*r + i*r + j, h, w], element by element."""
    *lead, c, h, w = x.shape
    out = np.zeros((*lead, c // (r * r), h * r, w * r))
    for ch in range(c // (r * r)):
        for i in range(r):
            for j in range(r):
                out[..., ch, i::r, j::r] = x[..., ch * r * r + i * r + j, :, :]
    return out


def test_pixel_shuffle_matches_pytorch_numbers():
    x = np.arange(16.0).reshape(1, 4, 2, 2)
    # torch.nn.functional.pixel_shuffle(torch.arange(16.).reshape(1, 4, 2, 2), 2)
    assert np.array_equal(NF.pixel_shuffle(x, 2).data, [[[[0, 4, 1, 5], [8, 12, 9, 13],
                                                          [2, 6, 3, 7], [10, 14, 11, 15]]]])
    # torch.nn.functional.pixel_unshuffle(torch.arange(16.).reshape(1, 1, 4, 4), 2)
    y = NF.pixel_unshuffle(np.arange(16.0).reshape(1, 1, 4, 4), 2)
    assert np.array_equal(y.data, [[[[0, 2], [8, 10]], [[1, 3], [9, 11]],
                                    [[4, 6], [12, 14]], [[5, 7], [13, 15]]]])


@pytest.mark.parametrize("shape, r", [((2, 8, 3, 2), 2), ((9, 2, 3), 3), ((2, 3, 4, 1, 2), 2),
                                      ((1, 5, 2, 2), 1)])
def test_pixel_shuffle_values_inverse_and_gradients(rng, shape, r):
    x = rng.standard_normal(shape)
    y = NF.pixel_shuffle(x, r)
    assert np.array_equal(y.data, _pixel_shuffle_ref(x, r))
    assert np.array_equal(NF.pixel_unshuffle(y, r).data, x)
    gradient_check(lambda v: NF.pixel_shuffle(v, r), x, gy=rng.standard_normal(y.shape))
    gradient_check(lambda v: NF.pixel_unshuffle(v, r), y.data, gy=rng.standard_normal(shape))


def test_pixel_shuffle_modules(rng):
    shuffle, unshuffle = nn.PixelShuffle(3), nn.PixelUnshuffle(3)
    assert repr(shuffle) == "PixelShuffle(upscale_factor=3)"
    assert repr(unshuffle) == "PixelUnshuffle(downscale_factor=3)"
    x = rng.standard_normal((2, 18, 2, 3)).astype(np.float32)
    y = shuffle(x)
    assert y.shape == (2, 2, 6, 9) and y.dtype == np.float32
    assert np.array_equal(unshuffle(y).data, x)
    assert list(shuffle.parameters()) == [] and shuffle.state_dict() == {}


def test_pixel_shuffle_bad_inputs():
    with pytest.raises(ValueError, match=r"\(1, 5, 2, 2\).*upscale_factor=2") as info:
        nn.PixelShuffle(2)(np.ones((1, 5, 2, 2)))
    assert "divisible by upscale_factor**2 = 4" in str(info.value)
    with pytest.raises(ValueError, match=r"\(5, 2\)"):
        NF.pixel_shuffle(np.ones((5, 2)), 1)
    with pytest.raises(ValueError, match=r"downscale_factor=2.*\(1, 5, 3, 2\)"):
        nn.PixelUnshuffle(2)(np.ones((1, 5, 3, 2)))
    with pytest.raises(ValueError, match="positive integer, got 0"):
        nn.PixelShuffle(0)
    with pytest.raises(ValueError, match="positive integer"):
        NF.pixel_unshuffle(np.ones((1, 1, 2, 2)), 1.5)


def test_super_resolution_net_trains():
    """pytorch/examples' super_resolution in miniature: convolutions, then PixelShuffle."""
    np.random.seed(0)
    rng = np.random.default_rng(1)
    r = 2
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.Tanh(),
                          nn.Conv2d(8, r * r, 3, padding=1), nn.PixelShuffle(r))
    low = rng.standard_normal((4, 1, 6, 6)).astype(np.float32)
    high = low.repeat(r, axis=2).repeat(r, axis=3)  # the target: nearest upsampling
    opt = optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(30):
        out = model(low)
        assert out.shape == (4, 1, 12, 12)
        loss = nn.MSELoss()(out, high)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    assert losses[-1] < 0.3 * losses[0], losses


# --------------------------------------------------------------------------- padding
@pytest.mark.parametrize("cls, np_mode", [
    (nn.ReflectionPad1d, "reflect"), (nn.ReplicationPad1d, "edge"), (nn.CircularPad1d, "wrap"),
    (nn.ZeroPad1d, "constant")])
def test_pad1d_layers_match_numpy(rng, cls, np_mode):
    x = rng.standard_normal((2, 3, 5))
    m = cls((2, 1))
    y = m(x)
    assert np.array_equal(y.data, np.pad(x, ((0, 0), (0, 0), (2, 1)), mode=np_mode))
    assert np.array_equal(m(x[0]).data, y.data[0])  # unbatched (C, L)
    assert cls(3)(x).shape == (2, 3, 11)
    gradient_check(lambda v: m(v), x, gy=rng.standard_normal(y.shape))


@pytest.mark.parametrize("cls, np_mode", [
    (nn.ReflectionPad2d, "reflect"), (nn.ReplicationPad2d, "edge"), (nn.CircularPad2d, "wrap"),
    (nn.ZeroPad2d, "constant")])
def test_pad2d_layers_match_numpy(rng, cls, np_mode):
    x = rng.standard_normal((2, 2, 4, 5))
    m = cls((1, 2, 3, 0))  # (left, right, top, bottom)
    y = m(x)
    assert np.array_equal(y.data, np.pad(x, ((0, 0), (0, 0), (3, 0), (1, 2)), mode=np_mode))
    assert np.array_equal(m(x[1]).data, y.data[1])
    assert cls(1)(x).shape == (2, 2, 6, 7)
    gradient_check(lambda v: m(v), x, gy=rng.standard_normal(y.shape))


@pytest.mark.parametrize("cls, np_mode", [
    (nn.ReflectionPad3d, "reflect"), (nn.ReplicationPad3d, "edge"), (nn.CircularPad3d, "wrap"),
    (nn.ZeroPad3d, "constant")])
def test_pad3d_layers_match_numpy(rng, cls, np_mode):
    x = rng.standard_normal((1, 2, 3, 3, 4))
    y = cls((1, 0, 2, 1, 0, 2))(x)
    assert np.array_equal(y.data, np.pad(x, ((0, 0), (0, 0), (0, 2), (2, 1), (1, 0)),
                                          mode=np_mode))


def test_reflection_pad_matches_pytorch_numbers():
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    # torch.nn.ReflectionPad2d((2, 0, 1, 1))(torch.arange(9.).reshape(1, 1, 3, 3))
    assert np.array_equal(nn.ReflectionPad2d((2, 0, 1, 1))(x).data[0, 0],
                          [[5, 4, 3, 4, 5], [2, 1, 0, 1, 2], [5, 4, 3, 4, 5],
                           [8, 7, 6, 7, 8], [5, 4, 3, 4, 5]])
    # Negative amounts crop, as in PyTorch.
    assert np.array_equal(nn.ReflectionPad1d((2, -1))(x[0]).data,
                          [[[2, 1, 0, 1], [5, 4, 3, 4], [8, 7, 6, 7]]])


def test_constant_pad_layers(rng):
    x = rng.standard_normal((2, 3))
    m = nn.ConstantPad1d((1, 2), 3.5)
    assert np.array_equal(m(x).data, np.pad(x, ((0, 0), (1, 2)), constant_values=3.5))
    # Constant padding takes any rank that has the padded axes (PyTorch's rule).
    assert m(x[0]).shape == (6,)
    assert nn.ConstantPad2d(1, -1.0)(x).shape == (4, 5)
    assert nn.ZeroPad2d(1)(rng.standard_normal((2, 1, 2, 3, 3))).shape == (2, 1, 2, 5, 5)
    v = nn.ConstantPad3d((1, 0, 0, 1, 1, 0), 2.0)(np.zeros((1, 2, 2, 2)))
    assert v.shape == (1, 3, 3, 3) and v.data.sum() == 2.0 * (27 - 8)
    gradient_check(lambda a: nn.ConstantPad2d((0, 1, 2, 0), 0.5)(a), x)


def test_padding_layer_reprs_and_attributes():
    assert repr(nn.ReflectionPad2d(2)) == "ReflectionPad2d((2, 2, 2, 2))"
    assert repr(nn.ReplicationPad1d((1, 2))) == "ReplicationPad1d((1, 2))"
    assert repr(nn.ZeroPad2d((1, 2, 3, 4))) == "ZeroPad2d((1, 2, 3, 4))"
    assert repr(nn.ConstantPad1d(2, 3.5)) == "ConstantPad1d(padding=(2, 2), value=3.5)"
    m = nn.ConstantPad2d((1, 2, 3, 4), 1)
    assert m.padding == (1, 2, 3, 4) and m.value == 1.0
    assert list(m.parameters()) == [] and nn.ZeroPad2d(1).state_dict() == {}


def test_padding_layer_bad_inputs():
    with pytest.raises(ValueError, match=r"padding must be an int or 4 ints, got \(1, 2, 3\)"):
        nn.ReflectionPad2d((1, 2, 3))
    with pytest.raises(ValueError, match="2 ints"):
        nn.ZeroPad1d(1.5)
    with pytest.raises(ValueError, match=r"2-D \(C, \.\.\.\) or 3-D \(N, C, \.\.\.\).*\(4,\)"):
        nn.ReflectionPad1d(1)(np.ones(4))
    with pytest.raises(ValueError, match=r"3-D .* or 4-D .*\(2, 2, 2, 2, 2\)"):
        nn.ReplicationPad2d(1)(np.ones((2, 2, 2, 2, 2)))
    with pytest.raises(ValueError, match="smaller than the axis length 3"):
        nn.ReflectionPad2d(3)(np.ones((1, 3, 3)))
    with pytest.raises(ValueError, match=r"last 2 axes.*\(3,\)"):
        nn.ConstantPad2d(1, 0.0)(np.ones(3))


def test_shuffle_and_padding_on_the_array_backend(xp):
    x = np.random.default_rng(2).standard_normal((2, 8, 3, 3))
    v = fw.Variable(xp.asarray(x))
    y = nn.ReflectionPad2d(1)(NF.pixel_shuffle(v, 2))
    y = nn.ReplicationPad2d((0, 2, 1, 0))(NF.pixel_unshuffle(y[:, :, :6, :6], 2))
    ref = nn.ReplicationPad2d((0, 2, 1, 0))(
        NF.pixel_unshuffle(nn.ReflectionPad2d(1)(NF.pixel_shuffle(x, 2))[:, :, :6, :6], 2))
    assert backend.device_of(y) == backend.device_of(v)
    assert np.allclose(backend.as_numpy(y.data), ref.data)
    y.backward(gradient=xp.ones(y.shape))
    assert v.grad.shape == x.shape
