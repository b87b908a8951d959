import numpy as np
import pytest

import framework as fw
from framework import Variable


def test_variable_rejects_non_arrays_naming_the_type():
    with pytest.raises(TypeError, match="int"):
        Variable(3)
    with pytest.raises(TypeError, match="list"):
        Variable([1, 2])
    assert Variable(None).data is None


def test_attributes_and_defaults():
    v = Variable(np.arange(6.0).reshape(2, 3), name="v")
    assert v.requires_grad and v.is_leaf and v.grad_fn is None and v.creator is None
    assert v.shape == (2, 3) and v.ndim == 2 and v.size == 6 and v.dtype == np.float64
    assert len(v) == 2 and v.name == "v" and v.generation == 0
    assert v.T.shape == (3, 2)
    y = v * 2
    assert not y.is_leaf and y.grad_fn is y.creator and y.generation == 1


def test_repr_is_multiline_aligned():
    v = Variable(np.array([[1, 2], [3, 4]]))
    assert repr(v) == "variable([[1 2]\n          [3 4]])"
    assert repr(Variable(None)) == "variable(None)"


def test_tensor_factory_defaults_to_float32_and_no_grad():
    t = fw.tensor([[1.0, 2.0]])
    assert t.dtype == np.float32 and not t.requires_grad
    assert fw.tensor([1, 2]).dtype.kind == "i"
    assert fw.tensor([1.0], dtype=np.float64).dtype == np.float64


def test_detach_shares_data_without_graph():
    x = Variable(np.ones(3))
    y = (x * 3).detach()
    assert y.creator is None and not y.requires_grad
    z = x * 3
    d = z.detach()
    assert d.data is z.data


def test_reshape_may_copy_view_shares_memory():
    x = Variable(np.arange(6.0))
    v = x.view(2, 3)
    v.data[0, 0] = 100.0
    assert x.data[0] == 100.0
    t = Variable(np.arange(6.0).reshape(2, 3)).T  # non-contiguous
    assert t.reshape(6).shape == (6,)
    with pytest.raises(RuntimeError, match="reshape"):
        t.view(6)


def test_methods_sum_mean_max_argmax_item_numpy():
    x = Variable(np.array([[1.0, 5.0], [3.0, 2.0]]))
    assert x.sum().item() == 11.0
    assert np.allclose(x.mean(axis=0).data, [2.0, 3.5])
    assert np.allclose(x.max(axis=1).data, [5.0, 3.0])
    assert np.array_equal(x.argmax(axis=1), [1, 0])
    assert isinstance(x.numpy(), np.ndarray)
    assert x.sum(axis=1, keepdims=True).shape == (2, 1)


@pytest.mark.parametrize("other", [2.0, 3, np.float64(2.5), np.array([1.0, 2.0, 4.0])])
def test_operators_with_constants_on_either_side(other):
    a = np.array([1.5, 2.0, 3.0])
    cases = [
        (lambda x: x + other, lambda x: x + other), (lambda x: other + x, lambda x: other + x),
        (lambda x: x - other, lambda x: x - other), (lambda x: other - x, lambda x: other - x),
        (lambda x: x * other, lambda x: x * other), (lambda x: other * x, lambda x: other * x),
        (lambda x: x / other, lambda x: x / other), (lambda x: other / x, lambda x: other / x),
        (lambda x: x ** 2, lambda x: x ** 2), (lambda x: -x, lambda x: -x),
    ]
    for f_var, f_np in cases:
        x = Variable(a.copy())
        y = f_var(x)
        assert isinstance(y, Variable)
        assert np.allclose(y.data, f_np(a))


def test_python_scalars_keep_float32():
    x = Variable(np.ones(3, dtype=np.float32))
    for y in (x + 1.5, 2.0 * x, x / 3, 1 - x, 2.0 / x, x ** 2, 2.0 ** x):
        assert y.dtype == np.float32, y
        y.backward(gradient=np.ones(3, dtype=np.float32))
        assert x.grad.dtype == np.float32
        x.cleargrad()


def test_to_cpu_keeps_numpy():
    x = Variable(np.ones(2))
    assert x.to("cpu") is x and isinstance(x.data, np.ndarray)
    assert x.device == "cpu"
