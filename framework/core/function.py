"""Function: one differentiable operation; ``__call__`` wires it into the graph."""
import weakref

import numpy as np

from framework import backend
from framework.core.config import Config
from framework.core.variable import Variable, as_variable

__all__ = ["Function", "tick"]

_new_object = object.__new__
_ref = weakref.ref
_ndarray = np.ndarray


# The in-place clock: every in-place change of a Variable takes the next tick as that
# Variable's ``_version``; every recorded Function keeps the tick it was recorded at. A
# Function's input (or output) whose version is newer than the Function was changed after
# the Function saved it, and backward refuses to use it (see engine._check_versions).
# One global int keeps the cost of recording to one attribute store.
_clock = 0


def tick():
    """Advance the in-place clock and return its new value (a Variable's new version)."""
    global _clock
    _clock += 1
    return _clock


def _output(y, requires_grad):
    """A fresh Variable around a forward result (the checked constructor is bypassed:
    forward results are arrays by contract, numpy scalars are converted here)."""
    if type(y) is not _ndarray and not backend.is_cupy_array(y):
        y = np.asarray(y)
    v = _new_object(Variable)
    v.data = y
    v.name = None
    v.grad = None
    v.creator = None
    v.generation = 0
    v.requires_grad = requires_grad
    return v


def _constant(x, like):
    """A constant input: a Python float/int takes a float array's dtype (weak-scalar rule)."""
    t = type(x)
    if (t is float or t is int) and type(like) is _ndarray:
        dtype = like.dtype
        if dtype.kind == "f":
            return _output(np.array(x, dtype), False)
    return as_variable(x, like)


def _with_constants(inputs):
    """``inputs`` with every non-Variable wrapped as a constant like the first Variable."""
    if len(inputs) == 2:  # the binary operators: one side is a Variable, or neither
        a, b = inputs
        if isinstance(a, Variable):
            return a, _constant(b, a.data)
        if isinstance(b, Variable):
            return _constant(a, b.data), b
    like = None
    for x in inputs:
        if isinstance(x, Variable):
            like = x.data
            break
    return tuple([x if isinstance(x, Variable) else _constant(x, like) for x in inputs])


class Function:
    """Base class of every differentiable operation (DeZero's design).

    Subclasses implement ``forward(*xs)`` on raw arrays, returning an array or a tuple
    of arrays, and ``backward(*gys)`` on Variables, returning one gradient per input
    (a Variable, or None for an input that needs none). ``__call__`` converts inputs,
    runs ``forward`` and records the graph when an input needs a gradient and
    ``Config.enable_backprop`` is on.

    Attributes:
        inputs: the input Variables (only when the graph was recorded).
        outputs: weak references to the output Variables.
        generation: the depth in the graph, used to order backward.
    """

    generation = 0
    inputs = ()
    outputs = ()
    #: Whether ``backward`` reads the values of its inputs or outputs. Functions that
    #: need only shapes (add, reshape, sum, ...) set it False: changing their inputs in
    #: place after the forward pass cannot make their gradient wrong.
    reads_values = True
    _stamp = 0  # the in-place clock when this function was recorded

    def __call__(self, *inputs):
        for x in inputs:
            if not isinstance(x, Variable):
                inputs = _with_constants(inputs)
                break
        ys = self.forward(*[x.data for x in inputs])
        record = False
        if Config.enable_backprop:
            for x in inputs:
                if x.requires_grad:
                    record = True
                    break
        if type(ys) is not tuple:
            out = _output(ys, record)
            if record:
                gen = 0
                for x in inputs:
                    if x.generation > gen:
                        gen = x.generation
                self.generation = gen
                if _clock:  # the class default 0 is right until the first in-place change
                    self._stamp = _clock
                out.creator = self
                out.generation = gen + 1
                self.inputs = inputs
                self.outputs = (_ref(out),)
            return out
        outputs = [_output(y, record) for y in ys]
        if record:
            self.generation = gen = max([x.generation for x in inputs])
            if _clock:
                self._stamp = _clock
            for out in outputs:
                out.creator = self
                out.generation = gen + 1
            self.inputs = inputs
            self.outputs = tuple([_ref(out) for out in outputs])
        return outputs

    def forward(self, *xs):
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, *gys):
        raise NotImplementedError(
            f"{type(self).__name__} has no backward: it is not differentiable")

    def __repr__(self):
        return f"<{type(self).__name__}>"
