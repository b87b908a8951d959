"""InstanceNorm1d/2d/3d and F.instance_norm: PyTorch's defaults (no affine parameters,
no running statistics), values against numpy and PyTorch's numbers, running-statistics
updates, gradients against central differences (float64)."""
import warnings

import numpy as np
import pytest

import framework as fw
from framework import backend, nn
from framework.nn import functional as NF
from framework.utils import gradient_check


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _instance_norm_ref(x, eps=1e-5):
    axes = tuple(range(2, x.ndim))
    mu, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    return (x - mu) / np.sqrt(var + eps)


# Two samples, two channels, four values each; weight, bias and the upstream gradient
# arange(16) as PyTorch computed them (torch.nn.functional.instance_norm, float64).
X = np.array([[[1., 2., 4., 7.], [0., -1., 3., 3.]], [[2., 2., 5., -3.], [1., 0., 0., 1.]]])
W, B = np.array([1.5, -0.5]), np.array([0.1, 0.2])
TORCH_Y = np.array([[[-1.5366326181, -0.8819795708, 0.4273265236, 2.3912856653],
                     [0.5500694719, 0.8301250494, -0.2900972606, -0.2900972606]],
                    [[0.3611163257, 0.3611163257, 1.9278142798, -2.2500469311],
                     [-0.2999900003, 0.6999900003, 0.6999900003, -0.2999900003]]])
TORCH_GX = np.array([[[-0.2026321896, 0.1402819052, 0.1714570474, -0.1091067629],
                      [0.2416171366, -0.1812114247, 0.1098249328, -0.1702306447]],
                     [[-0.7358733390, -0.2136406876, 0.5934457919, 0.3560682348],
                      [1.4999700009, 0.4999900003, -0.4999900003, -1.4999700009]]])


def test_functional_instance_norm_matches_pytorch_numbers():
    x, w, b = fw.Variable(X.copy()), fw.Variable(W.copy()), fw.Variable(B.copy())
    y = NF.instance_norm(x, weight=w, bias=b)
    assert np.allclose(y.data, TORCH_Y, atol=1e-9)
    (y * np.arange(16.0).reshape(2, 2, 4)).sum().backward()
    assert np.allclose(x.grad.data, TORCH_GX, atol=1e-9)
    assert np.allclose(w.grad.data, [2.2754230427, 3.6407225075], atol=1e-9)
    assert np.allclose(b.grad.data, [44.0, 76.0])


def test_functional_instance_norm_values_and_gradients(rng):
    x = rng.standard_normal((3, 4, 5, 2))
    w, b = rng.standard_normal(4), rng.standard_normal(4)
    ref = _instance_norm_ref(x, 0.3) * w[:, None, None] + b[:, None, None]
    assert np.allclose(NF.instance_norm(x, weight=w, bias=b, eps=0.3).data, ref)
    assert np.allclose(NF.instance_norm(x).data, _instance_norm_ref(x))
    gradient_check(lambda a, c, d: NF.instance_norm(a, weight=c, bias=d), x, w, b,
                   gy=rng.standard_normal(x.shape))
    line = rng.standard_normal((2, 3, 6))
    gradient_check(NF.instance_norm, line, gy=rng.standard_normal(line.shape))
    # It is group normalization with one channel per group.
    assert np.allclose(NF.instance_norm(x).data, NF.group_norm(x, 4).data)


def test_functional_instance_norm_running_statistics():
    rm, rv = np.zeros(2), np.ones(2)
    NF.instance_norm(X, rm, rv, momentum=0.1)
    # PyTorch: per-sample mean and unbiased variance, averaged over the batch.
    assert np.allclose(rm, [0.25, 0.0875]) and np.allclose(rv, [1.8, 1.1291666667])
    assert np.allclose(rm, 0.1 * X.mean(axis=2).mean(axis=0))
    assert np.allclose(rv, 0.9 + 0.1 * X.var(axis=2, ddof=1).mean(axis=0))
    # use_input_stats=False normalizes with the running statistics instead.
    y = NF.instance_norm(X, rm, rv, W, B, use_input_stats=False, eps=1e-3)
    ref = (X - rm[:, None]) / np.sqrt(rv[:, None] + 1e-3) * W[:, None] + B[:, None]
    assert np.allclose(y.data, ref)
    gradient_check(lambda a: NF.instance_norm(a, rm, rv, use_input_stats=False), X)
    with pytest.raises(ValueError, match="use_input_stats=False"):
        NF.instance_norm(X, use_input_stats=False)


def test_functional_instance_norm_bad_inputs():
    with pytest.raises(ValueError, match=r"more than 1 spatial element.*\(2, 3, 1, 1\)"):
        NF.instance_norm(np.ones((2, 3, 1, 1)))
    with pytest.raises(ValueError, match=r"more than 1 spatial element.*\(4, 3\)"):
        NF.instance_norm(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"\(N, C, \.\.\.\)"):
        NF.instance_norm(np.ones(5))


