"""matmul, mm, dot, linear and cdist: values, gradients, shape errors."""
import itertools

import numpy as np
import pytest

import framework.functions as F
from framework import Variable
from framework.utils import array_allclose


@pytest.mark.parametrize("sa, sb", [
    ((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)),
    ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)), ((1, 2, 3), (4, 3, 2)),
], ids=str)
def test_matmul_values_and_gradients(sa, sb, gcheck, to_xp, rng):
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    y = F.matmul(Variable(to_xp(a)), Variable(to_xp(b)))
    assert array_allclose(y, np.matmul(a, b), rtol=1e-12)
    assert gcheck(F.matmul, a, b)


def test_matmul_second_order():
    a = Variable(np.array([[1.0, 2.0], [3.0, 4.0]]))
    y = F.matmul(a, a)  # d/da sum(a @ a) depends on a: its own derivative is constant
    y.sum().backward(create_graph=True)
    ga = a.grad
    a.cleargrad()
    ga.sum().backward()
    assert array_allclose(a.grad, np.full((2, 2), 4.0))


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 5\)"):
        F.matmul(Variable(np.zeros((2, 3))), Variable(np.zeros((4, 5))))


def test_mm(gcheck, rng):
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    assert array_allclose(F.mm(Variable(a), b), a @ b)
    assert gcheck(F.mm, a, b)


@pytest.mark.parametrize("sa, sb", [((3,), (3, 4)), ((2, 3), (3,)), ((5, 2, 3), (3, 4))],
                         ids=str)
def test_mm_rejects_non_matrices(sa, sb):
    with pytest.raises(ValueError, match=rf"mm: .*{sa}.*{sb}".replace("(", r"\(").replace(")", r"\)")):
        F.mm(Variable(np.zeros(sa)), Variable(np.zeros(sb)))


def test_mm_inner_mismatch_names_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 3\)"):
        F.mm(Variable(np.zeros((2, 3))), Variable(np.zeros((2, 3))))


def test_dot(gcheck, rng):
    a, b = rng.normal(size=4), rng.normal(size=4)
    y = F.dot(Variable(a), Variable(b))
    assert y.shape == () and np.isclose(y.data, a @ b)
    assert gcheck(F.dot, a, b)


def test_dot_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"dot: .*\(2, 2\).*\(2, 2\)"):
        F.dot(Variable(np.zeros((2, 2))), Variable(np.zeros((2, 2))))
    with pytest.raises(ValueError, match=r"\(3,\) and \(4,\)"):
        F.dot(Variable(np.zeros(3)), Variable(np.zeros(4)))


@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("x_shape", [(5, 3), (3,), (2, 5, 3)], ids=str)
def test_linear_values_and_gradients(x_shape, with_bias, gcheck, to_xp, rng):
    x, W, b = rng.normal(size=x_shape), rng.normal(size=(3, 4)), rng.normal(size=4)
    expected = x @ W + (b if with_bias else 0)
    args = (x, W, b) if with_bias else (x, W)
    y = F.linear(*[Variable(to_xp(a)) for a in args])
    assert y.shape == x_shape[:-1] + (4,)
    assert array_allclose(y, expected, rtol=1e-12)
    assert gcheck(F.linear, *args)


def test_linear_is_one_node_and_skips_input_gradient():
    x = Variable(np.ones((2, 3)), requires_grad=False)
    W, b = Variable(np.ones((3, 4))), Variable(np.zeros(4))
    y = F.linear(x, W, b)
    assert type(y.creator).__name__ == "Linear"
    y.sum().backward()
    assert x.grad is None
    assert array_allclose(W.grad, np.full((3, 4), 2.0)) and array_allclose(b.grad, np.full(4, 2.0))


def test_linear_second_order(rng):
    x = Variable(rng.normal(size=(2, 3)))
    W = Variable(rng.normal(size=(3, 2)))
    y = F.linear(x, W) ** 2
    y.sum().backward(create_graph=True)
    gW = W.grad
    W.cleargrad()
    gW.sum().backward()
    # d/dW sum(2 x^T (xW)) = 2 x^T x 1
    assert array_allclose(W.grad, 2 * x.data.T @ x.data @ np.ones((3, 2)))


def test_linear_shape_errors():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 5\)"):
        F.linear(Variable(np.zeros((2, 3))), Variable(np.zeros((4, 5))))
    with pytest.raises(ValueError, match=r"bias of shape \(3,\), expected \(5,\)"):
        F.linear(np.zeros((2, 4)), Variable(np.zeros((4, 5))), Variable(np.zeros(3)))


@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize("x_shape", [(5, 3), (3,), (2, 5, 3)], ids=str)
def test_linear_out_in_values_and_gradients(x_shape, with_bias, gcheck, rng):
    x, W, b = rng.normal(size=x_shape), rng.normal(size=(4, 3)), rng.normal(size=4)
    expected = x @ W.T + (b if with_bias else 0)
    args = (x, W, b) if with_bias else (x, W)
    y = F.linear_out_in(*[Variable(a) for a in args])
    assert y.shape == x_shape[:-1] + (4,)
    assert array_allclose(y, expected, rtol=1e-12)
    assert gcheck(F.linear_out_in, *args)


