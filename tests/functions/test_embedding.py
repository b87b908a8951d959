"""embed_id: row lookup; repeated ids accumulate their gradients."""
import numpy as np
import pytest

import framework.functions as F
from framework import Variable, backend
from framework.utils import gradient_check


def test_lookup_picks_rows(xp):
    W = xp.asarray(np.arange(12.0).reshape(4, 3))
    ids = xp.asarray(np.array([[3, 0], [1, 1]]))
    y = F.embed_id(ids, W)
    assert y.shape == (2, 2, 3)
    np.testing.assert_array_equal(backend.as_numpy(y.data), backend.as_numpy(W)[[[3, 0], [1, 1]]])


def test_repeated_ids_accumulate_gradient(xp):
    W = Variable(xp.asarray(np.random.default_rng(0).standard_normal((5, 2))))
    ids = np.array([1, 3, 1, 1, 0])
    gy = np.arange(10.0).reshape(5, 2)
    F.embed_id(ids, W).backward(gradient=xp.asarray(gy))
    expected = np.zeros((5, 2))
    np.add.at(expected, ids, gy)
    np.testing.assert_array_equal(backend.as_numpy(W.grad.data), expected)
    assert (backend.as_numpy(W.grad.data)[[2, 4]] == 0).all()


def test_gradient_check(xp):
    rng = np.random.default_rng(1)
    W = xp.asarray(rng.standard_normal((4, 3)))
    ids = Variable(xp.asarray(np.array([[0, 2, 2], [3, 0, 2]])), requires_grad=False)
    w = xp.asarray(rng.standard_normal((2, 3, 3)))
    assert gradient_check(lambda W: F.embed_id(ids, W), W, gy=w)


def test_second_order_gradient_is_a_lookup(xp):
    W = Variable(xp.asarray(np.ones((4, 2))))
    g = Variable(xp.asarray(np.array([[1.0, 2.0], [3.0, 4.0]])))
    F.embed_id([2, 2], W).backward(gradient=g, create_graph=True)
    v = xp.asarray(np.arange(8.0).reshape(4, 2))
    (W.grad * v).sum().backward()
    np.testing.assert_array_equal(backend.as_numpy(g.grad.data), [[4.0, 5.0], [4.0, 5.0]])


def test_float32_preserved(xp):
    W = Variable(xp.ones((3, 4), dtype=np.float32))
    y = F.embed_id(xp.asarray(np.array([0, 2])), W)
    assert y.dtype == np.float32
    y.sum().backward()
    assert W.grad.dtype == np.float32


def test_bad_ids_are_reported(xp):
    W = xp.ones((3, 2))
    with pytest.raises(IndexError, match="id 3 is out of range"):
        F.embed_id(np.array([0, 3]), W)
    with pytest.raises(IndexError, match="id -1"):
        F.embed_id(np.array([-1]), W)
    with pytest.raises(TypeError, match="integers"):
        F.embed_id(np.array([0.0, 1.0]), W)
