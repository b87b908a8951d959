"""The backward pass: walk recorded functions from the output to the leaves."""
import heapq

from framework import backend, threads
from framework.core import function as _function
from framework.core.config import using_config
from framework.core.variable import Variable

__all__ = ["run_backward", "register_post_backward_hook"]

_heappush = heapq.heappush
_heappop = heapq.heappop


#: Callables run after every backward pass, in registration order (data-parallel
#: training averages the gradients there, so they are final when backward() returns).
_post_backward_hooks = {}


def register_post_backward_hook(fn):
    """Run ``fn()`` after every ``Variable.backward()``; returns a handle whose
    ``remove()`` unregisters it."""
    key = object()
    _post_backward_hooks[key] = fn

    class _Handle:
        def remove(self):
            _post_backward_hooks.pop(key, None)
    return _Handle()


def run_post_backward_hooks():
    for fn in list(_post_backward_hooks.values()):
        fn()


def _seed_gradient(y, gradient):
    xp = backend.get_array_module(y.data)
    if gradient is None:
        return Variable(xp.ones_like(y.data), requires_grad=False)
    if not isinstance(gradient, Variable):
        # The output's dtype and backend: a float64 or host array must not turn every
        # gradient of a float32 (or GPU) graph into float64 (or fail on the GPU).
        dtype = y.dtype if y.dtype.kind == "f" else None
        gradient = Variable(xp.asarray(gradient, dtype=dtype), requires_grad=False)
    if gradient.shape != y.shape:
        raise ValueError(
            f"backward(gradient=...) has shape {gradient.shape}, expected the output's "
            f"shape {y.shape}")
    return gradient


def _is_private(data):
    """False for gradient arrays that a write would leak through or fail on: numpy's
    read-only broadcast views and cupy's zero-stride ones."""
    if not getattr(data.flags, "writeable", True):
        return False
    for stride, n in zip(data.strides, data.shape):
        if stride == 0 and n > 1:
            return False
    return True


def _leaf_gradient(gx, handed, create_graph):
    """``gx`` as a leaf's first gradient of the pass: an array no other leaf, no caller
    and no broadcast shares, so in-place edits (``zero_grad(set_to_none=False)``,
    gradient-clipping hooks) touch this leaf only."""
    if id(gx) in handed or not _is_private(gx.data):
        gx = gx + 0 if create_graph else Variable(gx.data.copy(), requires_grad=False)
    handed.add(id(gx))
    return gx


#: Set once any Variable asked to keep its gradient (``retain_grad()``): until then the
#: backward loop does not look at the per-Variable flag at all.
retaining = False


def _describe(x):
    return f"a Variable of shape {tuple(x.shape)} and dtype {x.dtype}"


def _check_versions(func):
    """Raise when a value ``func`` saved for backward was changed in place since."""
    stamp = func._stamp
    for i, x in enumerate(func.inputs):
        if x._version > stamp:
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by "
                f"an in-place operation: input {i} of {type(func).__name__} "
                f"({_describe(x)}) was changed after {type(func).__name__} used it; hint: "
                f"change a .clone() of it instead, or make the change after backward()")
    for ref in func.outputs:
        out = ref()
        if out is not None and out._version > stamp:
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by "
                f"an in-place operation: the output of {type(func).__name__} "
                f"({_describe(out)}) was changed in place; hint: change a .clone() of it "
                f"instead")


def _forget_outputs(func):
    """Drop the gradients a previous ``retain_grad`` pass left on ``func``'s outputs, so
    this pass propagates only its own gradient."""
    for ref in func.outputs:
        out = ref()
        if out is not None:
            out.grad = None


def run_backward(y, retain_grad=False, create_graph=False, gradient=None):
    """Accumulate into every leaf's ``.grad`` the gradient of ``y`` (see Variable.backward).

    Functions are visited in decreasing generation order from a heap, so each
    function runs once, after every function that uses its outputs. Leaves add to
    the gradient they hold; an intermediate variable's ``.grad`` holds this pass's
    gradient only (kept with ``retain_grad``).
    """
    if y.creator is None and not y.requires_grad:
        raise RuntimeError(
            "backward() on a variable that does not require a gradient and has no graph "
            "(was it computed under no_grad(), or from inputs with requires_grad=False?)")
    threads.tick()  # once per training step: lets threads="auto" follow the machine's load
    seed = _seed_gradient(y, gradient)
    handed = {id(seed)}  # gradient Variables already given to a leaf or the caller
    func = y.creator
    if func is None:  # a leaf: its gradient is the seed itself
        y.grad = (_leaf_gradient(seed, handed, create_graph) if y.grad is None
                  else y.grad + seed)
        return
    _forget_outputs(func)
    y.grad = seed

    # Heap entries (-generation, counter, function): the counter breaks ties, since
    # functions themselves are not comparable.
    heap = [(-func.generation, 0, func)]
    seen = {func}
    counter = 1
    clock = _function._clock  # no in-place change since a function's stamp: nothing to check
    keep = retaining
    with using_config("enable_backprop", create_graph):
        while heap:
            func = _heappop(heap)[2]
            if clock and func._stamp < clock and func.reads_values:
                _check_versions(func)
            outputs = func.outputs
            if len(outputs) == 1:
                out = outputs[0]()
                gxs = func.backward(None if out is None else out.grad)
                if not retain_grad and out is not None and not (keep and out._retains_grad):
                    out.grad = None
            else:
                outs = [ref() for ref in outputs]
                gxs = func.backward(*[None if o is None else o.grad for o in outs])
                if not retain_grad:
                    for out in outs:
                        if out is not None and not (keep and out._retains_grad):
                            out.grad = None
            if type(gxs) is not tuple:
                gxs = (gxs,)
            for x, gx in zip(func.inputs, gxs):
                if gx is None or not x.requires_grad:
                    continue
                creator = x.creator
                if creator is None:  # a leaf: accumulate across passes
                    x.grad = (_leaf_gradient(gx, handed, create_graph) if x.grad is None
                              else x.grad + gx)
                elif creator in seen:
                    x.grad = gx if x.grad is None else x.grad + gx
                else:
                    seen.add(creator)
                    if len(creator.outputs) > 1:
                        _forget_outputs(creator)
                    x.grad = gx
                    _heappush(heap, (-creator.generation, counter, creator))
                    counter += 1