def test_linear_out_in_weight_gradient_is_contiguous_like_the_weight():
    # An (out, in) gradient in the weight's own memory order keeps optimizer updates fast.
    x = Variable(np.ones((2, 3), dtype=np.float32), requires_grad=False)
    W = Variable(np.ones((4, 3), dtype=np.float32))
    F.linear_out_in(x, W).sum().backward()
    assert W.grad.shape == (4, 3) and W.grad.data.flags.c_contiguous
    assert W.grad.dtype == np.float32 and x.grad is None


def test_linear_out_in_second_order_matches_linear(rng):
    x = rng.normal(size=(2, 3))
    W = rng.normal(size=(2, 3))  # (out, in)
    grads = []
    for f, w in ((F.linear_out_in, W), (F.linear, W.T.copy())):
        xv, wv = Variable(x), Variable(w)
        (f(xv, wv) ** 2).sum().backward(create_graph=True)
        gx = xv.grad
        xv.cleargrad()
        gx.sum().backward()
        grads.append(xv.grad.data)
    assert array_allclose(grads[0], grads[1], rtol=1e-12)


def test_linear_out_in_shape_errors():
    with pytest.raises(ValueError, match=r"linear_out_in: .*\(2, 3\).*\(5, 4\)"):
        F.linear_out_in(Variable(np.zeros((2, 3))), Variable(np.zeros((5, 4))))
    with pytest.raises(ValueError, match=r"bias of shape \(3,\), expected \(5,\)"):
        F.linear_out_in(np.zeros((2, 4)), Variable(np.zeros((5, 4))), Variable(np.zeros(3)))


def brute_cdist(x1, x2, p):
    out = np.zeros(x1.shape[:-2] + (x1.shape[-2], x2.shape[-2]))
    for idx in itertools.product(*[range(n) for n in out.shape]):
        a = x1[idx[:-2] + (idx[-2],)] if x1.ndim == 3 else x1[idx[-2]]
        b = x2[idx[:-2] + (idx[-1],)] if x2.ndim == 3 else x2[idx[-1]]
        d = np.abs(a - b)
        out[idx] = (np.count_nonzero(d) if p == 0 else d.max() if p == np.inf
                    else (d ** p).sum() ** (1 / p))
    return out


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, np.inf, 0.0], ids=str)
@pytest.mark.parametrize("s1, s2", [((4, 3), (5, 3)), ((2, 4, 3), (2, 5, 3))], ids=str)
def test_cdist_values(p, s1, s2, to_xp, rng):
    x1, x2 = rng.normal(size=s1), rng.normal(size=s2)
    y = F.cdist(Variable(to_xp(x1)), Variable(to_xp(x2)), p=p)
    assert array_allclose(y, brute_cdist(x1, x2, p), rtol=1e-10)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, np.inf], ids=str)
def test_cdist_gradients(p, gcheck, rng):
    x1, x2 = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4))
    assert gcheck(lambda a, b: F.cdist(a, b, p=p), x1, x2)
    assert gcheck(lambda a, b: F.cdist(a, b, p=p), x1[0], x2[0])


def test_cdist_gradient_at_zero_distance_is_finite_and_zero():
    x = Variable(np.array([[1.0, 2.0], [3.0, 5.0]]))
    y = F.cdist(x, x)
    assert array_allclose(y, [[0, np.sqrt(13)], [np.sqrt(13), 0]])
    y.sum().backward()
    assert np.all(np.isfinite(x.grad.data))
    # only the off-diagonal pairs pull: each point moves away from the other, twice
    u = np.array([2.0, 3.0]) / np.sqrt(13)
    assert array_allclose(x.grad, [-2 * u, 2 * u])


def test_cdist_broadcasts_batch_and_checks_shapes(rng):
    x1, x2 = rng.normal(size=(2, 4, 3)), rng.normal(size=(5, 3))
    y = F.cdist(x1, x2)
    assert y.shape == (2, 4, 5)
    assert array_allclose(y[1], brute_cdist(x1[1], x2, 2))
    with pytest.raises(ValueError, match=r"\(4, 3\) and \(5, 2\)"):
        F.cdist(np.zeros((4, 3)), np.zeros((5, 2)))
    with pytest.raises(ValueError, match="p must be >= 0"):
        F.cdist(np.zeros((4, 3)), np.zeros((5, 3)), p=-1)


def test_linear_gradients_agree_with_and_without_create_graph(rng):
    data = [rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)]
    grads = []
    for create_graph in (False, True):
        x, W, b = (Variable(a.copy()) for a in data)
        F.linear(x, W, b).backward(gradient=np.arange(8.0).reshape(4, 2),
                                   create_graph=create_graph)
        assert (x.grad.creator is not None) == create_graph
        grads.append([v.grad.data for v in (x, W, b)])
    for fast, graph in zip(*grads):
        assert array_allclose(fast, graph, rtol=1e-12)
