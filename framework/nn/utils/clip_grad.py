"""Gradient clipping in place: by the total norm, or elementwise by value."""
import math

import numpy as np

from framework import backend
from framework.core.variable import Variable

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _with_grads(parameters):
    if isinstance(parameters, Variable):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def _norm_of(a, norm_type):
    xp = backend.get_array_module(a)
    a = xp.abs(a.astype(xp.float64) if a.dtype.kind != "f" else a)
    if norm_type == math.inf:
        return float(a.max()) if a.size else 0.0
    return float((a ** norm_type).sum()) ** (1.0 / norm_type)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale the gradients so that their joint norm is at most ``max_norm``.

    The total norm is the ``norm_type``-norm of all gradients seen as one vector; each
    gradient is multiplied in place by ``min(1, max_norm / (total + 1e-6))`` (PyTorch's
    rule).

    Args:
        parameters: a Parameter or an iterable of them (those without a gradient are
            skipped).
        max_norm: the largest allowed norm.
        norm_type: the p of the p-norm (``float('inf')`` for the largest element).
        error_if_nonfinite: raise when the total norm is nan or inf (otherwise the
            gradients are scaled by a nan/0 factor, as PyTorch does).
        foreach: accepted for PyTorch code; ignored.

    Returns:
        The total norm (before clipping) as a 0-d tensor without a graph.

    Raises:
        RuntimeError: a non-finite total norm with ``error_if_nonfinite=True``.
        ValueError: a ``norm_type`` that is not positive.
    """
    norm_type = float(norm_type)
    if not norm_type > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be positive, got {norm_type}")
    params = _with_grads(parameters)
    norms = [_norm_of(p.grad.data, norm_type) for p in params]
    if not norms:
        total = 0.0
    elif norm_type == math.inf:
        total = max(norms)
    else:
        total = math.fsum(n ** norm_type for n in norms) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           f"gradients is {total}, so they cannot be clipped; pass "
                           f"error_if_nonfinite=False to scale them anyway")
    coef = min(1.0, float(max_norm) / (total + 1e-6)) if math.isfinite(total) else \
        float(max_norm) / (total + 1e-6)
    for p in params:
        if coef != 1.0:
            p.grad.data *= p.grad.data.dtype.type(coef)
    xp = backend.get_array_module(params[0].grad.data) if params else np
    dtype = params[0].grad.data.dtype if params else xp.float32
    return Variable(xp.asarray(total, dtype=dtype), requires_grad=False)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient elementwise to ``[-clip_value, clip_value]``, in place.

    Args:
        parameters: a Parameter or an iterable of them.
        clip_value: a non-negative number.
        foreach: accepted for PyTorch code; ignored.

    Raises:
        ValueError: a negative ``clip_value``.
    """
    clip_value = float(clip_value)
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for p in _with_grads(parameters):
        g = p.grad.data
        backend.get_array_module(g).clip(g, -clip_value, clip_value, out=g)
