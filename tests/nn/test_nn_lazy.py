"""nn.LazyLinear / LazyConv2d / LazyBatchNorm1d/2d: sizes from the first call, as PyTorch."""
import math

import numpy as np
import pytest

import framework.functions as F
from framework import nn, optim


def test_lazy_linear_becomes_linear_at_the_first_call():
    layer = nn.LazyLinear(4)
    assert layer.weight.data is None and layer.in_features == 0
    x = np.random.randn(3, 5).astype(np.float32)
    y = layer(x)
    assert type(layer) is nn.Linear and layer.in_features == 5
    assert layer.weight.shape == (4, 5) and y.shape == (3, 4)
    bound = 1 / math.sqrt(5)
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.bias.data).max() <= bound
    np.testing.assert_allclose(y.data, x @ layer.weight.data.T + layer.bias.data, rtol=1e-5)
    assert not layer._forward_pre_hooks  # the hook is gone: the fast path again


def test_an_optimizer_made_before_the_first_call_trains_the_parameters():
    np.random.seed(0)
    model = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.LazyLinear(1))
    opt = optim.SGD(model.parameters(), lr=0.1)  # the Parameter objects exist already
    x = np.random.randn(32, 3).astype(np.float32)
    t = x.sum(axis=1, keepdims=True)
    losses = []
    for _ in range(50):
        opt.zero_grad()
        loss = F.mean_squared_error(model(x), t)
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    params = list(model.parameters())
    assert all(any(p is q for q in opt.param_groups[0]["params"]) for p in params)
    assert losses[-1] < 0.2 * losses[0]


def test_saving_before_the_first_call_raises_and_loading_materializes():
    with pytest.raises(RuntimeError, match="'weight'.*no data yet.*forward pass"):
        nn.LazyLinear(2).state_dict()
    layer = nn.LazyLinear(2, bias=False)
    W = np.arange(6, dtype=np.float32).reshape(2, 3)
    layer.load_state_dict({"weight": W})
    y = layer(np.ones((1, 3), np.float32))
    np.testing.assert_array_equal(y.data, [[3.0, 12.0]])
    assert type(layer) is nn.Linear and layer.in_features == 3
    np.testing.assert_array_equal(layer.weight.data, W)  # the first call kept the loaded W


def test_lazy_conv2d_and_batchnorm2d():
    conv, bn = nn.LazyConv2d(6, 3, stride=2, padding=1), nn.LazyBatchNorm2d()
    x = np.random.randn(2, 4, 8, 8).astype(np.float32)
    y = bn(conv(x))
    assert type(conv) is nn.Conv2d and conv.weight.shape == (6, 4, 3, 3)
    assert type(bn) is nn.BatchNorm2d and bn.num_features == 6 and y.shape == (2, 6, 4, 4)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]
    np.testing.assert_allclose(y.data.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    assert int(bn.num_batches_tracked) == 1


def test_lazy_batchnorm1d_matches_an_eager_one():
    x = np.random.randn(10, 3).astype(np.float32)
    lazy, eager = nn.LazyBatchNorm1d(momentum=0.2), nn.BatchNorm1d(3, momentum=0.2)
    np.testing.assert_allclose(lazy(x).data, eager(x).data)
    np.testing.assert_allclose(lazy.running_var, eager.running_var)
    with pytest.raises(ValueError, match="shape"):
        nn.LazyBatchNorm1d()(np.ones(3, np.float32))


def test_construction_draws_nothing_and_the_first_call_draws_as_the_eager_layer():
    np.random.seed(5)
    lazy = nn.LazyConv2d(4, 3, padding=1, groups=2, bias=False)
    x = np.random.randn(1, 6, 5, 5).astype(np.float32)
    lazy(x)
    np.random.seed(5)
    np.random.randn(1, 6, 5, 5)
    eager = nn.Conv2d(6, 4, 3, padding=1, groups=2, bias=False)
    np.testing.assert_array_equal(lazy.weight.data, eager.weight.data)
    assert lazy.weight.shape == (4, 3, 3, 3) and lazy.in_channels == 6
