"""Elementwise math and Variable's arithmetic operators: values, gradients, higher orders."""
import numpy as np
import pytest

import framework.functions as F
from framework import Variable
from framework.utils import array_allclose


def positive(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


UNARY = {
    "square": (F.square, np.square),
    "sqrt": (F.sqrt, np.sqrt),
    "exp": (F.exp, np.exp),
    "log": (F.log, np.log),
    "sin": (F.sin, np.sin),
    "cos": (F.cos, np.cos),
    "tanh": (F.tanh, np.tanh),
    "abs": (F.abs, np.abs),
    "neg": (F.neg, np.negative),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_forward_matches_numpy(name, xp, to_xp, rng):
    f, ref = UNARY[name]
    x = positive(rng, (3, 4)) * rng.choice([-1, 1], (3, 4))
    if name in ("sqrt", "log"):
        x = np.abs(x)
    y = f(Variable(to_xp(x)))
    assert isinstance(y, Variable)
    assert array_allclose(y, ref(x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradients(name, gcheck, rng):
    f, _ = UNARY[name]
    x = positive(rng, (3, 4))
    if name not in ("sqrt", "log"):
        x = x * rng.choice([-1, 1], (3, 4))
    assert gcheck(f, x)


@pytest.mark.parametrize("name", ["square", "exp", "log", "sin", "cos", "tanh", "sqrt"])
def test_unary_second_order(name, second_order_check, rng):
    f, _ = UNARY[name]
    second_order_check(f, positive(rng, (2, 3)))


@pytest.mark.parametrize("f", [
    lambda x: x ** 3, lambda x: x ** 0.5, lambda x: x * x * x, lambda x: 1 / x,
    lambda x: x / (x + 1), lambda x: F.sin(x) * F.exp(x), lambda x: 2.0 ** x,
    lambda x: x ** Variable(np.array(1.5)),
], ids=["pow3", "pow_half", "mul", "rdiv", "div", "sin_mul_exp", "rpow", "pow_variable"])
def test_composite_second_order(f, second_order_check, rng):
    second_order_check(f, positive(rng, (2, 3)))


def test_third_derivative_of_sin():
    x = Variable(np.array(0.7))
    y = F.sin(x)
    y.backward(create_graph=True)
    for expected in (-np.sin(0.7), -np.cos(0.7)):
        gx = x.grad
        x.cleargrad()
        gx.backward(create_graph=True)
        assert np.isclose(x.grad.data, expected)


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 4), (3, 1)),
                                    ((4,), (3, 4)), ((3, 1), (1, 4)), ((), (2, 3))],
                         ids=str)
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_binary_gradients_with_broadcasting(op, shapes, gcheck, rng):
    a = positive(rng, shapes[0])
    b = positive(rng, shapes[1])
    assert gcheck(getattr(F, op), a, b)


@pytest.mark.parametrize("op", ["mul", "div", "add", "sub"])
def test_binary_second_order_broadcast(op, to_xp, rng):
    # d2/da db of sum(op(a, b)) through create_graph against differences of the first
    # derivative with respect to a.
    from framework.utils import numerical_grad
    from framework import enable_grad
    a = Variable(to_xp(positive(rng, (3, 4))))
    b = Variable(to_xp(positive(rng, (4,))))
    f = getattr(F, op)
    f(a, b).sum().backward(create_graph=True)
    ga = a.grad
    a.cleargrad()
    b.cleargrad()
    if ga.creator is None:  # add/sub: the gradient is constant, no second derivative
        assert op in ("add", "sub")
        return
    ga.sum().backward()

    def grad_a(bv):
        av = Variable(a.data.copy())
        with enable_grad():
            f(av, bv).sum().backward()
        return av.grad

    assert array_allclose(b.grad, numerical_grad(grad_a, b.data))


def test_pow_gradient(gcheck, rng):
    assert gcheck(lambda x: F.pow(x, 3), positive(rng, (2, 3)))
    assert gcheck(lambda x: F.pow(x, -1.5), positive(rng, (2, 3)))


