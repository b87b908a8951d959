"""The base class of the epoch-driven learning-rate schedulers (PyTorch's semantics).

A scheduler edits ``group["lr"]`` of its optimizer's parameter groups.  Construction
records ``group["initial_lr"]`` and performs the initial step (``last_epoch`` becomes 0);
each ``step()`` afterwards advances ``last_epoch`` by one and updates the rates from the
current ones (PyTorch's chainable form), so that several schedulers can act on one
optimizer.
"""
import numbers
import warnings

from framework.optim.optimizer import Optimizer

__all__ = ["LRScheduler", "steps_on_metric"]


def steps_on_metric(scheduler):
    """True for a scheduler (an instance or a class) stepped with the monitored value,
    ``step(metric)``: ReduceLROnPlateau, or one that sets ``needs_metric = True``."""
    cls = scheduler if isinstance(scheduler, type) else type(scheduler)
    return bool(getattr(scheduler, "needs_metric", False)) or cls.__name__ == "ReduceLROnPlateau"


def _check_optimizer(optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"a scheduler needs a framework.optim Optimizer, got "
                        f"{type(optimizer).__name__}")


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


class LRScheduler:
    """Base class of the epoch-driven schedulers.

    Subclasses implement :meth:`get_lr` (the chainable form, from the current rates)
    and may implement ``_get_closed_form_lr`` (used when ``step(epoch)`` jumps).

    Args:
        optimizer: the optimizer whose groups' ``lr`` it sets.
        last_epoch: index of the last epoch; -1 starts afresh, anything else resumes and
            needs ``initial_lr`` in every group.

    Raises:
        TypeError: ``optimizer`` is not an Optimizer.
        KeyError: resuming (``last_epoch != -1``) without ``initial_lr`` in a group.

    Attributes:
        base_lrs: each group's ``initial_lr``.
        last_epoch: the number of ``step()`` calls since the start (0 after construction).
    """

    _is_initial = False

    def __init__(self, optimizer, last_epoch=-1):
        _check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] "
                                   f"when resuming an optimizer (last_epoch={last_epoch})")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def get_lr(self):
        """Return the new rate of every group for the current ``last_epoch``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_lr")

    def get_last_lr(self):
        """Return the rates the last ``step()`` set, one per parameter group."""
        return list(self._last_lr)

    def step(self, epoch=None):
        """Advance one epoch and set every group's ``lr``.

        Args:
            epoch: deprecated (as in PyTorch): jump to this epoch using the closed form.
        """
        self._step_count += 1
        if epoch is not None:
            warnings.warn("passing an epoch to scheduler.step() is deprecated; call step() "
                          "once per epoch", DeprecationWarning, stacklevel=2)
        self._update_lr(epoch)

    def _initial_step(self):
        """The step construction takes (``last_epoch`` -1 -> 0); SequentialLR repeats it."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            del self._is_initial  # back to the class's False; keeps it out of state_dict

    def _update_lr(self, epoch=None):
        """Set the rates for the next epoch, or for ``epoch`` through the closed form."""
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _current_lrs(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        """Return the scheduler's state (everything but the optimizer) as plain values."""
        return {key: (list(value) if isinstance(value, (list, tuple)) else value)
                for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore a state from :meth:`state_dict`.

        Raises:
            ValueError: not a dict, or saved for a different number of parameter groups.
        """
        if not isinstance(state_dict, dict):
            raise ValueError(f"a scheduler state_dict must be a dict, got "
                             f"{type(state_dict).__name__}")
        groups = len(self.optimizer.param_groups)
        for key in ("base_lrs", "_last_lr", "min_lrs"):
            if key in state_dict and len(state_dict[key]) != groups:
                raise ValueError(f"loaded scheduler state has {len(state_dict[key])} values in "
                                 f"{key!r}, but the optimizer has {groups} parameter groups")
        self.__dict__.update({key: (list(value) if isinstance(value, (list, tuple)) else value)
                              for key, value in state_dict.items()})

    def __repr__(self):
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self._last_lr})"
