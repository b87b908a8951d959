"""Losses with DeZero's reductions: values, stability, gradients, input checks."""
import numpy as np
import pytest

import framework.functions as F
from framework import Variable
from framework.utils import array_allclose


def test_mean_squared_error_divides_by_batch(gcheck, to_xp, rng):
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    y = F.mean_squared_error(Variable(to_xp(a)), Variable(to_xp(b)))
    assert y.shape == () and np.isclose(float(y.data), ((a - b) ** 2).sum() / 4)
    assert gcheck(F.mean_squared_error, a, b)
    assert gcheck(F.mean_squared_error, a, b[0])  # broadcast target


def test_mean_squared_error_second_order():
    x = Variable(np.array([[1.0], [2.0]]))
    F.mean_squared_error(x, np.zeros((2, 1))).backward(create_graph=True)
    gx = x.grad
    assert array_allclose(gx, [[1.0], [2.0]])  # 2 x / N
    x.cleargrad()
    gx.sum().backward()
    assert array_allclose(x.grad, [[1.0], [1.0]])


def naive_softmax_ce(x, t):
    p = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    return -np.log(p[np.arange(len(t)), t]).mean()


def test_softmax_cross_entropy_value_and_gradient(gcheck, to_xp, rng):
    x, t = rng.normal(size=(5, 4)), np.array([0, 3, 1, 1, 2])
    y = F.softmax_cross_entropy(Variable(to_xp(x)), to_xp(t))
    assert np.isclose(float(y.data), naive_softmax_ce(x, t))
    assert gcheck(lambda v: F.softmax_cross_entropy(v, to_xp(t)), x)
    v = Variable(to_xp(x))
    F.softmax_cross_entropy(v, to_xp(t)).backward()
    p = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    assert array_allclose(v.grad, (p - np.eye(4)[t]) / 5, rtol=1e-10)
    assert type(v.grad.creator).__name__ != "SoftmaxCrossEntropy"


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    x = np.array([[1000.0, 0.0, -1000.0], [0.0, 2000.0, 0.0]])
    y = F.softmax_cross_entropy(Variable(x), np.array([2, 1]))
    assert np.isclose(float(y.data), 2000 / 2)
    v = Variable(x)
    F.softmax_cross_entropy(v, np.array([2, 1])).backward()
    assert np.all(np.isfinite(v.grad.data))


def test_softmax_cross_entropy_second_order(second_order_check, rng):
    t = np.array([1, 0])
    second_order_check(lambda v: F.softmax_cross_entropy(v, t), rng.normal(size=(2, 3)))


@pytest.mark.parametrize("t, match", [
    (np.array([0, 4]), r"\[0, 4\).*from 0 to 4"),
    (np.array([-1, 0]), r"from -1 to 0"),
    (np.array([0.0, 1.0]), "integer class indices"),
    (np.array([0, 1, 2]), r"\(2, 4\) and \(3,\)"),
])
def test_softmax_cross_entropy_rejects_bad_labels(t, match):
    with pytest.raises(ValueError, match=match):
        F.softmax_cross_entropy(Variable(np.zeros((2, 4))), t)


def naive_bce(p, t):
    return -(t * np.log(p) + (1 - t) * np.log(1 - p)).sum() / len(p)


@pytest.mark.parametrize("shape", [(5,), (4, 3)], ids=str)
def test_sigmoid_cross_entropy_value_and_gradients(shape, gcheck, to_xp, rng):
    x = rng.normal(size=shape)
    t = rng.integers(0, 2, size=shape)
    y = F.sigmoid_cross_entropy(Variable(to_xp(x)), to_xp(t))
    assert np.isclose(float(y.data), naive_bce(1 / (1 + np.exp(-x)), t))
    assert gcheck(lambda v: F.sigmoid_cross_entropy(v, to_xp(t)), x)
    # soft float targets take a gradient too
    assert gcheck(F.sigmoid_cross_entropy, x, rng.uniform(size=shape))


def test_sigmoid_cross_entropy_is_stable():
    x = Variable(np.array([1000.0, -1000.0, 1000.0]))
    y = F.sigmoid_cross_entropy(x, np.array([1, 0, 0]))
    assert np.isclose(float(y.data), 1000 / 3)
    y.backward()
    assert array_allclose(x.grad, [0, 0, 1 / 3])


@pytest.mark.parametrize("shape", [(5,), (4, 3)], ids=str)
def test_binary_cross_entropy_value_and_gradients(shape, gcheck, to_xp, rng):
    p = rng.uniform(0.1, 0.9, size=shape)
    t = rng.integers(0, 2, size=shape)
    y = F.binary_cross_entropy(Variable(to_xp(p)), to_xp(t))
    assert np.isclose(float(y.data), naive_bce(p, t))
    assert gcheck(lambda v: F.binary_cross_entropy(v, to_xp(t)), p)
    assert gcheck(F.binary_cross_entropy, p, rng.uniform(size=shape))


def test_binary_cross_entropy_saturated_probabilities_stay_finite():
    p = Variable(np.array([0.0, 1.0, 1.0]))
    y = F.binary_cross_entropy(p, np.array([0, 1, 0]))
    assert np.isclose(float(y.data), 100 / 3)  # log(0) is floored at -100
    y.backward()
    assert np.all(np.isfinite(p.grad.data))


def test_binary_cross_entropy_matches_sigmoid_cross_entropy(rng):
    x, t = rng.normal(size=(6,)), rng.integers(0, 2, size=6)
    a = F.sigmoid_cross_entropy(x, t)
    b = F.binary_cross_entropy(F.sigmoid(x), t)
    assert np.isclose(float(a.data), float(b.data))


def test_shape_mismatch_is_reported():
    with pytest.raises(ValueError, match=r"\(3,\) and \(3, 1\)"):
        F.sigmoid_cross_entropy(np.zeros(3), np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"\(2,\) and \(3,\)"):
        F.binary_cross_entropy(np.full(2, 0.5), np.zeros(3))


def test_softmax_cross_entropy_gradient_same_with_and_without_create_graph(rng):
    x, t = rng.normal(size=(4, 5)), np.array([4, 0, 2, 2])
    grads = []
    for create_graph in (False, True):
        v = Variable(x.copy())
        F.softmax_cross_entropy(v, t).backward(gradient=np.array(3.0),
                                               create_graph=create_graph)
        assert (v.grad.creator is not None) == create_graph
        grads.append(v.grad.data)
    assert array_allclose(grads[0], grads[1], rtol=1e-12)
