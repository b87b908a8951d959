"""Chapters 42-43, 46-47, 57: the book's ``*_simple`` functions against the fused ones and
numpy, values and gradients; ``F.average``; DeZero's gradient_check and sum_to."""
import numpy as np
import pytest

import framework as dezero
import framework.functions as F
from framework import Variable
from framework.utils import gradient_check


def _grads(f, *arrays):
    xs = [Variable(a.copy()) for a in arrays]
    y = f(*xs)
    F.sum(y * np.arange(1, y.size + 1).reshape(y.shape)).backward()  # a non-uniform gy
    return y.data, [x.grad.data for x in xs]


def test_linear_simple_against_linear_and_numpy():
    rng = np.random.default_rng(0)
    x, W, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    y1, g1 = _grads(F.linear_simple, x, W, b)
    y2, g2 = _grads(F.linear, x, W, b)
    np.testing.assert_allclose(y1, x @ W + b)
    for a, c in zip(g1, g2):
        np.testing.assert_allclose(a, c)


def test_sigmoid_and_softmax_simple():
    x = np.random.default_rng(1).normal(size=(3, 4))
    y1, g1 = _grads(F.sigmoid_simple, x)
    y2, g2 = _grads(F.sigmoid, x)
    np.testing.assert_allclose(y1, 1 / (1 + np.exp(-x)))
    np.testing.assert_allclose(g1[0], g2[0])
    y1, g1 = _grads(F.softmax_simple, x)
    y2, g2 = _grads(F.softmax, x)
    np.testing.assert_allclose(y1, np.exp(x) / np.exp(x).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(g1[0], g2[0], atol=1e-12)


def test_softmax_cross_entropy_simple_prints_the_books_value():
    # Step 47: the book prints variable(1.4967442524053063) for this model and data.
    np.random.seed(0)
    model = dezero.models.MLP((10, 3))
    x = np.array([[0.2, -0.4], [0.3, 0.5], [1.3, -3.2], [2.1, 0.3]])
    t = np.array([2, 0, 1, 0])
    y = model(x)
    loss = F.softmax_cross_entropy_simple(y, t)
    assert float(loss.data) == pytest.approx(1.4967442524053063, rel=1e-12)
    assert float(F.softmax_cross_entropy(y, t).data) == pytest.approx(float(loss.data))
    p = np.exp(y.data) / np.exp(y.data).sum(axis=1, keepdims=True)
    assert float(loss.data) == pytest.approx(-np.log(p[np.arange(4), t]).mean())


def _conv_by_hand(x, W, b, stride, pad):
    N, C, H, Wd = x.shape
    OC, _, KH, KW = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    OH, OW = (H + 2 * pad - KH) // stride + 1, (Wd + 2 * pad - KW) // stride + 1
    y = np.zeros((N, OC, OH, OW))
    for i in range(OH):
        for j in range(OW):
            patch = xp[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
            y[:, :, i, j] = np.tensordot(patch, W, axes=([1, 2, 3], [1, 2, 3])) + b
    return y


@pytest.mark.parametrize("stride,pad", [(1, 0), (2, 1), (1, 2)])
def test_conv2d_simple_against_conv2d_and_loops(stride, pad):
    rng = np.random.default_rng(2)
    x, W, b = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    y1, g1 = _grads(lambda x, W, b: F.conv2d_simple(x, W, b, stride, pad), x, W, b)
    y2, g2 = _grads(lambda x, W, b: F.conv2d(x, W, b, stride, pad), x, W, b)
    np.testing.assert_allclose(y1, _conv_by_hand(x, W, b, stride, pad), atol=1e-10)
    np.testing.assert_allclose(y1, y2, atol=1e-10)
    for a, c in zip(g1, g2):
        np.testing.assert_allclose(a, c, atol=1e-10)
    assert gradient_check(lambda x: F.conv2d_simple(x, W, b, stride, pad), x)


@pytest.mark.parametrize("kernel,stride", [(2, 2), (3, 1), (3, 2)])
def test_pooling_simple_against_pooling_and_loops(kernel, stride):
    x = np.random.default_rng(3).normal(size=(2, 3, 7, 7))
    y1, g1 = _grads(lambda x: F.pooling_simple(x, kernel, stride), x)
    y2, g2 = _grads(lambda x: F.pooling(x, kernel, stride), x)
    OH = (7 - kernel) // stride + 1
    by_hand = np.array([[[[x[n, c, i * stride:i * stride + kernel, j * stride:j * stride + kernel].max()
                           for j in range(OH)] for i in range(OH)] for c in range(3)]
                        for n in range(2)])
    np.testing.assert_array_equal(y1, by_hand)
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_allclose(g1[0], g2[0])


def test_average_is_the_mean():
    x = np.arange(12.0).reshape(3, 4)
    assert float(F.average(x).data) == pytest.approx(5.5)
    np.testing.assert_allclose(F.average(x, axis=0, keepdims=True).data, x.mean(0, keepdims=True))
    assert gradient_check(lambda v: F.average(v, axis=1), x)


def test_gradient_check_takes_integer_data_as_dezero():
    # DeZero's tests pass integer arrays to gradient_check; it differentiates in float64.
    assert gradient_check(lambda x: x ** 3, np.array([1, 2, 3]))


def test_sum_to_a_one_element_shape_sums_everything():
    x = np.random.rand(10)
    y = F.sum_to(Variable(x), (1,))
    assert y.shape == (1,) and y.data[0] == pytest.approx(x.sum())
    assert dezero.utils.array_allclose(y, np.sum(x))  # DeZero's test compares with a 0-d sum
    with pytest.raises(ValueError, match=r"\(10, 20, 20\) cannot be summed to \(10,\)"):
        F.sum_to(Variable(np.ones((10, 20, 20))), (10,))


def test_binary_cross_entropy_reshapes_labels_as_dezero():
    # examples/gan.py: an (N, 1) output against (N,) labels.
    p = np.array([[0.9], [0.2], [0.6]])
    t = np.array([1, 0, 1])
    expected = -np.mean(t * np.log(p[:, 0]) + (1 - t) * np.log(1 - p[:, 0]))
    assert float(F.binary_cross_entropy(p, t).data) == pytest.approx(expected)
    with pytest.raises(ValueError, match="shapes differ"):
        F.binary_cross_entropy(p, np.array([1, 0]))
