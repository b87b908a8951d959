"""Schedulers that scale the rate by factors: LambdaLR, MultiplicativeLR, ConstantLR,
LinearLR (warm-up ramps), and SequentialLR, which chains schedulers at milestones."""
import numbers
import types
from bisect import bisect_right

from framework.optim.scheduler_base import LRScheduler, _check_optimizer

__all__ = ["LambdaLR", "MultiplicativeLR", "ConstantLR", "LinearLR", "SequentialLR"]


def _lambdas(optimizer, lr_lambda):
    groups = len(optimizer.param_groups)
    if isinstance(lr_lambda, (list, tuple)):
        if len(lr_lambda) != groups:
            raise ValueError(f"Expected {groups} lr_lambdas (one per parameter group), but "
                             f"got {len(lr_lambda)}")
        fns = list(lr_lambda)
    else:
        fns = [lr_lambda] * groups
    for fn in fns:
        if not callable(fn):
            raise TypeError(f"lr_lambda should be a function of the epoch, but got "
                            f"{type(fn).__name__}")
    return fns


class _LambdaState:
    """state_dict for schedulers holding functions: as PyTorch, a plain function is not
    saved (its place holds None); a callable object saves its ``__dict__``."""

    def state_dict(self):
        """Return the state without the functions (see the class docstring)."""
        state = {key: (list(value) if isinstance(value, tuple) else value)
                 for key, value in self.__dict__.items()
                 if key not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else dict(fn.__dict__)
                               for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict):
        """Restore a state; the functions given at construction stay in place.

        Raises:
            ValueError: not a dict, or saved for a different number of groups.
        """
        if not isinstance(state_dict, dict):
            raise ValueError(f"a scheduler state_dict must be a dict, got "
                             f"{type(state_dict).__name__}")
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", None) or []
        LRScheduler.load_state_dict(self, state)
        for fn, attrs in zip(self.lr_lambdas, saved):
            if attrs is not None:
                fn.__dict__.update(attrs)


class LambdaLR(_LambdaState, LRScheduler):
    """``lr = initial_lr * lr_lambda(epoch)``.

    Args:
        optimizer: the optimizer.
        lr_lambda: a function of the epoch index, or one per parameter group.
        last_epoch: see :class:`LRScheduler`.

    Raises:
        ValueError: a list of functions whose length is not the number of groups.
        TypeError: something that is not callable.

    ``state_dict()`` leaves plain functions (and lambdas) out, as PyTorch does: the
    scheduler built on resume supplies them again.
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        _check_optimizer(optimizer)
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(_LambdaState, LRScheduler):
    """Multiply the rate by ``lr_lambda(epoch)`` at every step after the first.

    Args:
        optimizer: the optimizer.
        lr_lambda: a function of the epoch index giving the factor, or one per group.
        last_epoch: see :class:`LRScheduler`.

    Raises:
        ValueError / TypeError: as :class:`LambdaLR`.
    """

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        _check_optimizer(optimizer)
        self.lr_lambdas = _lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self._is_initial:
            return self._current_lrs()
        return [lr * fn(self.last_epoch) for fn, lr in zip(self.lr_lambdas, self._current_lrs())]


def _check_total_iters(total_iters):
    if isinstance(total_iters, bool) or not isinstance(total_iters, numbers.Integral) \
            or total_iters < 0:
        raise ValueError(f"total_iters must be a non-negative integer, got {total_iters!r}")


class ConstantLR(LRScheduler):
    """Scale the rate by ``factor`` for the first ``total_iters`` epochs, then restore it.

    Args:
        optimizer: the optimizer.
        factor: the scale during the first epochs, in [0, 1].
        total_iters: how many epochs it lasts.
        last_epoch: see :class:`LRScheduler`.

    Raises:
        ValueError: factor outside [0, 1] or a negative total_iters.
    """

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        if factor > 1.0 or factor < 0:
            raise ValueError(f"Constant multiplicative factor expected to be between 0 and 1, "
                             f"got {factor}")
        _check_total_iters(total_iters)
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [lr * self.factor for lr in self._current_lrs()]
        if self.last_epoch != self.total_iters:
            return self._current_lrs()
        return [lr * (1.0 / self.factor) for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [base * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))
                for base in self.base_lrs]


class LinearLR(LRScheduler):
    """Ramp the rate's factor linearly from ``start_factor`` to ``end_factor`` over
    ``total_iters`` epochs (a warm-up), then keep it.

    ``lr = initial_lr * (start + (end - start) * min(epoch, total_iters) / total_iters)``,
    applied in PyTorch's chainable (multiplicative) form.

    Args:
        optimizer: the optimizer.
        start_factor: the factor at epoch 0, in (0, 1].
        end_factor: the factor from epoch ``total_iters`` on, in [0, 1].
        total_iters: the ramp's length in epochs.
        last_epoch: see :class:`LRScheduler`.

    Raises:
        ValueError: a factor out of range or a negative total_iters.
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5,
                 last_epoch=-1):
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError(f"Starting multiplicative factor expected to be greater than 0 and "
                             f"less or equal to 1, got {start_factor}")
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError(f"Ending multiplicative factor expected to be between 0 and 1, "
                             f"got {end_factor}")
        _check_total_iters(total_iters)
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._current_lrs()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        change = self.end_factor - self.start_factor
        factor = 1.0 + change / (self.total_iters * self.start_factor
                                 + (self.last_epoch - 1) * change)
        return [lr * factor for lr in self._current_lrs()]

    def _get_closed_form_lr(self):
        return [base * (self.start_factor + (self.end_factor - self.start_factor)
                        * min(self.total_iters, self.last_epoch) / self.total_iters)
                for base in self.base_lrs]


