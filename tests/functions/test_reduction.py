"""Reductions: sum, mean, max, min, logsumexp, sum_to, broadcast_to."""
import numpy as np
import pytest

import framework.functions as F
from framework import Variable
from framework.utils import array_allclose

AXES = [None, 0, 1, -1, (0, 2)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min"])
def test_reductions_match_numpy_and_gradients(name, axis, keepdims, gcheck, to_xp, rng):
    x = rng.normal(size=(2, 3, 4))  # continuous values: no ties for max/min
    f = getattr(F, name)
    y = f(Variable(to_xp(x)), axis=axis, keepdims=keepdims)
    assert array_allclose(y, getattr(np, name)(x, axis=axis, keepdims=keepdims), rtol=1e-12)
    assert gcheck(lambda t: f(t, axis=axis, keepdims=keepdims), x)


def test_max_gradient_goes_to_every_tie():
    x = Variable(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]]))
    F.max(x, axis=1).sum().backward()
    assert array_allclose(x.grad, [[0, 1, 1], [1, 0, 0]])


@pytest.mark.parametrize("shape", [(3, 4), (1, 4), (4,), (3, 1), ()], ids=str)
def test_sum_to_and_broadcast_to(shape, gcheck, rng):
    x = rng.normal(size=(3, 4))
    y = F.sum_to(Variable(x), shape)
    assert y.shape == shape
    assert np.isclose(y.data.sum(), x.sum())
    assert gcheck(lambda t: F.sum_to(t, shape), x)
    small = rng.normal(size=shape)
    assert F.broadcast_to(Variable(small), (3, 4)).shape == (3, 4)
    assert gcheck(lambda t: F.broadcast_to(t, (2, 3, 4)), small)


def naive_logsumexp(x, axis, keepdims=False):
    return np.log(np.exp(x).sum(axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", [1, 0, None, (0, 1), -1], ids=str)
def test_logsumexp_values_and_gradients(axis, keepdims, gcheck, to_xp, rng):
    x = rng.normal(size=(3, 4))
    y = F.logsumexp(Variable(to_xp(x)), axis=axis, keepdims=keepdims)
    assert array_allclose(y, naive_logsumexp(x, axis, keepdims), rtol=1e-12)
    assert gcheck(lambda t: F.logsumexp(t, axis=axis, keepdims=keepdims), x)


def test_logsumexp_default_axis_is_one():
    x = np.arange(6.0).reshape(2, 3)
    assert array_allclose(F.logsumexp(x), naive_logsumexp(x, 1))


def test_logsumexp_is_stable_for_large_and_infinite_inputs():
    x = np.array([[1000.0, 1000.0], [-1000.0, -1000.0], [-np.inf, -np.inf], [-np.inf, 0.0],
                  [np.inf, 0.0]])
    y = F.logsumexp(Variable(x), axis=1)
    expected = [1000 + np.log(2), -1000 + np.log(2), -np.inf, 0.0, np.inf]
    assert np.allclose(y.data, expected)
    v = Variable(x[:2].copy())
    F.logsumexp(v, axis=1).sum().backward()
    assert array_allclose(v.grad, np.full((2, 2), 0.5))


def test_logsumexp_second_order(second_order_check, rng):
    second_order_check(lambda t: F.logsumexp(t, axis=1), rng.normal(size=(2, 3)))


def test_mean_second_order_through_square(second_order_check, rng):
    second_order_check(lambda t: F.mean(t * t * t, axis=0), rng.normal(size=(2, 3)))
