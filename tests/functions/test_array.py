"""Shape and indexing functions: values, gradients, errors."""
import itertools

import numpy as np
import pytest

import framework.functions as F
from framework import Variable
from framework.utils import array_allclose, array_equal


def test_reshape_transpose_swapaxes_values_and_gradients(gcheck, to_xp, rng):
    x = rng.normal(size=(2, 3, 4))
    v = Variable(to_xp(x))
    assert F.reshape(v, (6, 4)).shape == (6, 4)
    assert array_equal(F.transpose(v), x.T)
    assert array_equal(F.transpose(v, (1, 0, 2)), x.transpose(1, 0, 2))
    assert array_equal(F.swapaxes(v, 0, 2), np.swapaxes(x, 0, 2))
    assert gcheck(lambda t: F.reshape(t, (4, 6)), x)
    assert gcheck(lambda t: F.transpose(t, (2, 0, 1)), x)
    assert gcheck(lambda t: F.transpose(t, (-1, 0, 1)), x)
    assert gcheck(F.transpose, x)


@pytest.mark.parametrize("index", [
    1, (slice(None), 2), (slice(0, 2), slice(1, None, 2)), np.array([0, 0, 1]),
    (np.array([0, 1, 1]), np.array([2, 2, 0])), Ellipsis, (Ellipsis, -1),
], ids=["int", "column", "slices", "repeated_rows", "pairs", "ellipsis", "last"])
def test_get_item_values_and_gradients(index, gcheck, to_xp, rng):
    x = rng.normal(size=(2, 3))
    idx = to_xp(index) if isinstance(index, np.ndarray) else index
    if isinstance(index, tuple):
        idx = tuple(to_xp(i) if isinstance(i, np.ndarray) else i for i in index)
    assert array_equal(F.get_item(Variable(to_xp(x)), idx), x[index])
    assert gcheck(lambda t: F.get_item(t, idx), x)


def test_get_item_repeated_index_accumulates_gradient():
    x = Variable(np.arange(3.0))
    F.get_item(x, np.array([0, 0, 2, 0])).sum().backward()
    assert array_equal(x.grad, [3.0, 0.0, 1.0])


def test_get_item_boolean_mask(gcheck, rng):
    x = rng.normal(size=(3, 4))
    mask = x > 0
    assert array_equal(F.get_item(Variable(x), mask), x[mask])
    assert gcheck(lambda t: F.get_item(t, mask), x)


def test_get_item_second_order():
    x = Variable(np.array([1.0, 2.0, 3.0]))
    y = F.get_item(x, np.array([0, 2])) ** 3
    y.sum().backward(create_graph=True)
    gx = x.grad
    x.cleargrad()
    gx.sum().backward()
    assert array_allclose(x.grad, [6.0, 0.0, 18.0])


def test_flatten_keeps_axis_zero(gcheck, rng):
    x = rng.normal(size=(2, 3, 4))
    assert F.flatten(Variable(x)).shape == (2, 12)
    assert F.flatten(Variable(np.zeros(5))).shape == (5, 1)
    assert gcheck(F.flatten, x)
    with pytest.raises(ValueError, match="0-dimensional"):
        F.flatten(Variable(np.array(1.0)))


@pytest.mark.parametrize("axis, shape", [(0, (1, 2, 3)), (1, (2, 1, 3)), (2, (2, 3, 1)),
                                         (-1, (2, 3, 1)), (-3, (1, 2, 3))])
def test_expand_dims_and_unsqueeze(axis, shape, gcheck, rng):
    x = rng.normal(size=(2, 3))
    assert F.expand_dims(Variable(x), axis).shape == shape == np.expand_dims(x, axis).shape
    assert F.unsqueeze(Variable(x), axis).shape == shape
    assert gcheck(lambda t: F.unsqueeze(t, axis), x)


def test_unsqueeze_out_of_range_axis():
    with pytest.raises(ValueError, match=r"axis 3 is out of range for an input of shape \(2, 3\)"):
        F.unsqueeze(Variable(np.zeros((2, 3))), 3)


