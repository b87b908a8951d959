"""erf, gelu, silu, elu, softplus; standardize; constant pad; huber: values against numpy
formulas, first derivatives against central differences, second derivatives through
create_graph."""
import math

import numpy as np
import pytest

import framework.functions as F
from framework.functions.smooth_activation import erf_array


def _phi(x):
    return 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


def test_erf_matches_math_erf_to_1e14_over_the_whole_range():
    x = np.concatenate([np.linspace(-9, 9, 20001), [0.0, -0.0, 2.5, -2.5, 1e-300, 40.0]])
    ref = np.vectorize(math.erf)(x)
    got = erf_array(x)
    assert np.max(np.abs(got - ref) / np.maximum(np.abs(ref), 1e-300)) < 1e-14
    assert erf_array(np.array([np.inf, -np.inf])).tolist() == [1.0, -1.0]
    assert erf_array(np.float32([0.5])).dtype == np.float32


@pytest.mark.parametrize("name, f, ref", [
    ("erf", F.erf, np.vectorize(math.erf)),
    ("normal_cdf", F.normal_cdf, _phi),
    ("gelu", F.gelu, lambda x: x * _phi(x)),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"),
     lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
    ("silu", F.silu, lambda x: x / (1 + np.exp(-x))),
    ("elu", lambda x: F.elu(x, alpha=0.7), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x))),
    ("softplus", F.softplus, lambda x: np.log1p(np.exp(x))),
    ("softplus_beta", lambda x: F.softplus(x, beta=2.0, threshold=3.0),
     lambda x: np.where(2 * x > 3, x, np.log1p(np.exp(2 * x)) / 2)),
])
def test_values_first_and_second_derivatives(name, f, ref, gcheck, second_order_check):
    x = np.array([-3.1, -1.2, -0.3, 0.2, 0.9, 1.7, 2.6, 4.0])
    assert np.allclose(f(x).data, ref(x), rtol=1e-12, atol=1e-14), name
    gcheck(f, x.reshape(2, 4))
    second_order_check(f, x)


def test_softplus_is_linear_above_the_threshold_and_stable():
    x = np.array([-800.0, 25.0, 800.0])
    y = F.softplus(x).data
    assert np.allclose(y, [0.0, 25.0, 800.0]) and np.all(np.isfinite(y))
    with pytest.raises(ValueError, match="beta"):
        F.softplus(x, beta=0)
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(x, approximate="fast")


def test_standardize_matches_numpy_and_its_gradients(gcheck, second_order_check, rng):
    x = rng.standard_normal((2, 3, 4))
    y = F.standardize(x, ndim=2, eps=1e-5).data
    mu = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)
    assert np.allclose(y, (x - mu) / np.sqrt(var + 1e-5), atol=1e-12)
    gcheck(lambda v: F.standardize(v, 2), x, gy=rng.standard_normal(x.shape))
    w = rng.standard_normal(4)
    second_order_check(lambda v: F.standardize(v, 1) * w, rng.standard_normal((3, 4)))
    with pytest.raises(ValueError, match="ndim"):
        F.standardize(x, ndim=4)


def test_pad_values_and_gradient(gcheck, rng):
    x = rng.standard_normal((2, 3))
    y = F.pad(x, ((1, 0), (2, 1)), value=-2.0).data
    assert np.array_equal(y, np.pad(x, ((1, 0), (2, 1)), constant_values=-2.0))
    assert F.pad(x, 1).shape == (4, 5)
    gcheck(lambda v: F.pad(v, ((1, 2), (0, 3))), x, gy=rng.standard_normal((5, 6)))
    with pytest.raises(ValueError, match="pad_width"):
        F.pad(x, ((1, -1), (0, 0)))


def test_huber_values_and_gradient(gcheck, second_order_check):
    a = np.array([[-2.5, -0.4, 0.1], [0.6, 1.5, 3.0]])
    b = np.array([[0.0, 0.3, -0.2], [0.1, 0.0, 1.0]])
    d = a - b
    ref = np.where(np.abs(d) <= 0.8, 0.5 * d * d, 0.8 * (np.abs(d) - 0.4))
    assert np.allclose(F.huber(a, b, delta=0.8).data, ref)
    gcheck(lambda u, v: F.huber(u, v, 0.8), a, b)
    with pytest.raises(ValueError, match="delta"):
        F.huber(a, b, delta=0)
