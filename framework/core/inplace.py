"""In-place operations on Variable, with PyTorch's rules.

``add_ sub_ mul_ div_ pow_ zero_ fill_ copy_ uniform_ normal_ masked_fill_``, the
operators ``+= -= *= /= **=`` and ``x[i] = v`` change the Variable's array in place
(the same object, so views and the Module that holds it see the change):

- with nothing to record (under ``no_grad()``, or when neither side needs a gradient)
  the array is simply updated (``with no_grad(): p -= lr * p.grad``);
- on a leaf that requires a gradient, outside ``no_grad()``, it raises RuntimeError:
  the leaf's gradient would no longer describe the value it has;
- otherwise (a non-leaf in a recorded graph, e.g. ``loss += F.mean_squared_error(y, t)``)
  the change is recorded: the Variable takes the new operation as its creator and its
  old value moves to a copy that the graph behind it keeps, so the gradient is right.

Every change takes a new version from the in-place clock
(``framework.core.function.tick``); backward refuses to use an input or output that a
function saved and that was changed after (``engine._check_versions``).
"""
import weakref

import numpy as np

from framework import backend
from framework.core.config import Config

__all__ = ["InplaceMethods", "apply_inplace"]

ops = None  # framework.core.primitives, set by framework.core.variable
Variable = None  # set by framework.core.variable

_ref = weakref.ref
_new_object = object.__new__


def _needs_record(x, operands):
    if not Config.enable_backprop:
        return False
    if x.requires_grad:
        return True
    for o in operands:
        if isinstance(o, Variable) and o.requires_grad:
            return True
    return False


def _write(x, result, name, casting="same_kind"):
    """Copy ``result`` into ``x``'s array with PyTorch's casting and shape rules."""
    if result.shape != x.data.shape:
        raise RuntimeError(f"{name}: the result has shape {tuple(result.shape)}, which does "
                           f"not match the tensor's shape {tuple(x.data.shape)} (an in-place "
                           f"operation cannot change the shape)")
    xp = backend.get_array_module(x.data)
    if not xp.can_cast(result.dtype, x.data.dtype, casting=casting):
        raise RuntimeError(f"{name}: result type {result.dtype} can't be cast to the "
                           f"tensor's dtype {x.data.dtype} in place; convert first, e.g. "
                           f"x = x.float()")
    try:
        xp.copyto(x.data, result, casting=casting)
    except ValueError as exc:  # a read-only array: expand() or broadcast views
        raise RuntimeError(f"{name}: cannot write into this tensor in place ({exc}); it is "
                           f"a read-only or broadcast view, use .clone() first") from None


def _snapshot(x):
    """A Variable that takes over ``x``'s place in the graph, with a copy of its value."""
    old = _new_object(Variable)
    old.data = x.data.copy()
    old.name = x.name
    old.grad = None
    old.creator = creator = x.creator
    old.generation = x.generation
    old.requires_grad = x.requires_grad
    old._version = x._version
    if creator is not None:
        creator.outputs = tuple(_ref(old) if r() is x else r for r in creator.outputs)
    return old


def apply_inplace(x, compute, operands=(), name="in-place operation", casting="same_kind"):
    """Replace ``x``'s values by ``compute(x, *operands)`` in place, by PyTorch's rules.

    Args:
        x: the Variable to change.
        compute: builds the new value out of place from Variables (recorded when a
            gradient is needed).
        operands: the other inputs of ``compute``.
        name: the operation's name for error messages.
        casting: numpy's casting rule for writing the result (``copy_`` casts freely).

    Returns:
        x.

    Raises:
        RuntimeError: ``x`` is a leaf that requires a gradient and the graph is being
            recorded (use ``no_grad()``), or the result cannot be written into ``x``.
    """
    recorded = _needs_record(x, operands)
    if not recorded:
        y = compute(x, *operands)
        _write(x, y.data, name, casting)
    else:
        if x.creator is None and x.requires_grad:
            raise RuntimeError(
                f"{name}: a leaf Variable that requires grad is being used in an in-place "
                f"operation; wrap the update in `with framework.no_grad():` (as an "
                f"optimizer step does), or change a .clone() or .detach() of it")
        old = _snapshot(x)
        y = compute(old, *operands)
        _write(x, y.data, name, casting)
        creator = y.creator
        if creator is not None:  # x becomes the output of the new operation
            creator.outputs = tuple(_ref(x) if r() is y else r for r in creator.outputs)
            x.creator = creator
            x.generation = y.generation
            x.requires_grad = True
        else:  # overwritten by a constant: nothing flows back through x any more
            x.creator = None
            x.generation = 0
            x.requires_grad = False
    from framework.core.function import tick  # function.py imports variable.py, this module's user
    x._version = tick()
    if x.creator is not None and recorded:
        x.creator._stamp = x._version  # its output is the new value, not a changed one
    return x


