"""The classic worked examples of DeZero ("Deep Learning from Scratch 3") as tests."""
import math

import numpy as np

import framework.functions as F
from framework import Function, Variable


def sphere(x, y):
    return x ** 2 + y ** 2


def matyas(x, y):
    return 0.26 * (x ** 2 + y ** 2) - 0.48 * x * y


def goldstein(x, y):
    return ((1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x ** 2 - 14 * y + 6 * x * y + 3 * y ** 2))
            * (30 + (2 * x - 3 * y) ** 2
               * (18 - 32 * x + 12 * x ** 2 + 48 * y - 36 * x * y + 27 * y ** 2)))


def gradients_at_one_one(f):
    x, y = Variable(np.array(1.0)), Variable(np.array(1.0))
    f(x, y).backward()
    return float(x.grad.data), float(y.grad.data)


def test_sphere_matyas_goldstein_gradients():
    assert gradients_at_one_one(sphere) == (2.0, 2.0)
    gx, gy = gradients_at_one_one(matyas)
    assert math.isclose(gx, 0.04, abs_tol=1e-12) and math.isclose(gy, 0.04, abs_tol=1e-12)
    assert gradients_at_one_one(goldstein) == (-5376.0, 8064.0)


def rosenbrock(x0, x1):
    return 100 * (x1 - x0 ** 2) ** 2 + (1 - x0) ** 2


def test_rosenbrock_minimised_by_newton_steps():
    # Gradient descent needs ~50000 steps here; Newton's method with the exact Hessian
    # (from create_graph) converges in a handful.
    x = Variable(np.array([0.0, 2.0]))
    for _ in range(20):
        x.cleargrad()
        y = rosenbrock(x[0], x[1])
        y.backward(create_graph=True)
        g = x.grad
        hessian = np.zeros((2, 2))
        for i in range(2):
            x.cleargrad()
            g[i].backward()
            hessian[i] = x.grad.data
        x.data = x.data - np.linalg.solve(hessian, g.data)
    assert np.allclose(x.data, [1.0, 1.0], atol=1e-8)


def test_rosenbrock_gradient_descent_moves_towards_minimum():
    x0, x1 = Variable(np.array(0.0)), Variable(np.array(2.0))
    start = float(rosenbrock(x0, x1).data)
    for _ in range(2000):
        x0.cleargrad()
        x1.cleargrad()
        rosenbrock(x0, x1).backward()
        x0.data -= 0.001 * x0.grad.data
        x1.data -= 0.001 * x1.grad.data
    # the book's first 1000 steps reach about (0.68, 0.46); after 2000 it is closer still
    assert float(rosenbrock(x0, x1).data) < 0.05 < start
    assert 0.7 < float(x0.data) < 1.0 and 0.5 < float(x1.data) < 1.0


def test_newton_method_with_second_derivative_from_create_graph():
    def f(x):
        return x ** 4 - 2 * x ** 2

    x = Variable(np.array(2.0))
    for _ in range(10):
        x.cleargrad()
        f(x).backward(create_graph=True)
        gx = x.grad
        x.cleargrad()
        gx.backward()
        x.data = x.data - gx.data / x.grad.data
    assert math.isclose(float(x.data), 1.0, abs_tol=1e-12)


def test_second_derivative_values_of_the_newton_example():
    x = Variable(np.array(2.0))
    (x ** 4 - 2 * x ** 2).backward(create_graph=True)
    gx = x.grad
    assert float(gx.data) == 24.0
    x.cleargrad()
    gx.backward()
    assert float(x.grad.data) == 44.0


def my_sin(x, threshold=1e-150):
    y = 0
    for i in range(100000):
        c = (-1) ** i / math.factorial(2 * i + 1)
        t = c * x ** (2 * i + 1)
        y = y + t
        if abs(t.data) < threshold:
            break
    return y


def test_sin_taylor_series_matches_numpy():
    x = Variable(np.array(np.pi / 4))
    y = my_sin(x)
    y.backward()
    assert math.isclose(float(y.data), np.sin(np.pi / 4), rel_tol=1e-12)
    assert math.isclose(float(x.grad.data), np.cos(np.pi / 4), rel_tol=1e-12)


def test_two_layer_network_fits_sine():
    # The book's step 43 exactly: its data, initial weights, lr 0.2. Its loss passes
    # below 0.08 after about 7000 of the 10000 steps (about 1 s here).
    rs = np.random.RandomState(0)  # the stream of np.random.seed(0), without global state
    x = rs.rand(100, 1)
    y = np.sin(2 * np.pi * x) + rs.rand(100, 1)
    hidden = 10
    W1 = Variable(0.01 * rs.randn(1, hidden))
    b1 = Variable(np.zeros(hidden))
    W2 = Variable(0.01 * rs.randn(hidden, 1))
    b2 = Variable(np.zeros(1))

    def predict(x):
        return F.linear(F.sigmoid(F.linear(x, W1, b1)), W2, b2)

    losses = []
    for _ in range(8000):
        loss = F.mean_squared_error(y, predict(x))
        losses.append(float(loss.data))
        for p in (W1, b1, W2, b2):
            p.cleargrad()
        loss.backward()
        for p in (W1, b1, W2, b2):
            p.data -= 0.2 * p.grad.data
    # the book prints variable(0.8473695850105871) at step 0 and 0.2514... at step 1000
    assert math.isclose(losses[0], 0.8473695850105871, rel_tol=1e-9)
    assert math.isclose(losses[1000], 0.2514, abs_tol=1e-4)
    assert losses[-1] < 0.08


def test_scalar_examples_from_the_book():
    w = Variable(np.array(2.0))
    z = 10 * w ** 2 + 50
    z.backward()
    assert float(w.grad.data) == 40.0

    a = Variable(np.array([2.0, 3.0]))
    b = Variable(np.array([6.0, 4.0]))
    q = 3 * a ** 3 - b ** 2
    q.backward(gradient=np.array([1.0, 1.0]))
    assert np.array_equal(a.grad.data, 9 * a.data ** 2)
    assert np.array_equal(b.grad.data, -2 * b.data)

    x = Variable(np.array(3.0))
    (x + x).backward()
    assert float(x.grad.data) == 2.0


def test_custom_function_subclass_works_with_the_engine():
    class Cube(Function):
        def forward(self, x):
            return x ** 3

        def backward(self, gy):
            x, = self.inputs
            return gy * 3 * x ** 2

    x = Variable(np.array(2.0))
    Cube()(x).backward(create_graph=True)
    gx = x.grad
    assert float(gx.data) == 12.0
    x.cleargrad()
    gx.backward()
    assert float(x.grad.data) == 12.0