def test_instance_norm_defaults_state_and_repr():
    m = nn.InstanceNorm2d(3)
    assert (m.affine, m.track_running_stats, m.eps, m.momentum) == (False, False, 1e-5, 0.1)
    assert m.weight is None and m.bias is None and m.running_mean is None
    assert list(m.state_dict()) == [] and list(m.parameters()) == []
    assert repr(m) == ("InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, "
                       "track_running_stats=False)")
    m = nn.InstanceNorm2d(3, affine=True)  # fast_neural_style's layer
    assert [(k, v.shape, v.dtype) for k, v in m.state_dict().items()] == [
        ("weight", (3,), np.float32), ("bias", (3,), np.float32)]
    assert np.array_equal(m.weight.data, np.ones(3)) and not m.bias.data.any()
    t = nn.InstanceNorm1d(4, track_running_stats=True)
    assert list(t.state_dict()) == ["running_mean", "running_var", "num_batches_tracked"]


def test_instance_norm2d_forward_affine_and_gradients(rng, check_parameter_gradients):
    m = nn.InstanceNorm2d(2, affine=True, dtype=np.float64)
    m.weight.data[...] = [2.0, -1.0]
    m.bias.data[...] = [0.5, 0.0]
    x = rng.standard_normal((3, 2, 4, 3))
    ref = _instance_norm_ref(x) * np.array([2.0, -1.0])[:, None, None] + \
        np.array([0.5, 0.0])[:, None, None]
    assert np.allclose(m(x).data, ref)
    # Each sample is normalized on its own: the other samples do not matter.
    assert np.allclose(m(x[1:2]).data, ref[1:2])
    gy = rng.standard_normal(x.shape)
    gradient_check(lambda v: m(v), x, gy=gy)
    check_parameter_gradients(lambda: (m(x) * gy).sum(), list(m.parameters()))


def test_instance_norm_float32_and_unbatched_input(rng):
    m = nn.InstanceNorm1d(3, affine=True)
    x = rng.standard_normal((2, 3, 5)).astype(np.float32)
    y = m(x)
    assert y.dtype == np.float32 and y.shape == (2, 3, 5)
    single = m(x[0])  # (C, L): treated as a batch of one
    assert single.shape == (3, 5) and np.allclose(single.data, y.data[0], atol=1e-6)
    m3 = nn.InstanceNorm3d(2)
    v = rng.standard_normal((2, 2, 2, 3, 2))
    assert np.allclose(m3(v).data, _instance_norm_ref(v), atol=1e-6)
    assert m3(v[0]).shape == (2, 2, 3, 2)


def test_instance_norm_running_statistics_in_train_and_eval(rng):
    m = nn.InstanceNorm1d(2, track_running_stats=True, momentum=0.1, dtype=np.float64)
    m(X)
    assert np.allclose(m.running_mean, [0.25, 0.0875])
    assert np.allclose(m.running_var, [1.8, 1.1291666667])
    assert int(m.num_batches_tracked) == 0  # PyTorch's instance norm does not count
    m.eval()
    x = rng.standard_normal((2, 2, 4))
    ref = (x - m.running_mean[:, None]) / np.sqrt(m.running_var[:, None] + 1e-5)
    assert np.allclose(m(x).data, ref)
    with fw.test_mode():  # the global test mode counts as eval too
        m.train()
        assert np.allclose(m(x).data, ref)
    # Without tracking, eval mode still uses the input's statistics.
    plain = nn.InstanceNorm1d(2).eval()
    assert np.allclose(plain(x).data, _instance_norm_ref(x))
    # momentum=None: PyTorch passes 0, so the running statistics stay put.
    frozen = nn.InstanceNorm1d(2, track_running_stats=True, momentum=None)
    frozen(X)
    assert np.array_equal(frozen.running_mean, np.zeros(2))


def test_instance_norm_bad_inputs():
    with pytest.raises(ValueError, match=r"3-D \(C, \.\.\.\) or 4-D.*\(3, 4\)"):
        nn.InstanceNorm2d(3)(np.ones((3, 4)))
    with pytest.raises(ValueError, match="num_features=3"):
        nn.InstanceNorm2d(3, affine=True)(np.ones((2, 4, 3, 3)))
    with pytest.warns(UserWarning, match="num_features is unused"):
        nn.InstanceNorm2d(3)(np.ones((2, 4, 3, 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.InstanceNorm2d(4)(np.random.default_rng(0).standard_normal((2, 4, 3, 3)))
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        nn.InstanceNorm2d(3)(np.ones((2, 3, 1, 1)))
    with pytest.raises(ValueError, match="num_features"):
        nn.InstanceNorm1d(0)


def test_instance_norm_on_the_array_backend(xp):
    device = "cpu" if xp is np else "gpu"
    m = nn.InstanceNorm2d(2, affine=True, track_running_stats=True, dtype=np.float64)
    m.to(device)
    x = fw.Variable(xp.asarray(X.reshape(2, 2, 2, 2)))
    y = m(x)
    ref = nn.InstanceNorm2d(2, affine=True, dtype=np.float64)(X.reshape(2, 2, 2, 2))
    assert np.allclose(backend.as_numpy(y.data), ref.data)
    assert np.allclose(backend.as_numpy(m.running_mean), [0.25, 0.0875])
    (y * y).sum().backward()
    assert m.weight.grad is not None and x.grad.shape == (2, 2, 2, 2)
