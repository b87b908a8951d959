"""The optimizer base class: parameter groups, per-parameter state, state_dict.

An optimizer holds ``param_groups`` (a list of dicts, each with ``"params"`` and its
hyper-parameters) and ``state`` (a dict keyed by Parameter).  ``step()`` updates, in
place on ``p.data``, every parameter that has a gradient, so that the Parameter objects
a Module holds stay valid.

``state_dict()`` follows PyTorch's layout: parameters are identified by their position
over all groups (0, 1, 2, ...), never by object identity, so that a run can resume in a
new process::

    {"state": {0: {"step": 3.0, "exp_avg": array, ...}, 1: {...}},
     "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), ..., "params": [0, 1]}]}

DeZero's habits work too: ``SGD(lr=0.1).setup(model)``, ``optimizer.update()`` and
``optimizer.add_hook(f)`` (``f(params)`` runs before each update, e.g. weight decay or
gradient clipping).
"""
import copy
import numbers

import numpy as np

from framework import backend, threads
from framework.core import Variable
from framework.errors import CheckpointError

__all__ = ["Optimizer", "elementwise"]


_is_array = backend.is_array


def _to_python_scalar(value):
    """0-d arrays and numpy scalars (e.g. a converted torch ``step`` tensor) -> float/int."""
    if isinstance(value, np.generic) or (_is_array(value) and value.ndim == 0):
        return value.item()
    return value


def elementwise(kernel, *arrays):
    """Run ``kernel(*arrays)`` (in-place elementwise work on same-shaped arrays) in
    pieces side by side: on numpy, over 1-D views cut by :func:`framework.threads.bounds`
    (one piece for small arrays or a single thread); elsewhere in one call."""
    first = arrays[0]
    if not isinstance(first, np.ndarray) or not all(
            isinstance(a, np.ndarray) and a.shape == first.shape and a.flags.c_contiguous
            for a in arrays):
        kernel(*arrays)
        return
    flat = [a.reshape(-1) for a in arrays]
    threads.split(lambda start, stop: kernel(*(a[start:stop] for a in flat)),
                  threads.bounds(first.size))


def _copy_value(value):
    if _is_array(value):
        return value.copy()
    return copy.deepcopy(value)