def _scalar_like(value, x):
    if isinstance(value, Variable):
        return value
    xp = backend.get_array_module(x.data)
    return xp.asarray(value, dtype=x.dtype if np.ndim(value) == 0 else None)


def _fill(x, value):
    """A tensor of ``x``'s shape holding ``value`` (gradient only to ``value``)."""
    return ops.broadcast_to(_scalar_like(value, x), x.shape)


class InplaceMethods:
    """In-place methods and operators of Variable."""

    __slots__ = ()

    def add_(self, other, alpha=1):
        other = other if alpha == 1 else other * alpha
        return apply_inplace(self, ops.add, (other,), "add_")

    def sub_(self, other, alpha=1):
        other = other if alpha == 1 else other * alpha
        return apply_inplace(self, ops.sub, (other,), "sub_")

    def mul_(self, other):
        return apply_inplace(self, ops.mul, (other,), "mul_")

    def div_(self, other):
        return apply_inplace(self, ops.div, (other,), "div_")

    def pow_(self, exponent):
        return apply_inplace(self, ops.pow, (exponent,), "pow_")

    def neg_(self):
        return apply_inplace(self, ops.neg, (), "neg_")

    def zero_(self):
        """Set every element to 0 (``p.grad.zero_()``)."""
        return apply_inplace(self, _fill, (0,), "zero_")

    def fill_(self, value):
        return apply_inplace(self, _fill, (value,), "fill_")

    def copy_(self, src):
        """Copy ``src``'s values (broadcast to this shape) into this tensor."""
        if not isinstance(src, Variable):
            src = Variable(backend.get_array_module(self.data).asarray(src),
                           requires_grad=False)
        elif backend.device_of(src.data) != backend.device_of(self.data):
            src = src.to(self.device)
        return apply_inplace(self, _fill, (src,), "copy_", casting="unsafe")

    def masked_fill_(self, mask, value):
        return apply_inplace(self, lambda x, v: x.masked_fill(mask, v), (value,),
                             "masked_fill_")

    def uniform_(self, a=0.0, b=1.0):
        """Fill with samples from U(a, b) drawn from numpy's global generator."""
        values = np.random.uniform(a, b, size=self.shape)
        return apply_inplace(self, _fill, (backend.to_device(values, self.device),),
                             "uniform_")

    def normal_(self, mean=0.0, std=1.0):
        """Fill with samples from N(mean, std**2) drawn from numpy's global generator."""
        values = np.random.normal(mean, std, size=self.shape)
        return apply_inplace(self, _fill, (backend.to_device(values, self.device),),
                             "normal_")

    def __setitem__(self, index, value):
        """``x[index] = value`` in place (recorded like the other in-place operations)."""
        index = ops._plain_index(index)
        return apply_inplace(self, lambda x, v: _set_item(x, index, v), (value,),
                             "x[index] = value")

    def __iadd__(self, other):
        return apply_inplace(self, ops.add, (other,), "+=")

    def __isub__(self, other):
        return apply_inplace(self, ops.sub, (other,), "-=")

    def __imul__(self, other):
        return apply_inplace(self, ops.mul, (other,), "*=")

    def __itruediv__(self, other):
        return apply_inplace(self, ops.div, (other,), "/=")

    def __ipow__(self, other):
        return apply_inplace(self, ops.pow, (other,), "**=")


def _set_item(x, index, value):
    """``x`` with ``x[index]`` replaced by ``value``, out of place and differentiable."""
    xp = backend.get_array_module(x.data)
    keep = xp.ones(x.shape, dtype=bool)
    keep[index] = False
    target_shape = x.data[index].shape
    if not isinstance(value, Variable):
        value = Variable(xp.asarray(value, dtype=x.dtype), requires_grad=False)
    placed = ops.GetItemGrad(index, x.shape)(ops.broadcast_to(value, target_shape))
    return ops.where(keep, x, placed)
