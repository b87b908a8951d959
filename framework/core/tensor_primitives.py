"""The primitives behind PyTorch's tensor methods: casts, copies, device transfers,
``where``, running sums and products (re-exported by ``framework.core.primitives``)."""
import builtins

import numpy as np

from framework import backend
from framework.core.function import Function
from framework.core.primitives import (_normalize_axis, _restore_reduced, _unbroadcast,
                                       broadcast_to, get_item, reshape, transpose)
from framework.core.variable import Variable, as_variable

__all__ = ["cast", "copy", "where", "cumsum", "prod", "transfer",
           "Cast", "Copy", "Where", "Cumsum", "Prod", "Transfer", "Einsum"]


# --------------------------------------------------------------------------- copies
class Cast(Function):
    """A dtype conversion; the gradient is converted back to the input's dtype."""

    reads_values = False

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        self.x_dtype = x.dtype
        return x.astype(self.dtype)

    def backward(self, gy):
        if self.x_dtype.kind not in "fc":
            return None  # integer and bool inputs take no gradient
        return cast(gy, self.x_dtype)


def cast(x, dtype):
    """``x`` converted to ``dtype`` (the same Variable when it already has it)."""
    x = as_variable(x)
    dtype = np.dtype(dtype)
    if x.dtype == dtype:
        return x
    if dtype.kind not in "fc":  # integers and bools carry no gradient (as PyTorch)
        return Variable(x.data.astype(dtype), requires_grad=False)
    return Cast(dtype)(x)


class Copy(Function):
    """A copy into fresh C-contiguous memory (``clone``, ``contiguous``)."""

    reads_values = False

    def forward(self, x):
        return backend.get_array_module(x).array(x, copy=True, order="C")

    def backward(self, gy):
        return gy


def copy(x):
    return Copy()(x)


class Where(Function):
    """``condition ? x0 : x1`` elementwise, with numpy broadcasting."""

    reads_values = False

    def __init__(self, condition):
        self.condition = condition

    def forward(self, x0, x1):
        self.shapes = (x0.shape, x1.shape)
        return backend.get_array_module(x0).where(self.condition, x0, x1)

    def backward(self, gy):
        a, b = self.inputs
        zero = gy.data.dtype.type(0)
        gx0 = gx1 = None
        if a.requires_grad:
            gx0 = _unbroadcast(where(self.condition, gy, zero), self.shapes[0])
        if b.requires_grad:
            gx1 = _unbroadcast(where(self.condition, zero, gy), self.shapes[1])
        return gx0, gx1


def where(condition, x0, x1):
    """Elementwise choice: ``x0`` where ``condition`` holds, else ``x1`` (arrays or Variables).

    Args:
        condition: a bool array or Variable (no gradient).
        x0, x1: Variables, arrays or scalars; scalars take the other operand's dtype.
    """
    if isinstance(condition, Variable):
        condition = condition.data
    if not isinstance(x0, Variable) and not isinstance(x1, Variable):
        x0 = as_variable(x0)
    return Where(condition)(x0, x1)


# --------------------------------------------------------------------------- scans
class Cumsum(Function):
    """The running sum along one axis."""

    reads_values = False

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        return backend.get_array_module(x).cumsum(x, axis=self.axis)

    def backward(self, gy):
        # d(sum_{j<=i} x_j)/dx_k sums the gradients of every i >= k: a reversed running sum.
        flip = (slice(None),) * self.axis + (slice(None, None, -1),)
        return get_item(cumsum(get_item(gy, flip), self.axis), flip)


def cumsum(x, axis):
    x = as_variable(x)
    return Cumsum(axis % builtins.max(x.ndim, 1))(x)


def _others_product(x, axes):
    """For each entry, the product of the other entries reduced with it (no division,
    so zeros are exact)."""
    xp = backend.get_array_module(x)
    keep = [a for a in range(x.ndim) if a not in axes]
    perm = keep + list(axes)
    xt = x.transpose(perm)
    lead = xt.shape[:len(keep)]
    flat = xt.reshape(lead + (-1,))
    ones = xp.ones(lead + (1,), dtype=x.dtype)
    left = xp.concatenate([ones, xp.cumprod(flat, axis=-1)[..., :-1]], axis=-1)
    right = xp.concatenate([xp.cumprod(flat[..., ::-1], axis=-1)[..., :-1][..., ::-1], ones],
                           axis=-1)
    others = (left * right).reshape(xt.shape)
    return others.transpose(tuple(np.argsort(perm)))


class Prod(Function):
    """The product over axes (first-order gradient)."""

    def __init__(self, axis=None, keepdims=False):
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, x):
        self.axis = _normalize_axis(self.axis, x.ndim)
        return x.prod(axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        x, = self.inputs
        axes = tuple(range(x.ndim)) if self.axis is None else self.axis
        others = Variable(_others_product(x.data, axes), requires_grad=False)
        gy = _restore_reduced(gy, x.shape, self.axis, self.keepdims)
        return broadcast_to(gy, x.shape) * others


def prod(x, axis=None, keepdims=False):
    return Prod(axis, keepdims)(x)


class Transfer(Function):
    """A copy to another device (CPU <-> GPU); the gradient goes back the same way."""

    reads_values = False

    def __init__(self, device):
        self.device = device

    def forward(self, x):
        self.x_device = backend.device_of(x)
        return backend.to_device(x, self.device)

    def backward(self, gy):
        return Transfer(self.x_device)(gy)


def transfer(x, device):
    """``x`` on ``device`` (the same Variable when it is already there)."""
    backend.check_device(device)
    if backend.device_object(x.data) == backend.device(str(device).replace("gpu", "cuda")):
        return x
    return Transfer(str(device))(x)


class Einsum(Function):
    """numpy's einsum in explicit or implicit form (no repeated index within one operand)."""

    def __init__(self, inputs_spec, output_spec):
        self.inputs_spec = inputs_spec
        self.output_spec = output_spec

    def forward(self, *xs):
        xp = backend.get_array_module(xs[0])
        spec = ",".join(self.inputs_spec) + "->" + self.output_spec
        return xp.einsum(spec, *xs)

    def backward(self, gy):
        grads = []
        for k, x in enumerate(self.inputs):
            if not x.requires_grad:
                grads.append(None)
                continue
            others = [s for i, s in enumerate(self.inputs_spec) if i != k]
            operands = [v for i, v in enumerate(self.inputs) if i != k]
            target = self.inputs_spec[k]
            present = set(self.output_spec).union(*others) if others else set(self.output_spec)
            # Indices of x found nowhere else were summed away: their gradient is broadcast.
            kept = "".join(c for c in target if c in present)
            g = Einsum((self.output_spec,) + tuple(others), kept)(gy, *operands)
            if kept != target:
                shape = tuple(x.shape[target.index(c)] if c in kept else 1 for c in target)
                order = [kept.index(c) for c in target if c in kept]
                g = transpose(g, order) if order != sorted(order) else g
                g = broadcast_to(reshape(g, shape), x.shape)
            grads.append(g)
        return tuple(grads)