class Optimizer:
    """Base class of every optimizer.

    Subclasses pass their hyper-parameters as ``defaults`` and implement
    :meth:`_update` (one parameter) and optionally :meth:`_init_state`.

    Args:
        params: an iterable of Parameters, of ``(name, Parameter)`` pairs (what
            ``model.named_parameters()`` yields; the names are then kept in each group's
            ``"param_names"`` and checked when a state is loaded), or of dicts
            ``{"params": [...], "lr": ...}`` (parameter groups with their own
            hyper-parameters). None leaves the optimizer empty until :meth:`setup`.
        defaults: the hyper-parameters a group takes when it does not set them.

    Raises:
        TypeError: ``params`` is a single Parameter, a number, or holds non-Variables.
        ValueError: an empty parameter list, or a parameter in two groups.
    """

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.param_groups = []
        self.state = {}
        self._hooks = []
        self._check_group(self.defaults)
        if params is None:
            return
        if isinstance(params, (Variable, numbers.Number)) or _is_array(params):
            hint = (" (DeZero style: pass the learning rate as lr=... and the model "
                    "through .setup(model))" if isinstance(params, numbers.Number) else "")
            raise TypeError(
                f"params given to the optimizer should be an iterable of Parameters or "
                f"dicts, but got {type(params).__name__}{hint}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group):
        """Add a group of parameters with its own hyper-parameters.

        Args:
            param_group: ``{"params": Parameter or iterable, **hyper-parameters}``;
                missing hyper-parameters take the optimizer's defaults.

        Raises:
            TypeError: not a dict, or a parameter that is not a Variable.
            ValueError: a duplicate parameter (in this group or another one).
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"a parameter group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        if "params" not in group:
            raise ValueError(f"a parameter group needs a 'params' entry; got keys {sorted(group)}")
        params = group["params"]
        params = [params] if isinstance(params, Variable) else list(params)
        names = None
        if params and all(isinstance(p, tuple) and len(p) == 2 for p in params):
            names = [str(name) for name, _ in params]
            params = [p for _, p in params]
        for i, p in enumerate(params):
            if not isinstance(p, Variable):
                raise TypeError(f"optimizer can only optimize Parameters (Variables), but "
                                f"parameter {i} of the group is a {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"can't optimize a non-leaf Variable (parameter {i} of the "
                                 f"group was made by {type(p.creator).__name__})")
        if len({id(p) for p in params}) != len(params):
            raise ValueError("a parameter group holds the same parameter more than once")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        group["params"] = params
        if names is not None:
            group["param_names"] = names
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self._check_group(group)
        self.param_groups.append(group)
        for p in params:
            self._init_state(p, group)

    def _check_group(self, group):
        """Validate a group's hyper-parameters (subclasses: raise ValueError)."""

    def _init_state(self, p, group):
        """Create a parameter's state eagerly (most optimizers do it lazily in _update)."""

    def setup(self, target):
        """Optimize ``target``'s parameters (DeZero's ``optimizer.setup(model)``).

        Args:
            target: a Module (``parameters()``), a DeZero-style layer (``params()``) or an
                iterable of Parameters. It replaces any parameters given before.

        Returns:
            self, so that ``opt = SGD(lr=0.1).setup(model)`` works.
        """
        if hasattr(target, "parameters") and callable(target.parameters):
            params = list(target.parameters())
        elif hasattr(target, "params") and callable(target.params):
            params = list(target.params())
        else:
            params = list(target)
        self.param_groups = []
        self.state = {}
        self.add_param_group({"params": params})
        return self

    def add_hook(self, f):
        """Call ``f(params)`` with the parameters that have a gradient before each update.

        DeZero's hooks (weight decay, gradient clipping) edit ``p.grad.data`` in place.
        """
        if not callable(f):
            raise TypeError(f"an optimizer hook must be callable, got {type(f).__name__}")
        self._hooks.append(f)

    # ------------------------------------------------------------------ updates
    def zero_grad(self, set_to_none=True):
        """Forget every parameter's gradient (or fill it with zeros)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    grad = p.grad.data if isinstance(p.grad, Variable) else p.grad
                    grad[...] = 0

    cleargrads = zero_grad

    def step(self, closure=None):
        """Update every parameter that has a gradient, in place.

        Args:
            closure: optional callable that recomputes and returns the loss (called
                before the update, as in PyTorch).

        Returns:
            the closure's loss, or None.
        """
        loss = closure() if closure is not None else None
        if self._hooks:
            with_grad = [p for g in self.param_groups for p in g["params"] if p.grad is not None]
            for hook in self._hooks:
                hook(with_grad)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None or p.data is None:
                    continue
                grad = p.grad.data if isinstance(p.grad, Variable) else p.grad
                if grad.dtype != p.data.dtype:
                    grad = grad.astype(p.data.dtype)
                if group.get("maximize", False):
                    grad = -grad
                self._update(p, grad, self.state.setdefault(p, {}), group)
        return loss

    def update(self):
        """DeZero's name for :meth:`step`."""
        return self.step()

    def _update(self, p, grad, state, group):
        """Apply one update to ``p.data`` in place.

        Args:
            p: the Parameter.
            grad: its gradient as an array of ``p``'s dtype (negated when maximizing).
            state: this parameter's state dict (filled on the first call).
            group: its parameter group (hyper-parameters).
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement _update")

    # ------------------------------------------------------------------ state
    def state_dict(self):
        """Return the optimizer's state with parameters named by position.

        Returns:
            ``{"state": {index: {name: array or scalar}}, "param_groups": [{...,
            "params": [indices]}]}``. Arrays are copies: later steps do not change it.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state and self.state[p]:
                    state[index[id(p)]] = {k: _copy_value(v) for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore a state saved by :meth:`state_dict` (of an optimizer of the same kind
        over parameters of the same shapes, in the same order).

        Everything is checked before anything changes: on error the optimizer is left
        as it was. Arrays are copied and cast to their parameter's dtype and device.

        Raises:
            CheckpointError (a ValueError): missing keys, a different number of groups or
                of parameters in a group, different parameter names, unknown indices, or
                a state array whose shape differs from its parameter's.
        """
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            got = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise CheckpointError(f"an optimizer state_dict needs the keys 'state' and "
                                  f"'param_groups'; got {got}")
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise CheckpointError(
                f"loaded state dict has a different number of parameter groups: got "
                f"{len(saved_groups)}, expected {len(self.param_groups)}")
        id_to_param = {}
        for g, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            saved_ids = list(saved.get("params", []))
            if len(saved_ids) != len(group["params"]):
                raise CheckpointError(
                    f"loaded state dict's parameter group {g} holds {len(saved_ids)} "
                    f"parameters, but this optimizer's group {g} holds {len(group['params'])}; "
                    f"the state belongs to a different model")
            names, saved_names = group.get("param_names"), saved.get("param_names")
            if names is not None and saved_names is not None and list(names) != list(saved_names):
                bad = next(i for i, (a, b) in enumerate(zip(names, saved_names)) if a != b)
                raise CheckpointError(
                    f"loaded state dict's parameter group {g} names parameter {bad} "
                    f"{saved_names[bad]!r}, but this optimizer has {names[bad]!r} there")
            for key, p in zip(saved_ids, group["params"]):
                id_to_param[int(key)] = p
        new_state = {}
        for key, values in state_dict["state"].items():
            try:
                p = id_to_param[int(key)]
            except (KeyError, ValueError, TypeError):
                raise CheckpointError(
                    f"loaded state dict has state for parameter {key!r}, which no parameter "
                    f"group lists (known: {sorted(id_to_param)})") from None
            new_state[p] = {name: self._cast_state(p, int(key), name, value)
                            for name, value in values.items()}
        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups):
            new_group = {k: copy.deepcopy(v) for k, v in saved.items()
                         if k not in ("params", "param_names")}
            if isinstance(group.get("betas"), tuple) and isinstance(new_group.get("betas"), list):
                new_group["betas"] = tuple(new_group["betas"])
            new_group["params"] = group["params"]
            if "param_names" in group:
                new_group["param_names"] = group["param_names"]
            new_groups.append(new_group)
        self.param_groups = new_groups
        self.state = new_state

    @staticmethod
    def _cast_state(p, index, name, value):
        value = _to_python_scalar(value)
        if not _is_array(value):
            return copy.deepcopy(value)
        if p.data is not None and value.shape != p.data.shape:
            raise CheckpointError(
                f"loaded state {name!r} of parameter {index} has shape {tuple(value.shape)}, "
                f"but the parameter has shape {tuple(p.data.shape)}")
        like = p.data if p.data is not None else value
        xp = backend.get_array_module(like)
        dtype = like.dtype if value.dtype.kind == "f" and like.dtype.kind == "f" else value.dtype
        return xp.array(backend.as_numpy(value) if xp is np else value, dtype=dtype, copy=True)

    # ------------------------------------------------------------------ display
    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key not in ("params", "param_names"):
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)
