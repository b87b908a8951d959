"""The backward pass: walk recorded functions from the output to the leaves."""
import heapq

from framework import backend
from framework.core.config import using_config
from framework.core.variable import Variable, as_array

__all__ = ["run_backward"]


def _seed_gradient(y, gradient):
    xp = backend.get_array_module(y.data)
    if gradient is None:
        return Variable(xp.ones_like(y.data), requires_grad=False)
    if not isinstance(gradient, Variable):
        gradient = Variable(as_array(gradient, y.data), requires_grad=False)
    if gradient.shape != y.shape:
        raise ValueError(
            f"backward(gradient=...) has shape {gradient.shape}, expected the output's "
            f"shape {y.shape}")
    return gradient


def run_backward(y, retain_grad=False, create_graph=False, gradient=None):
    """Accumulate into every leaf's ``.grad`` the gradient of ``y`` (see Variable.backward).

    Functions are visited in decreasing generation order from a heap, so each
    function runs once, after every function that uses its outputs.
    """
    if y.creator is None and not y.requires_grad:
        raise RuntimeError(
            "backward() on a variable that does not require a gradient and has no graph "
            "(was it computed under no_grad(), or from inputs with requires_grad=False?)")
    seed = _seed_gradient(y, gradient)
    if y.creator is None:  # a leaf: its gradient is the seed itself
        y.grad = seed if y.grad is None else y.grad + seed
        return
    y.grad = seed

    heap = []
    seen = set()
    counter = 0  # tie-breaker: functions themselves are not comparable

    def push(func):
        nonlocal counter
        if func not in seen:
            seen.add(func)
            heapq.heappush(heap, (-func.generation, counter, func))
            counter += 1

    push(y.creator)
    with using_config("enable_backprop", create_graph):
        while heap:
            func = heapq.heappop(heap)[2]
            outputs = [ref() for ref in func.outputs]
            gys = [None if out is None else out.grad for out in outputs]
            gxs = func.backward(*gys)
            if not isinstance(gxs, tuple):
                gxs = (gxs,)
            for x, gx in zip(func.inputs, gxs):
                if gx is None or not x.requires_grad:
                    continue
                x.grad = gx if x.grad is None else x.grad + gx
                if x.creator is not None:
                    push(x.creator)
            if not retain_grad:
                for out in outputs:
                    if out is not None:
                        out.grad = None
