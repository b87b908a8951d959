"""Fixtures shared by the tests of framework.functions.

The ``xp`` fixture (numpy, and cupy marked ``gpu``) comes from tests/conftest.py; the
helpers here move numpy test data to that backend and run the gradient checks on it.
"""
import numpy as np
import pytest

from framework import Variable, backend, enable_grad
from framework.utils import array_allclose, gradient_check, numerical_grad


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def to_xp(xp):
    """Copy numpy arrays (or lists) to the backend under test."""
    def convert(*arrays):
        out = tuple(xp.asarray(a) for a in arrays)
        return out if len(out) != 1 else out[0]
    return convert


@pytest.fixture
def gcheck(to_xp):
    """``gcheck(f, *numpy_arrays, **kw)``: gradient_check on the backend under test."""
    def check(f, *arrays, **kwargs):
        inputs = [to_xp(a) if isinstance(a, np.ndarray) else a for a in arrays]
        return gradient_check(f, *inputs, **kwargs)
    return check


@pytest.fixture
def second_order_check(to_xp):
    """``check(f, x_numpy)``: the derivative of ``d/dx sum(f(x))`` from create_graph
    against central differences of the backprop first derivative (elementwise f)."""
    def first_derivative(f, data):
        v = Variable(data.copy())
        with enable_grad():
            f(v).sum().backward()
        return v.grad

    def check(f, x, rtol=1e-4, atol=1e-5):
        x = Variable(to_xp(x))
        f(x).sum().backward(create_graph=True)
        gx = x.grad
        assert gx.creator is not None, "create_graph=True recorded no graph for the gradient"
        x.cleargrad()
        gx.sum().backward()
        num = numerical_grad(lambda v: first_derivative(f, v.data), x.data)
        assert array_allclose(x.grad.data, num, rtol=rtol, atol=atol), (
            f"second derivative mismatch:\nbackprop {backend.as_numpy(x.grad.data)}\n"
            f"numerical {backend.as_numpy(num)}")
    return check
