"""Elementwise comparisons on Variable: ``== != < <= > >=`` and ``eq ne lt le gt ge``.

They return bool tensors without a graph, whichever side the Variable is on (numpy
arrays and scalars included: ``__array_priority__`` makes numpy hand the comparison to
the Variable). A Variable still hashes by identity (``Variable.__hash__``).
"""
import numpy as np

from framework import backend

__all__ = ["ComparisonMethods"]

ops = None  # framework.core.primitives, set by framework.core.variable
Variable = None  # set by framework.core.variable


def _operand(other):
    if isinstance(other, Variable):
        return other.data
    if isinstance(other, (list, tuple)):
        return np.asarray(other)
    return other


def _bool_tensor(result):
    if not (isinstance(result, np.ndarray) or backend.is_cupy_array(result)):
        result = np.asarray(result)
    return Variable(result, requires_grad=False)


def _data(x):
    return x.data if isinstance(x, Variable) else x


def _compare(fn):
    return lambda a, b: _bool_tensor(fn(_data(a), _data(b)))


def _pow(a, b):
    if isinstance(a, Variable):
        return ops.pow(a, b)
    return ops.pow(ops.as_variable(a, b.data), b)


# numpy ufuncs that a Variable answers with its own (differentiable) operations, so that
# ``array + t``, ``np.float32(2) * t`` and ``array == t`` give what ``t + array`` ... give.
_UFUNC_OPS = {
    np.add: lambda a, b: ops.Add()(a, b),
    np.subtract: lambda a, b: ops.Sub()(a, b),
    np.multiply: lambda a, b: ops.Mul()(a, b),
    np.true_divide: lambda a, b: ops.Div()(a, b),
    np.power: _pow,
    np.matmul: lambda a, b: ops.matmul(a, b),
    np.negative: lambda a: ops.Neg()(a),
    np.equal: _compare(np.equal),
    np.not_equal: _compare(np.not_equal),
    np.less: _compare(np.less),
    np.less_equal: _compare(np.less_equal),
    np.greater: _compare(np.greater),
    np.greater_equal: _compare(np.greater_equal),
}


class ComparisonMethods:
    """Comparison operators and methods of Variable, and numpy interoperation."""

    __slots__ = ()

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """numpy hands every ufunc involving a Variable here.

        Arithmetic and comparisons without ``out=`` become the Variable's own operations
        (a Variable, with its graph). Everything else runs on the raw arrays: in place
        into an array (``p.data -= lr * p.grad`` updates ``p.data`` and leaves it an
        array), or returning an array (``np.exp(t)``), as numpy does for PyTorch tensors.
        """
        if method == "__call__" and not kwargs:
            op = _UFUNC_OPS.get(ufunc)
            if op is not None:
                return op(*inputs)
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = tuple(_data(o) for o in out)
        return getattr(ufunc, method)(*[_data(x) for x in inputs], **kwargs)

    def __eq__(self, other):
        if other is None:
            return False
        return _bool_tensor(self.data == _operand(other))

    def __ne__(self, other):
        if other is None:
            return True
        return _bool_tensor(self.data != _operand(other))

    def __lt__(self, other):
        return _bool_tensor(self.data < _operand(other))

    def __le__(self, other):
        return _bool_tensor(self.data <= _operand(other))

    def __gt__(self, other):
        return _bool_tensor(self.data > _operand(other))

    def __ge__(self, other):
        return _bool_tensor(self.data >= _operand(other))

    eq = __eq__
    ne = not_equal = __ne__
    lt = less = __lt__
    le = less_equal = __le__
    gt = greater = __gt__
    ge = greater_equal = __ge__

    def __invert__(self):
        """``~mask``: logical not of a bool tensor (bitwise not of an integer one)."""
        return _bool_tensor(~self.data)

    def logical_not(self):
        return _bool_tensor(backend.get_array_module(self.data).logical_not(self.data))

    def __and__(self, other):
        return _bool_tensor(self.data & _operand(other))

    __rand__ = __and__

    def __or__(self, other):
        return _bool_tensor(self.data | _operand(other))

    __ror__ = __or__

    def __xor__(self, other):
        return _bool_tensor(self.data ^ _operand(other))

    __rxor__ = __xor__

    def isnan(self):
        return _bool_tensor(backend.get_array_module(self.data).isnan(self.data))

    def isinf(self):
        return _bool_tensor(backend.get_array_module(self.data).isinf(self.data))

    def isfinite(self):
        return _bool_tensor(backend.get_array_module(self.data).isfinite(self.data))

    def equal(self, other):
        """True when ``other`` has the same shape and values (a Python bool)."""
        other = _operand(other)
        return self.shape == np.shape(other) and builtins_bool(
            (self.data == other).all())

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """True when every element is close to ``other``'s (a Python bool)."""
        xp = backend.get_array_module(self.data)
        return builtins_bool(xp.allclose(self.data, _operand(other), rtol=rtol, atol=atol,
                                         equal_nan=equal_nan))

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        xp = backend.get_array_module(self.data)
        return _bool_tensor(xp.isclose(self.data, _operand(other), rtol=rtol, atol=atol,
                                       equal_nan=equal_nan))


builtins_bool = bool
