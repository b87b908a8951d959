"""batch_norm: batch statistics, DeZero's running-statistics rule, test mode, gradients."""
import contextlib

import numpy as np
import pytest

import framework as fw
import framework.functions as F
from framework import Variable, backend
from framework.utils import gradient_check, numerical_grad

SHAPES = [(6, 3), (4, 3, 2, 3)]


def _axes(shape):
    return (0,) if len(shape) == 2 else (0, 2, 3)


def _bshape(shape):
    return (1, shape[1]) + (1,) * (len(shape) - 2)


def stats(xp, shape, seed=0):
    rng = np.random.default_rng(seed)
    x = xp.asarray(rng.standard_normal(shape) * 2 + 1)
    c = shape[1]
    gamma = xp.asarray(rng.standard_normal(c) + 1.5)
    beta = xp.asarray(rng.standard_normal(c))
    mean = xp.asarray(rng.standard_normal(c))
    var = xp.asarray(rng.random(c) + 0.5)
    return x, gamma, beta, mean, var


@pytest.mark.parametrize("shape", SHAPES)
def test_training_mode_normalizes_with_batch_statistics(xp, shape):
    x, gamma, beta, mean, var = stats(xp, shape)
    y = backend.as_numpy(F.batch_norm(x, gamma, beta, mean, var, eps=1e-5).data)
    xn, ax, bs = backend.as_numpy(x), _axes(shape), _bshape(shape)
    ref = (xn - xn.mean(ax, keepdims=True)) / np.sqrt(xn.var(ax, keepdims=True) + 1e-5)
    ref = ref * backend.as_numpy(gamma).reshape(bs) + backend.as_numpy(beta).reshape(bs)
    np.testing.assert_allclose(y, ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
def test_running_statistics_follow_the_decay_rule_in_place(xp, shape):
    x, gamma, beta, mean, var = stats(xp, shape)
    mean_id, var_id = id(mean), id(var)
    m0, v0 = backend.as_numpy(mean).copy(), backend.as_numpy(var).copy()
    F.batch_norm(x, gamma, beta, mean, var, decay=0.7)
    xn, ax = backend.as_numpy(x), _axes(shape)
    m = xn.size // shape[1]
    np.testing.assert_allclose(backend.as_numpy(mean), 0.7 * m0 + 0.3 * xn.mean(ax), rtol=1e-12)
    np.testing.assert_allclose(backend.as_numpy(var),
                               0.7 * v0 + 0.3 * xn.var(ax) * m / (m - 1), rtol=1e-12)
    assert id(mean) == mean_id and id(var) == var_id


@pytest.mark.parametrize("shape", SHAPES)
def test_test_mode_uses_running_statistics_and_leaves_them(xp, shape):
    x, gamma, beta, mean, var = stats(xp, shape)
    m0, v0 = backend.as_numpy(mean).copy(), backend.as_numpy(var).copy()
    with fw.test_mode():
        y = backend.as_numpy(F.batch_norm(x, gamma, beta, mean, var, eps=1e-3).data)
    bs = _bshape(shape)
    ref = (backend.as_numpy(x) - m0.reshape(bs)) / np.sqrt(v0.reshape(bs) + 1e-3)
    ref = ref * backend.as_numpy(gamma).reshape(bs) + backend.as_numpy(beta).reshape(bs)
    np.testing.assert_allclose(y, ref, rtol=1e-12)
    np.testing.assert_array_equal(backend.as_numpy(mean), m0)
    np.testing.assert_array_equal(backend.as_numpy(var), v0)


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_gradients_in_both_modes(xp, shape, train):
    x, gamma, beta, mean, var = stats(xp, shape)
    w = xp.asarray(np.random.default_rng(9).standard_normal(shape))  # sum(y) alone has gx = 0

    def f(x, gamma, beta):
        # Copies: training mode updates the running arrays on every call.
        return F.batch_norm(x, gamma, beta, mean.copy(), var.copy())

    if train:
        assert gradient_check(f, x, gamma, beta, gy=w)
    else:
        with fw.test_mode():
            assert gradient_check(f, x, gamma, beta, gy=w)


@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_recorded_backward_equals_the_fast_one(xp, shape, train):
    """create_graph=True takes the differentiable path; it must give the same gradients."""
    data = stats(xp, shape)
    w = xp.asarray(np.random.default_rng(3).standard_normal(shape))
    grads = []
    for create_graph in (False, True):
        x, gamma, beta = (Variable(a.copy()) for a in data[:3])
        with fw.test_mode() if not train else contextlib.nullcontext():
            y = F.batch_norm(x, gamma, beta, data[3].copy(), data[4].copy())
        y.backward(gradient=w, create_graph=create_graph)
        grads.append([backend.as_numpy(v.grad.data) for v in (x, gamma, beta)])
    for fast, recorded in zip(*grads, strict=True):
        np.testing.assert_allclose(recorded, fast, rtol=1e-10, atol=1e-12)


def _bn_grad_x(x, gamma, gy, eps):
    """Reference gradient of training-mode batch norm w.r.t. a 2-D x (numpy, by formula)."""
    m = x.shape[0]
    xc = x - x.mean(0)
    inv = 1 / np.sqrt((xc ** 2).mean(0) + eps)
    xhat = xc * inv
    return gamma * inv * (gy - gy.sum(0) / m - xhat * (gy * xhat).sum(0) / m)


def test_second_order_in_training_mode():
    rng = np.random.default_rng(4)
    xd, gd, gy, v = (rng.standard_normal(s) for s in ((5, 2), (2,), (5, 2), (5, 2)))
    x, gamma = Variable(xd), Variable(gd)
    F.batch_norm(x, gamma, Variable(np.zeros(2)), np.zeros(2), np.ones(2)).backward(
        gradient=gy, create_graph=True)
    gx = x.grad
    x.cleargrad()
    gamma.cleargrad()
    (gx * v).sum().backward()
    num = numerical_grad(lambda a: Variable(_bn_grad_x(a.data, gd, gy, 2e-5) * v), xd)
    np.testing.assert_allclose(x.grad.data, num, rtol=1e-5, atol=1e-7)


def test_float32_preserved(xp):
    x, gamma, beta, mean, var = (a.astype(np.float32) for a in stats(xp, (4, 3, 2, 2)))
    xv, gv, bv = Variable(x), Variable(gamma), Variable(beta)
    y = F.batch_norm(xv, gv, bv, mean, var)
    assert y.dtype == np.float32 and mean.dtype == np.float32
    y.backward(gradient=xp.ones_like(x))
    assert {v.grad.dtype for v in (xv, gv, bv)} == {np.dtype(np.float32)}
    with fw.test_mode():
        assert F.batch_norm(x, gamma, beta, mean, var).dtype == np.float32


def test_bad_shapes_are_reported(xp):
    x, gamma, beta, mean, var = stats(xp, (4, 3))
    with pytest.raises(ValueError, match="2-D"):
        F.batch_norm(x.reshape(4, 3, 1), gamma, beta, mean, var)
    with pytest.raises(ValueError, match="gamma"):
        F.batch_norm(x, gamma[:2], beta, mean, var)
    with pytest.raises(ValueError, match="var"):
        F.batch_norm(x, gamma, beta, mean, var[:1])