class SequentialLR(LRScheduler):
    """Run ``schedulers[i]`` between ``milestones[i-1]`` and ``milestones[i]``.

    At a milestone the next scheduler restarts from its epoch 0 (e.g. a LinearLR
    warm-up for 5 epochs, then CosineAnnealingLR). Construction undoes the initial step
    the schedulers took when they were built and takes the first one's again.

    Args:
        optimizer: the optimizer every scheduler acts on.
        schedulers: the schedulers, in order (not ReduceLROnPlateau).
        milestones: epoch indices, one fewer than the schedulers.
        last_epoch: see :class:`LRScheduler`.

    Raises:
        ValueError: no scheduler, a ReduceLROnPlateau, a scheduler of another optimizer,
            or the wrong number of milestones.
        TypeError: an entry without an ``optimizer``.
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        _check_optimizer(optimizer)
        schedulers, milestones = list(schedulers), list(milestones)
        if not schedulers:
            raise ValueError("SequentialLR expects at least one scheduler, but got none")
        for i, sched in enumerate(schedulers):
            if not hasattr(sched, "optimizer"):
                raise TypeError(f"SequentialLR: scheduler at index {i} should have an "
                                f"`optimizer` attribute, got {type(sched).__name__}")
            if type(sched).__name__ == "ReduceLROnPlateau":
                raise ValueError(f"SequentialLR does not support ReduceLROnPlateau (index {i}): "
                                 f"it needs a metric in step()")
            if sched.optimizer is not optimizer:
                raise ValueError(f"SequentialLR expects all schedulers to belong to the same "
                                 f"optimizer, but the {type(sched).__name__} at index {i} "
                                 f"has another one")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR expects one milestone fewer than schedulers, but "
                             f"got {len(schedulers)} schedulers and {len(milestones)} "
                             f"milestones")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        self._recursive_undo(self)
        idx = bisect_right(self._milestones, 0)
        self._schedulers[idx]._initial_step()
        self._last_lr = self._schedulers[idx].get_last_lr()

    def _recursive_undo(self, sched):
        if hasattr(sched, "_schedulers"):
            for inner in sched._schedulers:
                self._recursive_undo(inner)
        elif hasattr(sched, "last_epoch") and sched is not self:
            sched.last_epoch -= 1

    def step(self):
        """Advance one epoch: the current scheduler steps, or the next one starts."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self):
        """Return the state, with each inner scheduler's ``state_dict()`` nested."""
        state = {key: (list(value) if isinstance(value, tuple) else value)
                 for key, value in self.__dict__.items()
                 if key not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        """Restore a state from :meth:`state_dict`.

        Raises:
            ValueError: not a dict, or saved for a different number of schedulers.
        """
        if not isinstance(state_dict, dict):
            raise ValueError(f"a scheduler state_dict must be a dict, got "
                             f"{type(state_dict).__name__}")
        state = dict(state_dict)
        inner = list(state.pop("_schedulers", []))
        if len(inner) != len(self._schedulers):
            raise ValueError(f"loaded SequentialLR state holds {len(inner)} schedulers, but "
                             f"this one has {len(self._schedulers)}")
        self.__dict__.update({k: (list(v) if isinstance(v, tuple) else v)
                              for k, v in state.items()})
        for sched, saved in zip(self._schedulers, inner):
            sched.load_state_dict(saved)

    def __repr__(self):
        names = ", ".join(type(s).__name__ for s in self._schedulers)
        return f"SequentialLR([{names}], milestones={self._milestones}, last_epoch={self.last_epoch})"
