"""Backward-pass edge cases: repeated passes, gradient ownership, seeds, DeZero's unchain."""
import numpy as np
import pytest

from framework import Variable


def test_second_pass_with_retained_grads_propagates_only_its_own_gradient():
    x = Variable(np.array(2.0))
    y = x * x
    z = y * 3
    z.backward(retain_grad=True)
    z.backward(retain_grad=True)
    # Leaves accumulate (12 + 12); the stale y.grad of the first pass must not leak in.
    assert x.grad.data == 24.0
    assert y.grad.data == 3.0  # an intermediate holds this pass's gradient


def test_leaf_gradients_are_private_and_writable():
    a, b = Variable(np.ones(3)), Variable(np.ones(3))
    (a + b).backward()  # Add hands the same gradient to both inputs
    assert a.grad is not b.grad
    a.grad.data *= 2  # an in-place hook such as gradient clipping
    assert b.grad.data.tolist() == [1.0, 1.0, 1.0]
    w = Variable(np.ones((2, 3), np.float32))
    w.sum().backward()  # Sum's gradient is a read-only broadcast view
    w.grad.data[...] = 0  # zero_grad(set_to_none=False)
    assert not w.grad.data.any()


def test_leaf_gradient_does_not_alias_the_callers_seed():
    a, b = Variable(np.ones(2)), Variable(np.ones(2))
    g = np.array([1.0, 2.0])
    (a + b).backward(gradient=g)
    a.grad.data[...] = 0
    assert g.tolist() == [1.0, 2.0] and b.grad.data.tolist() == [1.0, 2.0]


def test_leaf_gradient_copy_keeps_the_graph_with_create_graph():
    a = Variable(np.array([1.0, 2.0]))
    y = a * a
    (y + y).sum().backward(create_graph=True)
    ga = a.grad
    assert ga.creator is not None
    a.cleargrad()
    ga.sum().backward()
    assert a.grad.data.tolist() == [4.0, 4.0]


def test_array_seed_takes_the_outputs_dtype():
    x = Variable(np.ones(3, np.float32))
    (x * 2).backward(gradient=np.ones(3))  # float64 seed
    assert x.grad.dtype == np.float32
    x2 = Variable(np.ones(2, np.float32))
    (x2 * 2).backward(gradient=[1.0, 3.0])
    assert x2.grad.data.tolist() == [2.0, 6.0] and x2.grad.dtype == np.float32


def test_unchain_backward_cuts_the_graph_behind():
    x = Variable(np.array(1.0))
    h = x * 2
    y = h * 3
    y.unchain_backward()
    assert h.creator is None and y.creator is not None
    y.backward()
    assert x.grad is None and h.grad.data == 3.0  # h is now a leaf


def test_variable_matmul_and_dot_methods():
    a = Variable(np.arange(6.0).reshape(2, 3))
    b = Variable(np.ones((3, 2)))
    assert a.matmul(b).data.tolist() == (a.data @ b.data).tolist()
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(3, 2\)"):
        a.dot(b)  # PyTorch's dot is 1-D only

