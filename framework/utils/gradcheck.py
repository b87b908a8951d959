"""Numerical gradients, gradient checks and array comparison (DeZero's utilities).

Plugin authors use ``gradient_check`` in their own tests of custom functions.
"""
import numpy as np

from framework import backend
from framework.core import Variable, using_config

__all__ = ["numerical_grad", "gradient_check", "array_allclose", "array_equal"]


def _as_variable(x):
    return x if isinstance(x, Variable) else Variable(np.asarray(x) if not
                                                     backend.is_cupy_array(x) else x)


def numerical_grad(f, x, *args, eps=1e-4, **kwargs):
    """Central-difference gradient of ``sum(f(x, *args))`` with respect to ``x``.

    Args:
        f: a callable taking Variables (or arrays) and returning a Variable.
        x: the input to differentiate against (Variable or ndarray).
        eps: the step.

    Returns:
        An ndarray shaped like ``x``.
    """
    x_data = x.data if isinstance(x, Variable) else x
    xp = backend.get_array_module(x_data)
    x_work = x_data.copy() if np.issubdtype(x_data.dtype, np.floating) else x_data.astype(np.float64)
    grad = xp.zeros_like(x_work)
    flat = x_work.reshape(-1)  # a view: writing through it perturbs x_work
    gflat = grad.reshape(-1)

    def total():
        y = f(Variable(x_work, requires_grad=False), *args, **kwargs)
        data = y.data if isinstance(y, Variable) else y
        return float(data.sum())

    with using_config("enable_backprop", False):
        for i in range(flat.size):
            orig = flat[i].item()
            flat[i] = orig + eps
            y1 = total()
            flat[i] = orig - eps
            y2 = total()
            flat[i] = orig
            gflat[i] = (y1 - y2) / (2 * eps)
    return grad


def gradient_check(f, *inputs, rtol=1e-4, atol=1e-5, eps=1e-4, gy=None, **kwargs):
    """Compare backprop against central differences for every floating input.

    Args:
        f: callable ``f(*inputs, **kwargs) -> Variable``.
        *inputs: arrays or Variables; each floating one is checked, and the first
            one in float64 when it holds integers (as DeZero's).
        rtol, atol: tolerances of the comparison.
        gy: upstream gradient (array), ones by default; the numerical side uses the
            same weighting.

    Returns:
        True when every gradient matches.

    Raises:
        AssertionError: naming the input index and the largest difference.
    """
    xs = [_as_variable(x) for x in inputs]
    if xs and not np.issubdtype(xs[0].dtype, np.floating):
        # DeZero's gradient_check(f, x) differentiates x in float64 whatever its dtype
        # (e.g. np.array([1, 2, 3])); later integer inputs stay labels/indices.
        xs[0] = Variable(xs[0].data.astype(np.float64))
    for x in xs:
        x.cleargrad()
        x.requires_grad = np.issubdtype(x.dtype, np.floating)
    y = f(*xs, **kwargs)
    weight = gy
    y.backward(gradient=weight)
    for i, x in enumerate(xs):
        if not x.requires_grad:
            continue

        def fi(v, i=i):
            args = list(xs)
            args[i] = v
            out = f(*args, **kwargs)
            return out if weight is None else out * weight

        num = numerical_grad(fi, x, eps=eps)
        bp = x.grad.data if x.grad is not None else backend.get_array_module(x.data).zeros_like(x.data)
        if not array_allclose(bp, num, rtol=rtol, atol=atol):
            diff = float(np.max(np.abs(backend.as_numpy(bp) - backend.as_numpy(num))))
            raise AssertionError(
                f"gradient check failed for input {i} of {getattr(f, '__name__', f)}: "
                f"max |backprop - numerical| = {diff:.3g} (rtol={rtol}, atol={atol})\n"
                f"backprop:\n{bp}\nnumerical:\n{num}")
    return True


def array_allclose(a, b, rtol=1e-4, atol=1e-5):
    """``numpy.allclose`` for Variables and arrays on either backend, shapes checked
    (a 0-d value matches a one-element array)."""
    a = backend.as_numpy(a.data if isinstance(a, Variable) else a)
    b = backend.as_numpy(b.data if isinstance(b, Variable) else b)
    # Shapes must agree (no broadcasting hides a wrong shape); a 0-d value compares with
    # a one-element array (DeZero's tests compare sum_to(x, (1,)) with np.sum(x)).
    same = a.shape == b.shape or (a.size == b.size == 1 and min(a.ndim, b.ndim) == 0)
    return same and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def array_equal(a, b):
    """``numpy.array_equal`` for Variables and arrays on either backend."""
    a = backend.as_numpy(a.data if isinstance(a, Variable) else a)
    b = backend.as_numpy(b.data if isinstance(b, Variable) else b)
    return bool(np.array_equal(a, b))
