"""L-BFGS: a quasi-Newton method that re-evaluates the loss through a closure.

``optimizer.step(closure)`` runs up to ``max_iter`` iterations of limited-memory BFGS
over all parameters flattened into one vector, with PyTorch's algorithm, stopping rules
and optional strong-Wolfe line search, so that PyTorch scripts run unchanged::

    optimizer = optim.LBFGS(model.parameters(), lr=0.8)
    def closure():
        optimizer.zero_grad()
        loss = criterion(model(input), target)
        loss.backward()
        return loss
    optimizer.step(closure)
"""
import numbers

import numpy as np

from framework import backend
from framework.core import Variable, enable_grad
from framework.errors import CheckpointError
from framework.optim.line_search import strong_wolfe
from framework.optim.optimizer import Optimizer

__all__ = ["LBFGS"]

_SCALARS = ("t", "H_diag", "prev_loss")
_VECTORS = ("d", "prev_flat_grad")
_HISTORY = ("old_dirs", "old_stps")


def _first_none(values):
    return next((i for i, v in enumerate(values) if v is None), len(values))


class LBFGS(Optimizer):
    """PyTorch's L-BFGS, iteration for iteration.

    Each :meth:`step` evaluates the closure, then repeats up to ``max_iter`` times::

        d = -H g                  # two-loop recursion over the last history_size pairs
                                  # (s, y), initial Hessian H_diag = y.s / y.y; the pair
                                  # is kept only when y.s > 1e-10; d = -g at the start
        t = min(1, 1 / |g|_1) * lr    on the very first iteration, lr afterwards
        stop if g.d > -tolerance_change
        x = x + t d               # t from the strong-Wolfe search when asked for
        re-evaluate loss and g    # not after the last iteration without line search

    and stops early when ``max |g| <= tolerance_grad``, after ``max_eval`` evaluations,
    when ``max |t d| <= tolerance_change`` or when the loss changes by less than
    ``tolerance_change``. The history carries over from one ``step`` to the next.

    Args:
        params: Parameters or ``(name, Parameter)`` pairs, in one group (see
            :class:`Optimizer`).
        lr: learning rate (the step along the direction).
        max_iter: the most iterations per :meth:`step`.
        max_eval: the most closure evaluations per :meth:`step` (None: max_iter * 5 // 4).
        tolerance_grad: stop when every gradient component is at most this in size.
        tolerance_change: stop when the loss or the parameters change less than this.
        history_size: how many (step, gradient change) pairs the inverse Hessian uses.
        line_search_fn: None (fixed steps of ``lr``) or ``"strong_wolfe"``.

    Raises:
        ValueError: a negative lr, a max_iter, max_eval or history_size below 1, an
            unknown line_search_fn, or more than one parameter group.

    DeZero-style hooks (:meth:`add_hook`) run on the gradients after every evaluation.

    State (kept on the first parameter, as in PyTorch): ``func_evals`` and ``n_iter``
    (totals over all steps), ``d``, ``t``, ``old_dirs``, ``old_stps``, ``ro``,
    ``H_diag``, ``prev_flat_grad``, ``prev_loss`` and ``al``.
    """

    #: The trainer steps optimizers without a closure; configs check this flag.
    needs_closure = True

    def __init__(self, params=None, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size,
                                      line_search_fn=line_search_fn))

    def _check_group(self, group):
        if not group["lr"] >= 0.0:
            raise ValueError(f"Invalid learning rate: {group['lr']}")
        for key in ("max_iter", "max_eval", "history_size"):
            value = group[key]
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"Invalid {key}: {value!r} (expected an integer >= 1)")
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(f"Invalid line_search_fn: {group['line_search_fn']!r} (only "
                             f"None and 'strong_wolfe' are supported)")

    def add_param_group(self, param_group):
        """Add the one parameter group (L-BFGS works on all parameters as one vector).

        Raises:
            ValueError: a group is already there.
        """
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    # ------------------------------------------------------------------ flat views
    @property
    def _params(self):
        if len(self.param_groups) != 1:
            raise ValueError(f"LBFGS needs exactly one parameter group, it has "
                             f"{len(self.param_groups)} (give it parameters or .setup(model))")
        return self.param_groups[0]["params"]

    def _numel(self):
        return sum(int(p.data.size) for p in self._params)

    def _gather_flat_grad(self):
        """All gradients as one new flat array (zeros for a parameter without one)."""
        views = []
        for p in self._params:
            grad = p.grad.data if isinstance(p.grad, Variable) else p.grad
            if grad is None:
                xp = backend.get_array_module(p.data)
                views.append(xp.zeros(p.data.size, dtype=p.data.dtype))
            else:
                views.append(grad.reshape(-1).astype(p.data.dtype, copy=False))
        return backend.get_array_module(views[0]).concatenate(views)

    def _add_grad(self, step_size, update):
        """``p += step_size * update`` for every parameter's slice of the flat ``update``."""
        offset = 0
        for p in self._params:
            xp = backend.get_array_module(p.data)
            size = p.data.size
            piece = update[offset:offset + size].reshape(p.data.shape)
            xp.add(p.data, step_size * piece, out=p.data)
            offset += size

    def _clone_param(self):
        return [backend.get_array_module(p.data).array(p.data, copy=True)
                for p in self._params]

    def _set_param(self, params_data):
        for p, data in zip(self._params, params_data):
            p.data[...] = data

    def _evaluate(self, closure):
        """Run the closure with the graph on; return ``(loss, flat_grad)``."""
        with enable_grad():
            loss = closure()
        if loss is None:
            raise TypeError("the closure given to LBFGS.step returned None; it must return "
                            "the loss (after calling loss.backward())")
        if self._hooks:
            with_grad = [p for p in self._params if p.grad is not None]
            for hook in self._hooks:
                hook(with_grad)
        return loss, self._gather_flat_grad()

    def _directional_evaluate(self, closure, x, t, d):
        """Loss and flat gradient at ``x + t * d``; the parameters go back to ``x``."""
        self._add_grad(t, d)
        loss, flat_grad = self._evaluate(closure)
        self._set_param(x)
        return float(loss), flat_grad

    # ------------------------------------------------------------------ step
    def step(self, closure=None):
        """Run up to ``max_iter`` L-BFGS iterations.

        Args:
            closure: a callable that zeroes the gradients, computes the loss, calls
                ``loss.backward()`` and returns the loss; called several times, always
                with the graph recorded.

        Returns:
            the closure's first loss (before any update), as PyTorch returns it.

        Raises:
            TypeError: no closure (the trainer's plain ``optimizer.step()``), or a
                closure that returns None.
        """
        if closure is None:
            raise TypeError("LBFGS needs a closure: call optimizer.step(closure), where "
                            "closure() zeroes the gradients, computes the loss, calls "
                            "loss.backward() and returns the loss")
        params = self._params  # exactly one group
        group = self.param_groups[0]
        state = self.state.setdefault(params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss, flat_grad = self._evaluate(closure)
        loss = float(orig_loss)
        state["func_evals"] += 1
        if float(abs(flat_grad).max()) <= group["tolerance_grad"]:
            return orig_loss
        self._iterate(closure, group, state, loss, flat_grad)
        return orig_loss

    def _iterate(self, closure, group, state, loss, flat_grad):
        """The iterations of one step, from the first evaluation's loss and gradient."""
        lr = float(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad = group["tolerance_grad"]
        tolerance_change = group["tolerance_change"]
        d, t = state.get("d"), state.get("t")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")
        current_evals = 1
        n_iter = 0
        opt_cond = False
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                state.update(old_dirs=[], old_stps=[], ro=[], H_diag=1.0)
            else:
                d = self._direction(state, group, flat_grad, prev_flat_grad, d, t)
            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.copy()
            else:
                prev_flat_grad[...] = flat_grad
            prev_loss = loss

            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / float(abs(flat_grad).sum())) * lr
            else:
                t = lr
            gtd = float(flat_grad @ d)
            if gtd > -tolerance_change:
                break

            if group["line_search_fn"] is not None:
                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    lambda x, t, d: self._directional_evaluate(closure, x, t, d),
                    self._clone_param(), t, d, loss, flat_grad, gtd,
                    max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = float(abs(flat_grad).max()) <= tolerance_grad
            else:
                self._add_grad(t, d)
                ls_func_evals = 0
                if n_iter != max_iter:  # no evaluation after the last iteration
                    new_loss, flat_grad = self._evaluate(closure)
                    loss = float(new_loss)
                    opt_cond = float(abs(flat_grad).max()) <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if abs(t) * float(abs(d).max()) <= tolerance_change:  # = max |t d|
                break
            if abs(loss - prev_loss) < tolerance_change:
                break
        state.update(d=d, t=t, prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)

    @staticmethod
    def _direction(state, group, flat_grad, prev_flat_grad, d, t):
        """Update the history with the last step and return ``-H g`` (two-loop
        recursion, in one buffer as PyTorch computes it)."""
        old_dirs, old_stps, ro = state["old_dirs"], state["old_stps"], state["ro"]
        y = flat_grad - prev_flat_grad
        s = d * t
        ys = float(y @ s)
        if ys > 1e-10:
            if len(old_dirs) == group["history_size"]:
                old_dirs.pop(0)
                old_stps.pop(0)
                ro.pop(0)
            old_dirs.append(y)
            old_stps.append(s)
            ro.append(1.0 / ys)
            state["H_diag"] = ys / float(y @ y)
        if "al" not in state:
            state["al"] = [None] * group["history_size"]
        al = state["al"]
        q = -flat_grad
        for i in range(len(old_dirs) - 1, -1, -1):
            al[i] = float(old_stps[i] @ q) * ro[i]
            q -= al[i] * old_dirs[i]
        r = q * state["H_diag"]
        for i in range(len(old_dirs)):
            be_i = float(old_dirs[i] @ r) * ro[i]
            r += (al[i] - be_i) * old_stps[i]
        return r

    # ------------------------------------------------------------------ state
    def state_dict(self):
        """The state as plain numbers and arrays (what a checkpoint's ``.npz`` holds).

        The lists of the history become arrays: ``old_dirs`` and ``old_stps`` of shape
        ``(pairs, numel)``, ``ro`` of shape ``(pairs,)``, and ``al`` holds the values
        computed so far (PyTorch pads it with None to ``history_size``).
        """
        out = super().state_dict()
        if out["state"]:
            out["state"] = {0: self._pack(self.state[self._params[0]])}
        return out

    def _pack(self, state):
        like = self._params[0].data
        xp = backend.get_array_module(like)
        packed = {}
        for name, value in state.items():
            if name in _HISTORY:
                packed[name] = (xp.stack(value) if value else
                                xp.zeros((0, self._numel()), dtype=like.dtype))
            elif name == "ro":
                packed[name] = np.array(value, dtype=np.float64)
            elif name == "al":
                packed[name] = np.array(value[:_first_none(value)], dtype=np.float64)
            elif name in _VECTORS and value is not None:
                packed[name] = xp.array(value, copy=True)
            else:
                packed[name] = value
        return packed

    def load_state_dict(self, state_dict):
        """Restore a state saved by :meth:`state_dict` (or PyTorch's layout, with lists).

        Raises:
            CheckpointError (a ValueError): what :meth:`Optimizer.load_state_dict` rejects,
                state for a parameter other than the first, an unknown entry, or arrays
                whose sizes do not fit the parameters.
        """
        saved = state_dict.get("state") if isinstance(state_dict, dict) else None
        restored = {}
        for key, values in (saved.items() if isinstance(saved, dict) else ()):
            if str(key) != "0" or not isinstance(values, dict):
                raise CheckpointError(f"LBFGS keeps its state on parameter 0, but the loaded "
                                      f"state dict has state {key!r}")
            restored = self._unpack(values)
        super().load_state_dict({**state_dict, "state": {}} if isinstance(saved, dict)
                                else state_dict)
        if "al" in restored:  # padded as step() makes it, to the loaded history_size
            al = restored["al"]
            al += [None] * (self.param_groups[0]["history_size"] - len(al))
        if restored:
            self.state[self._params[0]] = restored

    def _unpack(self, values):
        """Saved state -> the lists and arrays :meth:`step` works on (checked first)."""
        try:
            out = {}
            for name, value in values.items():
                if name in ("func_evals", "n_iter"):
                    out[name] = int(value)
                elif name in _SCALARS:
                    out[name] = None if value is None else float(value)
                elif name in _VECTORS:
                    out[name] = None if value is None else self._vector(name, value)
                elif name in _HISTORY:
                    out[name] = [self._vector(name, row) for row in value]
                elif name == "ro":
                    out[name] = [float(v) for v in value]
                elif name == "al":
                    al = [None if v is None else float(v) for v in value]
                    out[name] = al[:_first_none(al)]
                else:
                    raise CheckpointError(f"loaded state dict has an unknown LBFGS state "
                                          f"{name!r}; it belongs to another optimizer")
        except CheckpointError:
            raise
        except (TypeError, ValueError) as exc:
            raise CheckpointError(f"loaded LBFGS state {name!r} is malformed: {exc}") from None
        sizes = {len(out.get(k, ())) for k in ("old_dirs", "old_stps", "ro")}
        if len(sizes) > 1:
            raise CheckpointError(f"loaded LBFGS state holds old_dirs, old_stps and ro of "
                                  f"different lengths {sorted(sizes)}")
        return out

    def _vector(self, name, value):
        """One flat array of the parameters' total size, on their device and dtype."""
        like = self._params[0].data
        xp = backend.get_array_module(like)
        value = xp.array(backend.as_numpy(value) if xp is np else value, dtype=like.dtype)
        if value.shape != (self._numel(),):
            raise CheckpointError(f"loaded LBFGS state {name!r} has shape "
                                  f"{tuple(value.shape)}, but the parameters hold "
                                  f"{self._numel()} values")
        return value
