"""nn.Module: the base class of every layer and model (PyTorch's semantics).

A module's state lives in three insertion-ordered dicts filled by ``__setattr__``
according to the value's type: ``_parameters`` (Parameter or None), ``_buffers``
(ndarray or None) and ``_modules`` (Module or None).  Every other value is a plain
attribute: it gets no gradient, no optimizer update and is not saved.  One generator,
:meth:`Module.named_modules`, drives every walk over the tree.
"""
from collections import OrderedDict

import numpy as np

from framework import backend
from framework.core import Variable
from framework.nn import state as _state
from framework.nn.hooks import HookDict, RemovableHandle, call_with_hooks
from framework.nn.parameter import Buffer, Parameter, is_array
from framework.nn.traversal import ModuleTraversal

__all__ = ["Module"]

_STATE_DICTS = ("_parameters", "_buffers", "_modules")


def _add_indent(text, spaces):
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def _buffer_value(module, name, value, old):
    """What a registered buffer holds after ``module.<name> = value``.

    Arrays and None are kept; a tensor gives its data; numpy scalars (what arithmetic
    on a 0-d array returns, ``self.count = self.count + 1``) and Python numbers become
    0-d arrays: a Python number takes the old buffer's dtype and device, a numpy scalar
    keeps its own dtype.

    Raises:
        TypeError: any other value.
    """
    if value is None or is_array(value):
        return value
    if isinstance(value, Variable):  # a tensor: its array
        return value.data
    if isinstance(value, np.generic):
        xp = backend.get_array_module(old) if old is not None else np
        return xp.asarray(value)
    if isinstance(value, (bool, int, float)):
        if old is not None:
            return backend.get_array_module(old).asarray(value, dtype=old.dtype)
        return np.asarray(value)
    raise TypeError(f"cannot assign {type(value).__name__} to buffer {name!r} of "
                    f"{type(module).__name__}: expected an ndarray, a tensor, a number or None")


