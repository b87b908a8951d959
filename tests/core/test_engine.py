import gc
import weakref

import numpy as np
import pytest

import framework as fw
from framework import Variable
from framework.core import primitives as P
from framework.utils import gradient_check, numerical_grad


def test_square_chain_and_generations():
    x = Variable(np.array(2.0))
    a = x ** 2
    y = (a ** 2) + (a ** 2)
    y.backward()
    assert y.data == 32.0 and x.grad.data == 64.0


def test_gradients_accumulate_until_cleared():
    x = Variable(np.array(3.0))
    (x + x).backward()
    (x + x).backward()
    assert x.grad.data == 4.0
    x.cleargrad()
    (x * x).backward()
    assert x.grad.data == 6.0


def test_intermediate_gradients_freed_unless_retained():
    x = Variable(np.array(1.0))
    h = x * 2
    y = h * 3
    y.backward()
    assert h.grad is None and y.grad is None and x.grad.data == 6.0
    x.cleargrad()
    h = x * 2
    y = h * 3
    y.backward(retain_grad=True)
    assert h.grad.data == 3.0 and y.grad.data == 1.0


def test_no_grad_records_nothing_and_inputs_without_grad_record_nothing():
    x = Variable(np.ones(2))
    with fw.no_grad():
        y = x * 2
    assert y.creator is None and not y.requires_grad
    c = Variable(np.ones(2), requires_grad=False)
    z = c * 2 + 1
    assert z.creator is None and not z.requires_grad
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        z.backward()


def test_constant_input_gets_no_gradient():
    x = Variable(np.ones(2))
    c = Variable(np.full(2, 3.0), requires_grad=False)
    (x * c).backward(gradient=np.ones(2))
    assert c.grad is None and np.allclose(x.grad.data, 3.0)


def test_outputs_are_held_weakly():
    x = Variable(np.ones(2))
    y = x * 2
    f = y.creator
    assert isinstance(f.outputs[0], weakref.ref) and f.outputs[0]() is y
    del y
    gc.collect()
    assert f.outputs[0]() is None


def test_graph_is_freed_when_output_dropped():
    x = Variable(np.ones(2))
    y = x * 2
    ref = weakref.ref(y.creator)
    del y
    gc.collect()
    assert ref() is None


def test_upstream_gradient_shape_checked():
    x = Variable(np.ones(3))
    y = x * 2
    with pytest.raises(ValueError, match=r"\(2,\)"):
        y.backward(gradient=np.ones(2))


def test_heap_order_handles_diamonds():
    # y = (x^2)^2 + (x^2)^2 style diamond: each function must run once, after its users.
    x = Variable(np.array(1.5))
    a = P.exp(x)
    b = a * a
    c = a + b
    d = c * b
    d.backward()
    num = numerical_grad(lambda v: (P.exp(v) + P.exp(v) ** 2) * P.exp(v) ** 2, x)
    assert np.allclose(x.grad.data, num, rtol=1e-5)


def test_second_order_through_create_graph():
    x = Variable(np.array(2.0))
    y = x ** 4 - 2 * x ** 2
    y.backward(create_graph=True)
    gx = x.grad
    assert gx.data == 24.0 and gx.creator is not None
    x.cleargrad()
    gx.backward()
    assert x.grad.data == 44.0


def test_third_order_of_exp():
    x = Variable(np.array(0.5))
    y = P.exp(x)
    for _ in range(3):
        x.cleargrad()
        y.backward(create_graph=True)
        y = x.grad
    assert np.isclose(y.data, np.exp(0.5))


@pytest.mark.parametrize("shapes", [((3, 4), (4,)), ((3, 4), (3, 1)), ((2, 1, 4), (3, 1)),
                                    ((3,), (3,)), ((), (2, 2))])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_broadcast_arithmetic_gradients(shapes, op):
    rng = np.random.default_rng(0)
    a = rng.uniform(0.5, 2.0, shapes[0])
    b = rng.uniform(0.5, 2.0, shapes[1])
    f = {"add": lambda u, v: u + v, "sub": lambda u, v: u - v,
         "mul": lambda u, v: u * v, "div": lambda u, v: u / v}[op]
    assert gradient_check(f, a, b)


@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((4,), (4, 5)),
                                   ((3, 4), (4,)), ((4,), (4,)), ((2, 1, 3, 4), (5, 4, 2))])
def test_matmul_numpy_semantics_and_gradients(sa, sb):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    y = P.matmul(Variable(a), Variable(b))
    assert np.allclose(y.data, a @ b)
    assert gradient_check(P.matmul, a, b)


def test_matmul_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(3, 4\).*\(5, 2\)"):
        Variable(np.ones((3, 4))) @ Variable(np.ones((5, 2)))


@pytest.mark.parametrize("f", [
    lambda x: P.sum(x, axis=1), lambda x: P.sum(x, axis=(0, 2), keepdims=True),
    lambda x: P.mean(x), lambda x: P.mean(x, axis=-1), lambda x: P.max(x, axis=1),
    lambda x: P.min(x, axis=(1, 2)), lambda x: P.max(x),
    lambda x: P.reshape(x, (6, 4)), lambda x: P.transpose(x, (2, 0, 1)), lambda x: x.T,
    lambda x: x[1], lambda x: x[:, [0, 0, 2]], lambda x: x[..., 1:3],
    lambda x: P.broadcast_to(P.sum(x, axis=0, keepdims=True), (5, 3, 4)),
    lambda x: P.sum_to(x, (1, 4)), lambda x: P.swapaxes(x), lambda x: P.exp(x) + P.log(x * x),
    lambda x: x ** x,
])
def test_primitive_gradients(f):
    x = np.random.default_rng(2).uniform(0.5, 1.5, (2, 3, 4))
    assert gradient_check(f, x)


def test_getitem_with_repeated_indices_accumulates():
    x = Variable(np.arange(4.0))
    y = x[np.array([0, 0, 3])]
    y.backward(gradient=np.ones(3))
    assert np.array_equal(x.grad.data, [2.0, 0.0, 0.0, 1.0])


def test_parameter_is_a_variable():
    p = fw.Parameter(np.zeros(2, dtype=np.float32))
    assert isinstance(p, Variable) and p.requires_grad
    assert repr(p).startswith("Parameter containing:")


def test_function_subclass_contract():
    class Cube(fw.Function):
        def forward(self, x):
            return x ** 3

        def backward(self, gy):
            x, = self.inputs
            return gy * 3 * x ** 2

    x = Variable(np.array(2.0))
    y = Cube()(x)
    assert y.data == 8.0
    y.backward()
    assert x.grad.data == 12.0
    assert len(y.creator.inputs) == 1 and y.creator.generation == 0

    class Bare(fw.Function):
        def forward(self, x):
            return x

    with pytest.raises(NotImplementedError, match="Bare"):
        Bare()(Variable(np.ones(1))).backward()


def test_config_context_managers_restore():
    assert fw.Config.enable_backprop and fw.Config.train
    with fw.no_grad():
        assert not fw.Config.enable_backprop
        with fw.enable_grad():
            assert fw.Config.enable_backprop
    with fw.test_mode():
        assert not fw.Config.train
    with pytest.raises(AttributeError, match="nonexistent"):
        with fw.using_config("nonexistent", 1):
            pass
    assert fw.Config.enable_backprop and fw.Config.train
