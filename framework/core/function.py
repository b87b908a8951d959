"""Function: one differentiable operation; ``__call__`` wires it into the graph."""
import weakref

import numpy as np

from framework import backend
from framework.core.config import Config
from framework.core.variable import Variable, as_variable

__all__ = ["Function"]

_new_object = object.__new__
_ndarray = np.ndarray


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
    if type(like) is _ndarray and like.dtype.kind == "f" and type(x) in (float, int):
        return _output(np.array(x, dtype=like.dtype), False)
    return as_variable(x, like)


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

    def __call__(self, *inputs):
        record = False
        convert = False
        for x in inputs:
            if isinstance(x, Variable):
                if x.requires_grad:
                    record = True
            else:
                convert = True
        if convert:  # constants: arrays and scalars take a like-typed array form
            like = None
            for x in inputs:
                if isinstance(x, Variable):
                    like = x.data
                    break
            inputs = tuple([x if isinstance(x, Variable) else _constant(x, like)
                            for x in inputs])
        ys = self.forward(*[x.data for x in inputs])
        record = record and Config.enable_backprop
        if type(ys) is not tuple:
            out = _output(ys, record)
            if record:
                gen = 0
                for x in inputs:
                    if x.generation > gen:
                        gen = x.generation
                self.generation = gen
                out.creator = self
                out.generation = gen + 1
                self.inputs = inputs
                self.outputs = (weakref.ref(out),)
            return out
        outputs = [_output(y, record) for y in ys]
        if record:
            self.generation = max([x.generation for x in inputs])
            for out in outputs:
                out.creator = self
                out.generation = self.generation + 1
            self.inputs = inputs
            self.outputs = tuple([weakref.ref(out) for out in outputs])
        return outputs

    def forward(self, *xs):
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, *gys):
        raise NotImplementedError(
            f"{type(self).__name__} has no backward: it is not differentiable")

    def __repr__(self):
        return f"<{type(self).__name__}>"