class Module(ModuleTraversal):
    """Base class of layers and models: subclass it and implement ``forward``.

    Assign Parameters, Buffers and Modules as attributes in ``__init__`` (after calling
    ``super().__init__()``); they are registered in assignment order, and that order
    is the order of ``parameters()`` and of ``state_dict()`` keys.

    Attributes:
        training: True in training mode (``train()``), False after ``eval()``.
    """

    def __init__(self):
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent_buffers"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_pre_hooks"] = HookDict()
        d["_forward_hooks"] = HookDict()
        d["_backward_hooks"] = HookDict()
        d["_all_hooks"] = HookDict()  # union of the three: the fast path checks only this
        d["_kwargs_hook_ids"] = set()  # forward (pre-)hooks registered with_kwargs=True

    # ------------------------------------------------------------------ calling
    def forward(self, *args, **kwargs):
        """Compute the module's output; subclasses must override it."""
        raise NotImplementedError(
            f"{type(self).__name__} has no forward(): define forward(self, ...) in the class")

    def __call__(self, *args, **kwargs):
        if not self._all_hooks:
            return self.forward(*args, **kwargs)
        return call_with_hooks(self, args, kwargs)

    def _add_hook(self, store, hook, prepend):
        if not callable(hook):
            raise TypeError(f"a hook must be callable, got {type(hook).__name__}")
        handle = RemovableHandle(store, self._all_hooks)
        store[handle.id] = hook
        if prepend:
            store_items = list(store.items())
            store.clear()
            store[handle.id] = hook
            store.update(item for item in store_items if item[0] != handle.id)
        self._all_hooks[handle.id] = hook
        return handle

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Call ``hook(module, args)`` before forward; a non-None result replaces ``args``.

        Args:
            hook: the callable.
            prepend: run it before the hooks already registered.
            with_kwargs: call ``hook(module, args, kwargs)`` instead; it returns None
                or a pair ``(args, kwargs)`` that replaces both.

        Returns:
            A RemovableHandle.
        """
        handle = self._add_hook(self._forward_pre_hooks, hook, prepend)
        if with_kwargs:
            self._kwargs_hook_ids.add(handle.id)
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Call ``hook(module, args, output)`` after forward; a non-None result replaces
        the output.

        Args:
            hook: the callable.
            prepend: run it before the hooks already registered.
            with_kwargs: call ``hook(module, args, kwargs, output)`` instead.

        Returns:
            A RemovableHandle.
        """
        handle = self._add_hook(self._forward_hooks, hook, prepend)
        if with_kwargs:
            self._kwargs_hook_ids.add(handle.id)
        return handle

    def register_full_backward_hook(self, hook, *, prepend=False):
        """Call ``hook(module, grad_input, grad_output)`` during backward.

        ``grad_input`` has one entry per positional input (None where the input needs
        no gradient), ``grad_output`` one per output Variable; a non-None result (same
        length as ``grad_input``) replaces ``grad_input``.

        Returns:
            A RemovableHandle.
        """
        return self._add_hook(self._backward_hooks, hook, prepend)

    # ------------------------------------------------------------------ registration
    def _check_name(self, name, kind):
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot register {kind} {name!r} before Module.__init__() ran; call "
                f"super().__init__() first in {type(self).__name__}.__init__")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name must be a str, got {type(name).__name__}")
        if not name or "." in name:
            raise KeyError(f"invalid {kind} name {name!r}: names are non-empty and contain "
                           f"no '.'")
        if hasattr(type(self), name):
            raise KeyError(f"cannot register {kind} {name!r}: {type(self).__name__} already "
                           f"has a method or class attribute of that name")

    def _discard(self, name, keep):
        """Forget ``name`` in every kind but ``keep`` (a re-assignment may move it
        between kinds).  Within ``keep`` the entry stays where it is, so re-assigning
        a name keeps its position in ``state_dict`` and in a Sequential's forward
        order (as PyTorch)."""
        d = self.__dict__
        for kind in _STATE_DICTS:
            if kind != keep:
                d[kind].pop(name, None)
        d["_non_persistent_buffers"].discard(name)
        d.pop(name, None)

    def register_parameter(self, name, param):
        """Register ``param`` (a Parameter, or None for an empty slot) under ``name``.

        Raises:
            TypeError: ``param`` is neither a Parameter nor None.
            KeyError: the name is invalid or taken by a method.
        """
        self._check_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot register {type(param).__name__} as parameter {name!r}: "
                            f"expected nn.Parameter or None; wrap it: nn.Parameter(array)")
        self._discard(name, "_parameters")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Register an array (or None) as a buffer: no gradient, no optimizer update.

        Args:
            name: the attribute name.
            tensor: a numpy or cupy ndarray, a tensor (its array is kept, memory shared:
                PyTorch's ``self.register_buffer("pe", pe)``), or None.
            persistent: whether ``state_dict`` (and saved weights) include it.

        Raises:
            TypeError: ``tensor`` is neither an ndarray nor None.
        """
        self._check_name(name, "buffer")
        if isinstance(tensor, (Buffer, Variable)):
            tensor = tensor.data
        if tensor is not None and not is_array(tensor):
            raise TypeError(f"cannot register {type(tensor).__name__} as buffer {name!r}: "
                            f"expected a tensor, a numpy/cupy ndarray or None")
        self._discard(name, "_buffers")
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Register ``module`` (or None) as a child under ``name``.

        Raises:
            TypeError: ``module`` is neither a Module nor None.
        """
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"cannot register {type(module).__name__} as submodule {name!r}: "
                            f"expected a Module or None")
        self._discard(name, "_modules")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name, value):
        d = self.__dict__
        if isinstance(value, Parameter):
            self.register_parameter(name, value)
        elif isinstance(value, Buffer):
            self.register_buffer(name, value.data, value.persistent)
        elif isinstance(value, Module):
            self.add_module(name, value)
        elif "_parameters" in d and name in d["_parameters"]:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} to parameter {name!r} of "
                    f"{type(self).__name__}: expected nn.Parameter or None (to change the "
                    f"values, write {name}.data[...] = array; to drop the parameter, del it)")
            d["_parameters"][name] = None
        elif "_modules" in d and name in d["_modules"]:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to submodule {name!r} "
                                f"of {type(self).__name__}: expected a Module or None")
            d["_modules"][name] = None
        elif "_buffers" in d and name in d["_buffers"]:
            d["_buffers"][name] = _buffer_value(self, name, value, d["_buffers"][name])
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # Only reached when normal lookup fails, i.e. for registered state.
        d = self.__dict__
        for kind in _STATE_DICTS:
            store = d.get(kind)
            if store is not None and name in store:
                return store[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name):
        d = self.__dict__
        for kind in _STATE_DICTS:
            if name in d.get(kind, ()):
                del d[kind][name]
                d["_non_persistent_buffers"].discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        names = set(super().__dir__())
        for kind in _STATE_DICTS:
            names.update(self.__dict__.get(kind, ()))
        return sorted(names)

    # ------------------------------------------------------------------ modes and grads
    def train(self, mode=True):
        """Set training mode (``mode=True``) or evaluation mode on the whole tree.

        Raises:
            ValueError: ``mode`` is not a bool.
        """
        if not isinstance(mode, (bool, np.bool_)):
            raise ValueError(f"train(mode) expects a bool, got {mode!r}")
        self.training = bool(mode)
        for child in self.children():
            child.train(mode)
        return self

    def eval(self):
        """Evaluation mode: dropout off, batch norm uses running statistics."""
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        """Forget every parameter's gradient.

        Args:
            set_to_none: drop the gradients (True, PyTorch's default) or fill the
                existing ones with zeros in place (False).
        """
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.cleargrad()
            else:
                p.grad.data[...] = 0

    cleargrads = zero_grad  # DeZero's name

    def requires_grad_(self, requires_grad=True):
        """Turn gradient computation of every parameter on or off; returns self."""
        for p in self.parameters():
            p.requires_grad = bool(requires_grad)
        return self

    # ------------------------------------------------------------------ device and dtype
    def _map_arrays(self, fn_param, fn_buffer):
        for module in self.modules():
            for p in module._parameters.values():
                if p is not None and p.data is not None:  # a lazy layer's gets it later
                    fn_param(p)
            bufs = module._buffers
            for name, b in bufs.items():
                if b is not None:
                    bufs[name] = fn_buffer(b)

    def to(self, device=None, dtype=None):
        """Move parameters and buffers to ``device`` and/or cast floating ones to ``dtype``.

        Args:
            device: ``"cpu"``, ``"gpu"``, ``"gpu:N"`` (``"cuda"`` aliases), or a dtype
                when given alone (``model.to(np.float64)``).
            dtype: a floating dtype for parameters and floating buffers.

        Returns:
            self (changed in place, so optimizers keep their parameters).

        Raises:
            DeviceError: an unknown or unavailable device.
        """
        if device is not None and not isinstance(device, (str, backend.device)):
            device, dtype = None, device
        if device is not None:
            device = str(device)
            kind, index = backend.check_device(device)
            # In place (DeZero's to_cpu/to_gpu): Variable.to would return new tensors.
            move = (lambda p: p.to_cpu()) if kind == "cpu" else (lambda p: p.to_gpu(index))
            self._map_arrays(move, lambda b: backend.to_device(b, device))
        if dtype is not None:
            dtype = np.dtype(dtype)
            if dtype.kind != "f":
                raise TypeError(f"Module.to(dtype) expects a floating dtype, got {dtype}")

            def cast_param(p):
                p.data = p.data.astype(dtype, copy=False)
                if p.grad is not None:
                    p.grad.data = p.grad.data.astype(dtype, copy=False)

            self._map_arrays(cast_param, lambda b: b.astype(dtype, copy=False)
                             if b.dtype.kind == "f" else b)
        return self

    def to_cpu(self):
        return self.to("cpu")

    def to_gpu(self, device_id=0):
        return self.to(f"gpu:{device_id}")

    def cuda(self, device=None):
        """Move to a GPU (PyTorch's ``model.cuda()``; ``cuda(1)`` for the second).

        Raises:
            DeviceError: no GPU is usable, naming why.
        """
        return self.to(f"cuda:{device}" if isinstance(device, int) else (device or "cuda"))

    def cpu(self):
        return self.to("cpu")

    def float(self):
        return self.to(dtype=np.float32)

    def double(self):
        return self.to(dtype=np.float64)

    # ------------------------------------------------------------------ state
    def state_dict(self, prefix="", keep_vars=False):
        """Return an ordered ``{dotted_name: ndarray}`` of parameters and persistent buffers.

        Keys follow the module tree; a submodule registered under several names is
        listed under each (as PyTorch).  The arrays are the live ones (not copies);
        ``keep_vars=True`` gives the Parameter objects instead of their data.
        """
        return _state.state_dict(self, prefix, keep_vars)

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays from ``state_dict`` into this module's parameters and buffers.

        Every key and shape is checked before anything is written, so on any error
        the module is unchanged.

        Returns:
            ``IncompatibleKeys(missing_keys, unexpected_keys)``.

        Raises:
            StateDictError (a KeyError and a ValueError): naming every missing and
                unexpected key (when ``strict``) and every shape mismatch.
        """
        return _state.load_state_dict(self, state_dict, strict)

    def save_weights(self, path):
        """Write ``state_dict()`` to an ``.npz`` file at ``path`` (atomically, no pickle)."""
        _state.save_weights(self, path)

    def load_weights(self, path, strict=True):
        """Load weights written by ``save_weights`` (or any pickle-free ``.npz``).

        Raises:
            FileNotFoundError: no file at ``path``.
            CheckpointError: a truncated or foreign file, or keys/shapes that do not
                fit (the message names the file); the module is then unchanged.
        """
        return _state.load_weights(self, path, strict)

    # ------------------------------------------------------------------ printing
    def extra_repr(self):
        """The text inside this module's parentheses in ``repr``; override in layers."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        for name, child in self._modules.items():
            lines.append(f"({name}): " + _add_indent(repr(child), 2))
        if len(lines) <= 1 and not self._modules:
            return f"{self._get_name()}({extra})"
        body = "\n  ".join(lines)
        return f"{self._get_name()}(\n  {body}\n)"