def test_squeeze(gcheck, rng):
    x = rng.normal(size=(1, 3, 1, 2))
    assert F.squeeze(Variable(x)).shape == (3, 2)
    assert F.squeeze(Variable(x), 0).shape == (3, 1, 2)
    assert F.squeeze(Variable(x), (0, -2)).shape == (3, 2)
    assert gcheck(lambda t: F.squeeze(t, 2), x)
    with pytest.raises(ValueError, match=r"axis 1 of shape \(1, 3, 1, 2\) has length 3"):
        F.squeeze(Variable(x), 1)
    with pytest.raises(ValueError, match="out of range"):
        F.squeeze(Variable(x), 4)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concat_values_and_gradients(axis, gcheck, to_xp, rng):
    shapes = [[2, 3], [2, 3], [2, 3]]
    for i, s in enumerate(shapes):
        s[axis] = i + 1
    a, b, c = (rng.normal(size=s) for s in shapes)
    y = F.concat([Variable(to_xp(a)), to_xp(b), Variable(to_xp(c))], axis=axis)
    assert array_equal(y, np.concatenate([a, b, c], axis=axis))
    assert gcheck(lambda p, q, r: F.concat((p, q, r), axis=axis), a, b, c)


def test_concat_gives_no_gradient_to_constants():
    a = Variable(np.ones((2, 2)))
    b = Variable(np.ones((1, 2)), requires_grad=False)
    F.concat([a, b]).sum().backward()
    assert array_equal(a.grad, np.ones((2, 2)))
    assert b.grad is None


def test_concat_and_stack_errors():
    a, b = np.zeros((2, 3)), np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"differ outside axis 0"):
        F.concat([a, b], axis=0)
    assert F.concat([a, b], axis=1).shape == (2, 7)
    with pytest.raises(ValueError, match="same shape"):
        F.stack([a, b])
    with pytest.raises(ValueError, match="at least one"):
        F.concat([])
    with pytest.raises(TypeError, match="list or tuple"):
        F.stack(Variable(a))
    with pytest.raises(ValueError, match="out of range"):
        F.stack([a, a], axis=3)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack_values_and_gradients(axis, gcheck, to_xp, rng):
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    y = F.stack([Variable(to_xp(a)), Variable(to_xp(b))], axis=axis)
    assert array_equal(y, np.stack([a, b], axis=axis))
    assert gcheck(lambda p, q: F.stack([p, q], axis=axis), a, b)


def test_concat_second_order():
    a = Variable(np.array([1.0, 2.0]))
    b = Variable(np.array([3.0]))
    y = F.concat([a, b]) ** 2
    y.sum().backward(create_graph=True)
    ga, gb = a.grad, b.grad
    a.cleargrad()
    b.cleargrad()
    (ga.sum() + gb.sum()).backward()
    assert array_allclose(a.grad, [2.0, 2.0]) and array_allclose(b.grad, [2.0])


def test_cartesian_prod_rows_are_product_tuples(to_xp):
    a, b, c = np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0]), np.array([6.0])
    y = F.cartesian_prod(Variable(to_xp(a)), Variable(to_xp(b)), to_xp(c))
    assert y.shape == (6, 3)
    assert array_equal(y, np.array(list(itertools.product(a, b, c))))


def test_cartesian_prod_gradient(gcheck, rng):
    a, b = rng.normal(size=3), rng.normal(size=2)
    assert gcheck(lambda p, q: F.cartesian_prod(p, q) ** 2, a, b)
    va, vb = Variable(a), Variable(b)
    F.cartesian_prod(va, vb).sum().backward()
    # each element of a appears in len(b) rows, and vice versa
    assert array_allclose(va.grad, np.full(3, 2.0)) and array_allclose(vb.grad, np.full(2, 3.0))


def test_cartesian_prod_single_input_and_errors():
    a = Variable(np.array([1.0, 2.0]))
    assert array_equal(F.cartesian_prod(a), [1.0, 2.0])
    with pytest.raises(ValueError, match=r"input 1 has shape \(2, 2\), expected 1-D"):
        F.cartesian_prod(a, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="at least one"):
        F.cartesian_prod()


def test_view_shares_memory():
    x = Variable(np.arange(6.0))
    y = F.view(x, (2, 3))
    assert np.shares_memory(x.data, y.data)
