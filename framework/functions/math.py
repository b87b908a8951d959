"""Elementwise math: arithmetic, powers, exponentials, trigonometry, clipping.

The arithmetic, ``exp`` and ``log`` live in ``framework.core.primitives`` (Variable's
operators need them) and are re-exported here. Every backward is written with
Variable operations, so ``backward(create_graph=True)`` gives higher derivatives.
"""
from framework import backend
from framework.core.function import Function
from framework.core.primitives import add, div, exp, log, mul, neg, pow, sub  # noqa: A004

__all__ = [
    "add", "sub", "mul", "div", "neg", "pow", "exp", "log",
    "square", "sqrt", "sin", "cos", "tanh", "abs", "clip",
    "Square", "Sqrt", "Sin", "Cos", "Tanh", "Abs", "Clip",
]


class Square(Function):
    def forward(self, x):
        return x * x

    def backward(self, gy):
        x, = self.inputs
        return gy * (x * 2)


class Sqrt(Function):
    def forward(self, x):
        return backend.get_array_module(x).sqrt(x)

    def backward(self, gy):
        y = self.outputs[0]()
        return gy / (y * 2)


class Sin(Function):
    def forward(self, x):
        return backend.get_array_module(x).sin(x)

    def backward(self, gy):
        x, = self.inputs
        return gy * cos(x)


class Cos(Function):
    def forward(self, x):
        return backend.get_array_module(x).cos(x)

    def backward(self, gy):
        x, = self.inputs
        return gy * -sin(x)


class Tanh(Function):
    def forward(self, x):
        return backend.get_array_module(x).tanh(x)

    def backward(self, gy):
        y = self.outputs[0]()
        return gy * (1 - y * y)


class Abs(Function):
    """``|x|``; the gradient at 0 is 0 (the subgradient numpy's ``sign`` picks)."""

    def forward(self, x):
        return backend.get_array_module(x).abs(x)

    def backward(self, gy):
        x, = self.inputs
        return gy * backend.get_array_module(x.data).sign(x.data)


class Clip(Function):
    """Clamp to ``[x_min, x_max]``; the gradient flows only where ``x`` was inside."""

    def __init__(self, x_min, x_max):
        self.x_min = x_min
        self.x_max = x_max

    def forward(self, x):
        return backend.get_array_module(x).clip(x, self.x_min, self.x_max)

    def backward(self, gy):
        x, = self.inputs
        inside = x.data >= self.x_min if self.x_min is not None else True
        if self.x_max is not None:
            inside = inside & (x.data <= self.x_max)
        if inside is True:
            return gy
        return gy * inside.astype(gy.dtype)


def square(x):
    """``x ** 2`` elementwise."""
    return Square()(x)


def sqrt(x):
    """Elementwise square root (the gradient is infinite at 0)."""
    return Sqrt()(x)


def sin(x):
    return Sin()(x)


def cos(x):
    return Cos()(x)


def tanh(x):
    return Tanh()(x)


def abs(x):  # noqa: A001 - numpy's and torch's name
    """Elementwise absolute value."""
    return Abs()(x)


def clip(x, x_min, x_max):
    """Clamp ``x`` elementwise to ``[x_min, x_max]`` (either bound may be None).

    Args:
        x: Variable or array.
        x_min, x_max: Python scalars (or None for no bound on that side).

    Returns:
        A Variable shaped like ``x``, of its dtype.

    Raises:
        ValueError: both bounds are None, or ``x_min > x_max``.
    """
    if x_min is None and x_max is None:
        raise ValueError("clip: x_min and x_max are both None; give at least one bound")
    if x_min is not None and x_max is not None and x_min > x_max:
        raise ValueError(f"clip: x_min={x_min} is greater than x_max={x_max}")
    return Clip(x_min, x_max)(x)
