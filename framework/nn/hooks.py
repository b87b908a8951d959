"""Module hooks: removable handles, the hooked call path and full backward hooks.

A full backward hook ``hook(module, grad_input, grad_output)`` sees the gradients with
respect to a module call's inputs and outputs.  Module.__call__ gets them by wrapping
the call, only when such hooks exist, in two identity functions: one over the inputs
that need a gradient (its backward sees ``grad_input``) and one over the outputs (its
backward sees ``grad_output``).  The backward engine runs the output side first (it
is later in the graph), so both are known when the input side fires the hooks.  When
no input needs a gradient, the output side fires them with ``grad_input`` all None.
"""
import itertools
import weakref

from framework.core import Function, Variable, as_variable

__all__ = ["RemovableHandle", "HookDict", "BackwardHookCall", "call_with_hooks"]

_next_id = itertools.count()


class RemovableHandle:
    """Returned by every ``register_*_hook``; ``remove()`` unregisters the hook.

    Also a context manager: the hook is removed when the ``with`` block ends.

    Args:
        *hook_dicts: the dicts the hook was stored in under this handle's ``id``.
    """

    __slots__ = ("id", "_dicts")

    def __init__(self, *hook_dicts):
        self.id = next(_next_id)
        # Weak references: a handle kept by the user must not keep a module alive.
        self._dicts = tuple(weakref.ref(d) for d in hook_dicts)

    def remove(self):
        """Unregister the hook; removing twice is harmless."""
        for ref in self._dicts:
            d = ref()
            if d is not None:
                d.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()

    def __repr__(self):
        return f"<RemovableHandle id={self.id}>"


class HookDict(dict):
    """An insertion-ordered hook store that a handle can reference weakly."""

    __slots__ = ("__weakref__",)


def _flatten(obj, out):
    """Collect the Variables in nested tuples/lists; return a rebuild template."""
    if isinstance(obj, Variable):
        out.append(obj)
        return None
    if isinstance(obj, (tuple, list)):
        return (type(obj), [_flatten(o, out) if isinstance(o, (Variable, tuple, list))
                            else ("const", o) for o in obj])
    return ("const", obj)


def _rebuild(template, it):
    if template is None:
        return next(it)
    kind, items = template
    if kind == "const":
        return items
    values = [_rebuild(t, it) for t in items]
    return kind(values) if kind is list else tuple(values)


class _Identity(Function):
    """Passes its inputs through; its backward hands the gradients to a callback."""

    def __init__(self, on_backward):
        self.on_backward = on_backward

    def forward(self, *xs):
        return tuple(x.view() for x in xs)  # new arrays objects, same memory

    def backward(self, *gys):
        return self.on_backward(gys)


class BackwardHookCall:
    """The state of one module call that has full backward hooks.

    Args:
        module: the module being called.
        hooks: the module's backward-hook dict (read at backward time, so a hook
            removed before backward no longer fires).
    """

    def __init__(self, module, hooks):
        self.module = module
        self.hooks = hooks
        self.n_inputs = 0
        self.input_positions = []
        self.grad_output = None
        self.inputs_wrapped = False

    def wrap_inputs(self, args):
        """Route every positional Variable input that needs a gradient through an identity."""
        args = list(args)
        self.n_inputs = len(args)
        positions = [i for i, a in enumerate(args)
                     if isinstance(a, Variable) and a.requires_grad]
        self.input_positions = positions
        if positions:
            ys = _Identity(self._input_backward)(*[args[i] for i in positions])
            ys = ys if isinstance(ys, list) else [ys]
            if ys[0].creator is not None:  # the graph is recorded (not under no_grad)
                self.inputs_wrapped = True
                for i, y in zip(positions, ys):
                    args[i] = y
        return tuple(args)

    def wrap_outputs(self, out):
        """Route the output Variables (nested tuples/lists allowed) through an identity."""
        flat = []
        template = _flatten(out, flat)
        if not flat or not any(v.creator is not None or v.requires_grad for v in flat):
            return out
        ys = _Identity(self._output_backward)(*flat)
        ys = ys if isinstance(ys, list) else [ys]
        if ys[0].creator is None:
            return out
        return _rebuild(template, iter(ys))

    def _output_backward(self, gys):
        self.grad_output = tuple(gys)
        if not self.inputs_wrapped:
            # No input takes part in backward: the hooks still fire, with grad_input None.
            self._run_hooks((None,) * self.n_inputs)
        return gys

    def _input_backward(self, gys):
        grad_input = [None] * self.n_inputs
        for i, g in zip(self.input_positions, gys):
            grad_input[i] = g
        grad_input = self._run_hooks(tuple(grad_input))
        return tuple(grad_input[i] for i in self.input_positions)

    def _run_hooks(self, grad_input):
        grad_output = self.grad_output
        if grad_output is None:
            grad_output = ()
        for hook in list(self.hooks.values()):
            result = hook(self.module, grad_input, grad_output)
            if result is None:
                continue
            if not isinstance(result, (tuple, list)):
                result = (result,)
            if len(result) != len(grad_input):
                raise RuntimeError(
                    f"backward hook {getattr(hook, '__name__', hook)!r} of "
                    f"{type(self.module).__name__} returned {len(result)} gradients, "
                    f"expected {len(grad_input)} (one per positional input, None allowed)")
            grad_input = tuple(None if g is None else
                               (g if isinstance(g, Variable) else as_variable(g))
                               for g in result)
        return grad_input


def call_with_hooks(module, args, kwargs):
    """Run ``module``'s forward with its forward pre-hooks, forward hooks and full
    backward hooks (Module.__call__ when any hook is registered)."""
    with_kwargs = module.__dict__.get("_kwargs_hook_ids", ())  # absent in old pickles
    for hook_id, hook in list(module._forward_pre_hooks.items()):
        if hook_id in with_kwargs:
            result = hook(module, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(
                        f"forward pre-hook {getattr(hook, '__name__', hook)!r} of "
                        f"{type(module).__name__} was registered with_kwargs=True, so it "
                        f"must return None or a pair (args, kwargs), got "
                        f"{type(result).__name__}")
                args, kwargs = result
                args = args if isinstance(args, tuple) else (args,)
            continue
        result = hook(module, args)
        if result is not None:
            args = result if isinstance(result, tuple) else (result,)
    bw = None
    if module._backward_hooks:
        bw = BackwardHookCall(module, module._backward_hooks)
        args = bw.wrap_inputs(args)
    out = module.forward(*args, **kwargs)
    for hook_id, hook in list(module._forward_hooks.items()):
        if hook_id in with_kwargs:
            result = hook(module, args, kwargs, out)
        else:
            result = hook(module, args, out)
        if result is not None:
            out = result
    if bw is not None:
        out = bw.wrap_outputs(out)
    return out
