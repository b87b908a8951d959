"""The layers added to nn: PyTorch's parameter names, shapes, initialization and
defaults; forward values against numpy and gradients numerically (float64)."""
import math

import numpy as np
import pytest

import framework as fw
from framework import nn
from framework.utils import gradient_check


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _keys_and_shapes(m):
    return [(k, v.shape) for k, v in m.state_dict().items()]


def test_conv1d_parameters_init_and_forward(rng):
    np.random.seed(0)
    m = nn.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2, dtype=np.float64)
    assert _keys_and_shapes(m) == [("weight", (6, 2, 3)), ("bias", (6,))]
    bound = 1 / math.sqrt(2 * 3)  # fan_in = in_channels / groups * k
    assert np.abs(m.weight.data).max() <= bound and np.abs(m.bias.data).max() <= bound
    assert np.abs(m.weight.data).max() > 0.8 * bound
    x = rng.standard_normal((2, 4, 9))
    y = m(x)
    # Group g of the output sees input channels 2g, 2g+1 at positions 2i - 1 + 2u.
    xpad = np.pad(x, ((0, 0), (0, 0), (1, 1)))
    ref = np.zeros((2, 6, 4))
    for o in range(6):
        g = o // 3
        for i in range(4):
            ref[:, o, i] = (xpad[:, 2 * g:2 * g + 2, 2 * i:2 * i + 5:2] * m.weight.data[o]).sum((1, 2))
    assert np.allclose(y.data, ref + m.bias.data[:, None])
    gradient_check(lambda v: m(v), x)
    assert repr(m) == "Conv1d(4, 6, kernel_size=(3,), stride=(2,), padding=(1,), dilation=(2,), groups=2)"
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv1d(3, 6, 3, groups=2)
    with pytest.raises(NotImplementedError, match="F.pad"):
        nn.Conv1d(2, 2, 3, padding_mode="reflect")


def test_conv2d_takes_dilation_and_groups(rng):
    m = nn.Conv2d(4, 6, 3, padding="same", dilation=2, groups=2, bias=False, dtype=np.float64)
    assert _keys_and_shapes(m) == [("weight", (6, 2, 3, 3))]
    x = rng.standard_normal((1, 4, 5, 5))
    assert m(x).shape == (1, 6, 5, 5)
    plain = nn.Conv2d(2, 3, 3)
    assert [k for k, _ in _keys_and_shapes(plain)] == ["weight", "bias"]


def test_pool_layers(rng):
    x = rng.standard_normal((2, 3, 7))
    y = nn.MaxPool1d(2)(x)  # stride defaults to the kernel size
    assert np.array_equal(y.data, x[:, :, :6].reshape(2, 3, 3, 2).max(-1))
    assert np.allclose(nn.AvgPool1d(2)(x).data, x[:, :, :6].reshape(2, 3, 3, 2).mean(-1))
    assert nn.MaxPool1d(3, stride=1, padding=1)(x).shape == (2, 3, 7)
    x2 = rng.standard_normal((2, 3, 6, 4))
    assert np.allclose(nn.AdaptiveAvgPool2d(1)(x2).data, x2.mean(axis=(2, 3), keepdims=True))
    assert np.allclose(nn.AdaptiveAvgPool2d((3, 2))(x2).data,
                       x2.reshape(2, 3, 3, 2, 2, 2).mean(axis=(3, 5)))
    assert np.allclose(nn.AdaptiveAvgPool1d(1)(x).data, x.mean(-1, keepdims=True))
    assert nn.MaxPool2d(2, ceil_mode=True)(rng.standard_normal((1, 1, 5, 5))).shape == (1, 1, 3, 3)
    gradient_check(lambda v: nn.AdaptiveAvgPool2d((4, 3))(v), x2)
    gradient_check(lambda v: nn.MaxPool1d(3, 2, 1)(v), x)


def test_layer_norm_module(rng):
    m = nn.LayerNorm((3, 2), eps=1e-6, dtype=np.float64)
    assert _keys_and_shapes(m) == [("weight", (3, 2)), ("bias", (3, 2))]
    assert np.array_equal(m.weight.data, np.ones((3, 2))) and not m.bias.data.any()
    m.weight.data[...] = rng.standard_normal((3, 2))
    m.bias.data[...] = rng.standard_normal((3, 2))
    x = rng.standard_normal((4, 3, 2))
    mu, var = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    assert np.allclose(m(x).data, (x - mu) / np.sqrt(var + 1e-6) * m.weight.data + m.bias.data)
    gradient_check(lambda v, w, b: nn.functional.layer_norm(v, (3, 2), w, b), x, m.weight.data,
                   m.bias.data, gy=rng.standard_normal(x.shape))
    assert [k for k, _ in _keys_and_shapes(nn.LayerNorm(4, bias=False))] == ["weight"]
    assert _keys_and_shapes(nn.LayerNorm(4, elementwise_affine=False)) == []
    assert m.weight.dtype == np.float64 and nn.LayerNorm(3).weight.dtype == np.float32


