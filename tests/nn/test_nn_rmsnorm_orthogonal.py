"""RMSNorm and rms_norm, adaptive max pooling, and the orthogonal_ / dirac_ initialisers:
values against numpy and PyTorch's printed numbers, gradients numerically."""
import numpy as np
import pytest

import framework.nn.functional as NF
from framework import nn
from framework.utils import gradient_check


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _rms(x, axes, eps):
    return x / np.sqrt((x * x).mean(axis=axes, keepdims=True) + eps)


def test_rms_norm_values_and_default_eps(rng):
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]], dtype=np.float32)
    # torch.nn.functional.rms_norm(x, (3,)) in float32
    expected = [[0.4629100561, 0.9258201122, 1.3887301683], [-0.4170288146, 0.2085144073,
                                                             1.6681152582]]
    y = NF.rms_norm(x, (3,))
    assert y.dtype == np.float32 and np.allclose(y.data, expected, atol=1e-6)
    assert np.allclose(NF.rms_norm(x.astype(np.float64), 3, eps=0.5).data,
                       [[0.4399413451, 0.8798826901, 1.3198240352], [-0.4, 0.2, 1.6]])
    # eps=None is the dtype's machine epsilon
    z = np.zeros((2, 3))
    z[0, 0] = 1e-9
    got = NF.rms_norm(z, 3).data
    assert np.allclose(got, _rms(z, (1,), np.finfo(np.float64).eps))
    x3 = rng.standard_normal((2, 3, 4))
    assert np.allclose(NF.rms_norm(x3, (3, 4), eps=1e-5).data, _rms(x3, (1, 2), 1e-5))


def test_rms_norm_gradients(rng):
    x = rng.standard_normal((2, 3, 4))
    w = rng.standard_normal((4,))
    gradient_check(lambda v, u: NF.rms_norm(v, (4,), u, eps=1e-6), x, w,
                   gy=rng.standard_normal(x.shape))
    gradient_check(lambda v: NF.rms_norm(v, (3, 4)), x, gy=rng.standard_normal(x.shape))


def test_rms_norm_bad_shape():
    with pytest.raises(ValueError, match="normalized_shape"):
        NF.rms_norm(np.ones((2, 3)), (2,))
    with pytest.raises(ValueError, match="normalized_shape"):
        NF.rms_norm(np.ones(3), (1, 3))


def test_rmsnorm_layer(rng, check_parameter_gradients):
    m = nn.RMSNorm(4)
    assert m.eps is None and m.weight.shape == (4,) and m.weight.dtype == np.float32
    assert repr(m) == "RMSNorm((4,), eps=None, elementwise_affine=True)"
    x = rng.standard_normal((3, 4)).astype(np.float32)
    assert np.allclose(m(x).data, _rms(x, (1,), np.finfo(np.float32).eps), atol=1e-6)
    plain = nn.RMSNorm([2, 3], eps=1e-6, elementwise_affine=False)
    assert plain.weight is None and list(plain.parameters()) == []
    assert repr(plain) == "RMSNorm((2, 3), eps=1e-06, elementwise_affine=False)"
    x2 = rng.standard_normal((5, 2, 3))
    assert np.allclose(plain(x2).data, _rms(x2, (1, 2), 1e-6))
    m = nn.RMSNorm(3, dtype=np.float64)
    m.weight.data[...] = [0.5, -1.0, 2.0]
    x3 = rng.standard_normal((2, 3))
    assert np.allclose(m(x3).data, _rms(x3, (1,), np.finfo(np.float64).eps) * [0.5, -1, 2])
    gy = rng.standard_normal((2, 3))
    check_parameter_gradients(lambda: (m(x3) * gy).sum(), [m.weight])
    with pytest.raises(ValueError):
        nn.RMSNorm(3, eps=-1.0)
    import framework.nn.modules.normalization as norm
    assert norm.RMSNorm is nn.RMSNorm and "RMSNorm" in nn.__all__


def test_adaptive_max_pool2d_matches_pytorch():
    x = np.sin(np.arange(2 * 1 * 5 * 7, dtype=np.float64).reshape(2, 1, 5, 7))
    out, idx = NF.adaptive_max_pool2d(x, (3, 4), return_indices=True)
    # torch.nn.functional.adaptive_max_pool2d(x, (3, 4), return_indices=True)
    assert idx.dtype == np.int64
    assert idx.data.tolist() == [[[[8, 8, 3, 13], [14, 8, 26, 27], [21, 22, 33, 33]]],
                                 [[[0, 10, 4, 5], [22, 23, 17, 12], [29, 23, 24, 34]]]]
    assert np.allclose(out.data[0, 0, 0], [0.9893582466, 0.9893582466, 0.1411200081,
                                           0.4201670368])
    flat = x.reshape(2, 1, 35)
    assert np.array_equal(out.data, np.take_along_axis(flat, idx.data.reshape(2, 1, 12),
                                                       axis=2).reshape(2, 1, 3, 4))