def test_clip_values_and_gradient(gcheck, to_xp):
    x = np.array([-2.0, -0.5, 0.3, 0.9, 3.0])
    y = F.clip(Variable(to_xp(x)), -1.0, 1.0)
    assert array_allclose(y, np.clip(x, -1, 1))
    v = Variable(to_xp(x))
    F.clip(v, -1.0, 1.0).sum().backward()
    assert array_allclose(v.grad, [0, 1, 1, 1, 0])
    assert gcheck(lambda t: F.clip(t, -1.0, 1.0), x)
    assert gcheck(lambda t: F.clip(t, None, 0.5), x)


def test_clip_rejects_bad_bounds():
    with pytest.raises(ValueError, match="x_min=2.0 is greater than x_max=1.0"):
        F.clip(Variable(np.ones(2)), 2.0, 1.0)
    with pytest.raises(ValueError, match="both None"):
        F.clip(Variable(np.ones(2)), None, None)


def test_abs_gradient_at_zero_is_zero():
    x = Variable(np.array([-1.0, 0.0, 2.0]))
    F.abs(x).sum().backward()
    assert array_allclose(x.grad, [-1, 0, 1])


# --------------------------------------------------------------------------- operators
OPERATORS = {
    "+": (lambda a, b: a + b, lambda a, b: (np.ones_like(a), np.ones_like(b))),
    "-": (lambda a, b: a - b, lambda a, b: (np.ones_like(a), -np.ones_like(b))),
    "*": (lambda a, b: a * b, lambda a, b: (b * np.ones_like(a), a * np.ones_like(b))),
    "/": (lambda a, b: a / b, lambda a, b: (1 / b * np.ones_like(a), -a / b ** 2)),
    "**": (lambda a, b: a ** b, lambda a, b: (b * a ** (b - 1), a ** b * np.log(a))),
}


@pytest.mark.parametrize("sym", sorted(OPERATORS))
@pytest.mark.parametrize("other_kind", ["python_scalar", "numpy_array", "numpy_scalar"])
@pytest.mark.parametrize("variable_side", ["left", "right"])
def test_operators_with_constants(sym, other_kind, variable_side, rng):
    op, grads = OPERATORS[sym]
    v_data = positive(rng, (2, 3))
    other = {"python_scalar": 1.5, "numpy_array": positive(rng, (2, 3)),
             "numpy_scalar": np.float64(1.5)}[other_kind]
    v = Variable(v_data.copy())
    a, b = (v, other) if variable_side == "left" else (other, v)
    a_np, b_np = (v_data, other) if variable_side == "left" else (other, v_data)
    y = op(a, b)
    assert isinstance(y, Variable), f"{type(a).__name__} {sym} {type(b).__name__} gave {type(y)}"
    assert array_allclose(y, op(a_np, b_np), rtol=1e-12)
    y.backward(gradient=np.ones(y.shape))
    expected = grads(np.asarray(a_np, dtype=float), np.asarray(b_np, dtype=float))
    expected = expected[0] if variable_side == "left" else expected[1]
    assert array_allclose(v.grad, expected)


def test_matmul_operator_with_arrays_on_either_side(rng):
    a = rng.normal(size=(2, 3))
    b = rng.normal(size=(3, 4))
    vb = Variable(b.copy())
    y = a @ vb
    assert isinstance(y, Variable) and array_allclose(y, a @ b)
    y.backward(gradient=np.ones((2, 4)))
    assert array_allclose(vb.grad, a.T @ np.ones((2, 4)))
    va = Variable(a.copy())
    y = va @ b
    assert isinstance(y, Variable) and array_allclose(y, a @ b)
    y.backward(gradient=np.ones((2, 4)))
    assert array_allclose(va.grad, np.ones((2, 4)) @ b.T)


def test_unary_minus_and_float32_scalars_keep_dtype():
    x = Variable(np.ones((2,), dtype=np.float32))
    for y in (-x, x * 2, 2 * x, x / 3, 3 / x, x - 1, 1 - x, x ** 2, 2.0 ** x):
        assert y.dtype == np.float32, y

