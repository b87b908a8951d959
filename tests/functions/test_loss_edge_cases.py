"""Losses on integer inputs and empty batches; conv freeing its im2col matrix."""
import warnings

import numpy as np
import pytest

import framework.functions as F
from framework import Variable


def test_integer_inputs_give_a_float_loss():
    assert F.mean_squared_error(np.array([1, 2]), np.array([0, 0])).data == 2.5
    y = F.softmax_cross_entropy(np.array([[0, 0]]), np.array([0]))
    assert y.dtype == np.float64 and np.isclose(y.data, np.log(2))
    y = F.sigmoid_cross_entropy(np.array([[0]]), np.array([[1]]))
    assert np.isclose(y.data, np.log(2))
    # float targets against integer scores are not truncated to integers
    y = F.sigmoid_cross_entropy(np.array([[0]]), np.array([[0.5]]))
    assert np.isclose(y.data, np.log(2))


@pytest.mark.parametrize("name", ["mse", "softmax_ce", "sigmoid_ce", "bce"])
def test_empty_batch_gives_nan_loss_and_empty_gradients(name):
    x = Variable(np.zeros((0, 3), np.float32))
    losses = {
        "mse": lambda: F.mean_squared_error(x, np.zeros((0, 3), np.float32)),
        "softmax_ce": lambda: F.softmax_cross_entropy(x, np.zeros(0, np.int64)),
        "sigmoid_ce": lambda: F.sigmoid_cross_entropy(x, np.zeros((0, 3), np.int64)),
        "bce": lambda: F.binary_cross_entropy(x, np.zeros((0, 3), np.int64)),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = losses[name]()
        assert np.isnan(loss.data) and loss.dtype == np.float32
        loss.backward()
    assert x.grad.shape == (0, 3)


def test_batch_norm_empty_batch_keeps_running_statistics():
    mean, var = np.zeros(3, np.float32), np.ones(3, np.float32)
    x = Variable(np.zeros((0, 3), np.float32))
    gamma, beta = Variable(np.ones(3, np.float32)), Variable(np.zeros(3, np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = F.batch_norm(x, gamma, beta, mean, var)
        y.sum().backward()
    assert y.shape == (0, 3)
    assert mean.tolist() == [0, 0, 0] and var.tolist() == [1, 1, 1]
    assert gamma.grad.data.tolist() == [0, 0, 0]


def test_conv2d_drops_its_im2col_matrix_after_backward():
    rng = np.random.default_rng(0)
    x = Variable(rng.standard_normal((2, 3, 6, 6)))
    W = Variable(rng.standard_normal((4, 3, 3, 3)))
    y = F.conv2d(x, W)
    y.sum().backward()
    assert y.creator.col is None
    g1 = W.grad.data.copy()
    W.cleargrad()
    y.sum().backward()  # a second pass recomputes the matrix
    np.testing.assert_allclose(W.grad.data, g1)
