"""Activations: values, stability at extreme inputs, gradients, higher orders."""
import numpy as np
import pytest

import framework.functions as F
from framework import Variable
from framework.utils import array_allclose


def ref_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def test_sigmoid_values_and_extremes(to_xp):
    x = np.array([-1000.0, -30.0, -1.0, 0.0, 1.0, 30.0, 1000.0])
    with np.errstate(over="ignore"):
        expected = 1 / (1 + np.exp(-x))
    y = F.sigmoid(Variable(to_xp(x)))
    assert array_allclose(y, expected, rtol=1e-12, atol=1e-300)
    assert np.all(np.isfinite(y.numpy()))


def test_relu_and_leaky_relu_values(to_xp):
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    assert array_allclose(F.relu(Variable(to_xp(x))), np.maximum(x, 0))
    assert array_allclose(F.leaky_relu(Variable(to_xp(x))), np.where(x > 0, x, 0.2 * x))
    assert array_allclose(F.leaky_relu(to_xp(x), slope=0.01), np.where(x > 0, x, 0.01 * x))
    v = Variable(to_xp(x))
    F.leaky_relu(v, 0.1).sum().backward()
    assert array_allclose(v.grad, [0.1, 0.1, 0.1, 1, 1])
    v = Variable(to_xp(x))
    F.relu(v).sum().backward()
    assert array_allclose(v.grad, [0, 0, 0, 1, 1])


def away_from_zero(rng, shape):
    return rng.uniform(0.2, 2.0, shape) * rng.choice([-1, 1], shape)


@pytest.mark.parametrize("f", [F.sigmoid, F.relu, F.leaky_relu, lambda x: F.leaky_relu(x, 0.05)],
                         ids=["sigmoid", "relu", "leaky_relu", "leaky_relu_0.05"])
def test_elementwise_activation_gradients(f, gcheck, rng):
    assert gcheck(f, away_from_zero(rng, (3, 4)))


@pytest.mark.parametrize("axis", [1, 0, -1, 2])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_values_and_gradients(name, axis, gcheck, to_xp, rng):
    x = rng.normal(size=(2, 3, 4))
    y = getattr(F, name)(Variable(to_xp(x)), axis=axis)
    expected = ref_softmax(x, axis)
    if name == "log_softmax":
        expected = np.log(expected)
    assert array_allclose(y, expected, rtol=1e-10)
    # weighted upstream gradient: a ones gradient makes softmax's gradient vanish
    gy = to_xp(rng.normal(size=x.shape))
    assert gcheck(lambda t: getattr(F, name)(t, axis=axis), x, gy=gy)


def test_softmax_default_axis_and_stability():
    x = np.array([[1000.0, 1000.0, 0.0], [-1000.0, 0.0, 1000.0]])
    y = F.softmax(Variable(x))
    assert array_allclose(y, [[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    ly = F.log_softmax(Variable(x))
    assert np.all(np.isfinite(ly.data))
    assert array_allclose(ly, [[-np.log(2), -np.log(2), -1000 - np.log(2)], [-2000, -1000, 0]])


@pytest.mark.parametrize("f", [F.sigmoid, F.tanh, lambda t: F.softmax(t, axis=1) * t,
                               lambda t: F.log_softmax(t, axis=1) ** 2,
                               lambda t: F.leaky_relu(t) ** 3],
                         ids=["sigmoid", "tanh", "softmax", "log_softmax", "leaky_relu"])
def test_activation_second_order(f, second_order_check, rng):
    second_order_check(f, away_from_zero(rng, (2, 3)))