def test_adaptive_max_pool2d_windows_and_gradient(rng):
    x = rng.standard_normal((2, 3, 6, 4))
    y = NF.adaptive_max_pool2d(x, (2, 1)).data
    assert np.allclose(y, x.reshape(2, 3, 2, 3, 4).max(axis=(3, 4))[..., None])
    assert np.allclose(NF.adaptive_max_pool2d(x, 1).data, x.max(axis=(2, 3), keepdims=True))
    assert NF.adaptive_max_pool2d(x, (None, 3)).shape == (2, 3, 6, 3)
    assert NF.adaptive_max_pool2d(x[0], (3, 3)).shape == (3, 3, 3)  # unbatched
    gradient_check(lambda v: NF.adaptive_max_pool2d(v, (4, 3)), x,
                   gy=rng.standard_normal((2, 3, 4, 3)))
    m = nn.AdaptiveMaxPool2d((5, None))
    assert repr(m) == "AdaptiveMaxPool2d(output_size=(5, None))"
    assert m(x).shape == (2, 3, 5, 4)
    out, idx = nn.AdaptiveMaxPool2d(2, return_indices=True)(x)
    assert out.shape == idx.shape == (2, 3, 2, 2)
    with pytest.raises(ValueError, match="3-D"):
        NF.adaptive_max_pool2d(np.ones((2, 3)), 2)
    with pytest.raises(ValueError, match="output_size"):
        NF.adaptive_max_pool2d(x, (0, 2))
    import framework.nn.modules.pooling as pooling
    assert pooling.AdaptiveMaxPool2d is nn.AdaptiveMaxPool2d


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (3, 2, 2), (6, 2, 3, 1)])
def test_orthogonal(shape):
    np.random.seed(0)
    p = nn.Parameter(np.empty(shape, dtype=np.float32))
    assert nn.init.orthogonal_(p) is p
    assert p.dtype == np.float32 and p.shape == shape
    m = p.data.reshape(shape[0], -1).astype(np.float64)
    rows, cols = m.shape
    gram = m @ m.T if rows <= cols else m.T @ m
    assert np.allclose(gram, np.eye(min(rows, cols)), atol=1e-5)
    nn.init.orthogonal_(p, gain=2.0)
    m = p.data.reshape(shape[0], -1).astype(np.float64)
    gram = m @ m.T if rows <= cols else m.T @ m
    assert np.allclose(gram, 4 * np.eye(min(rows, cols)), atol=1e-5)


def test_orthogonal_draws_follow_the_seed_and_bad_inputs():
    np.random.seed(3)
    a = nn.init.orthogonal_(np.empty((4, 6)))
    np.random.seed(3)
    b = nn.init.orthogonal_(np.empty((4, 6)))
    assert np.array_equal(a, b)
    assert nn.init.orthogonal_(np.empty((0, 3))).shape == (0, 3)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        nn.init.orthogonal_(np.empty(4))
    lin = nn.Linear(8, 3)
    nn.init.orthogonal_(lin.weight, gain=np.sqrt(2))
    assert np.allclose(lin.weight.data @ lin.weight.data.T, 2 * np.eye(3), atol=1e-5)


def test_dirac():
    w = nn.init.dirac_(np.full((6, 4, 3, 3), 7.0), groups=2)
    # torch: nn.init.dirac_(torch.empty(6, 4, 3, 3), 2).nonzero()
    assert np.argwhere(w).tolist() == [[0, 0, 1, 1], [1, 1, 1, 1], [2, 2, 1, 1],
                                       [3, 0, 1, 1], [4, 1, 1, 1], [5, 2, 1, 1]]
    assert np.argwhere(nn.init.dirac_(np.ones((2, 3, 3)))).tolist() == [[0, 0, 1], [1, 1, 1]]
    conv = nn.Conv2d(3, 3, 3, padding=1, bias=False)
    nn.init.dirac_(conv.weight)
    x = np.random.default_rng(1).standard_normal((1, 3, 5, 5)).astype(np.float32)
    assert np.allclose(conv(x).data, x, atol=1e-6)
    with pytest.raises(ValueError, match="3, 4, or 5"):
        nn.init.dirac_(np.ones((3, 3)))
    with pytest.raises(ValueError, match="divisible"):
        nn.init.dirac_(np.ones((5, 2, 3)), groups=2)