def test_group_norm_module(rng):
    m = nn.GroupNorm(2, 4, dtype=np.float64)
    assert _keys_and_shapes(m) == [("weight", (4,)), ("bias", (4,))]
    x = rng.standard_normal((3, 4, 5))
    g = x.reshape(3, 2, 10)
    ref = ((g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + 1e-5)).reshape(x.shape)
    assert np.allclose(m(x).data, ref)
    gradient_check(lambda v: m(v), x, gy=rng.standard_normal(x.shape))
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(3, 4)
    with pytest.raises(ValueError, match=r"\(N, 4"):
        m(rng.standard_normal((3, 5, 2)))


def test_activation_modules_match_the_functions(rng):
    x = rng.uniform(-3, 3, (4, 5))
    x[np.abs(x) < 0.05] = 0.3
    x[np.abs(x - 1) < 0.05] = 1.3
    cases = [
        (nn.GELU(), 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))),
        (nn.GELU("tanh"), 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
        (nn.SiLU(), x / (1 + np.exp(-x))),
        (nn.ELU(alpha=0.5), np.where(x > 0, x, 0.5 * np.expm1(x))),
        (nn.Softplus(beta=2, threshold=4), np.where(2 * x > 4, x, np.log1p(np.exp(2 * x)) / 2)),
        (nn.Hardtanh(-2.0, 1.0), np.clip(x, -2, 1)),
        (nn.ReLU6(), np.clip(x * 3, 0, 6)),
    ]
    for m, ref in cases:
        inp = x * 3 if isinstance(m, nn.ReLU6) else x
        assert np.allclose(m(inp).data, ref, atol=1e-12), repr(m)
        gradient_check(lambda v, m=m: m(v), inp)
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")
    with pytest.raises(ValueError, match="min_val"):
        nn.Hardtanh(1.0, -1.0)


def test_dropout2d_module_follows_train_and_eval(rng):
    x = rng.standard_normal((4, 8, 3, 3))
    m = nn.Dropout2d(0.5)
    np.random.seed(0)
    y = m(x).data
    zero = np.abs(y).sum(axis=(2, 3)) == 0
    assert zero.any() and not zero.all()
    assert np.allclose(y[~zero], 2 * x[~zero])
    m.eval()
    assert np.array_equal(m(x).data, x)
    m.train()
    with fw.test_mode():
        assert np.array_equal(m(x).data, x)
    assert nn.Dropout1d(0.5)(rng.standard_normal((2, 3, 4))).shape == (2, 3, 4)


def test_unflatten_and_upsample(rng):
    x = rng.standard_normal((3, 12))
    assert nn.Unflatten(1, (3, 4))(x).shape == (3, 3, 4)
    assert nn.Unflatten(-1, (2, -1, 3))(x).shape == (3, 2, 2, 3)
    assert np.array_equal(nn.Unflatten(1, (3, 4))(x).data, x.reshape(3, 3, 4))
    gradient_check(lambda v: nn.Unflatten(1, (3, 4))(v), x)
    with pytest.raises(ValueError, match="multiply to 12"):
        nn.Unflatten(1, (5, 2))(x)
    img = rng.standard_normal((1, 2, 3, 3))
    assert np.array_equal(nn.Upsample(scale_factor=2)(img).data,
                          img.repeat(2, axis=2).repeat(2, axis=3))
    up = nn.Upsample(size=(5, 4), mode="bilinear", align_corners=True)
    assert up(img).shape == (1, 2, 5, 4)
    gradient_check(lambda v: up(v), img)
    with pytest.raises(ValueError, match="exactly one"):
        nn.Upsample()


def test_new_layers_are_exported():
    for name in ["Conv1d", "MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
                 "LayerNorm", "GroupNorm", "Dropout2d", "GELU", "SiLU", "ELU", "Softplus",
                 "Hardtanh", "ReLU6", "Unflatten", "Upsample", "NLLLoss", "L1Loss",
                 "SmoothL1Loss", "HuberLoss", "KLDivLoss"]:
        assert name in nn.__all__ and isinstance(getattr(nn, name), type), name


def test_example_and_tutorial_layers_are_exported():
    for name in ["PixelShuffle", "PixelUnshuffle", "InstanceNorm1d", "InstanceNorm2d",
                 "InstanceNorm3d", "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d",
                 "ReplicationPad2d", "CircularPad2d", "ZeroPad1d", "ZeroPad2d",
                 "ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "CosineSimilarity",
                 "PairwiseDistance", "TripletMarginLoss", "MarginRankingLoss",
                 "CosineEmbeddingLoss", "ParameterList", "ParameterDict"]:
        assert name in nn.__all__ and isinstance(getattr(nn, name), type), name
    for name in ["pixel_shuffle", "pixel_unshuffle", "instance_norm", "cosine_similarity",
                 "pairwise_distance", "triplet_margin_loss", "margin_ranking_loss",
                 "cosine_embedding_loss", "normalize"]:
        assert name in nn.functional.__all__ and callable(getattr(nn.functional, name)), name
    assert fw.nn.functional.pixel_shuffle is nn.functional.pixel_shuffle
