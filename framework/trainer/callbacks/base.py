"""``Callback``: one seam for everything that happens around the training loop.

The loop (:class:`framework.trainer.BaseTrainer` and :class:`framework.trainer.Trainer`)
calls these events, in this order within an epoch::

    on_fit_start(trainer)
      on_epoch_start(trainer, epoch)
        on_batch_start(trainer, batch)          # per batch: (data, target)
        after_backward(trainer)                 # gradients are there, before the update
        on_batch_end(trainer, batch, loss)      # loss: the batch's float value
        ...
        on_validation_start(trainer)            # every epoch, after the training batches
        on_validation_end(trainer, logs)        # logs: training and val_* values
      on_epoch_end(trainer, epoch, logs)        # logs are final (lr, seconds); saved in history
      on_save_checkpoint(trainer, state) / on_load_checkpoint(trainer, state)
    on_fit_end(trainer)                         # after the last epoch (not after an error)
    on_exception(trainer, exc)                  # the run stops with an exception

Callbacks run sorted by ``order`` (lower first; equal orders keep their list order),
the same order for every event.  ``state_dict()`` / ``load_state_dict()`` put a
callback's state into every checkpoint (arrays, numbers, strings, nested dicts and
lists; never pickled), so a resumed run continues exactly.  Chainer's extension
priorities and Lightning's callbacks work the same way.
"""
__all__ = ["Callback", "CallbackList", "EVENTS", "BUILTIN_CALLBACKS", "builtin"]

#: name -> (factory, one-line description): the built-in callbacks, in the order their
#: modules are imported; the built-in plugin registers each under its name.
BUILTIN_CALLBACKS = {}


def builtin(name, description):
    """Class decorator: make a callback in ``framework/trainer/callbacks/`` a built-in.

    Its module is imported with the package, so a new built-in is one new file::

        @builtin("time_limit", "stop when the run has used its time")
        class TimeLimit(Callback): ...
    """
    def decorate(cls):
        BUILTIN_CALLBACKS[name] = (cls, description)
        return cls
    return decorate

#: The events a callback may implement, in the order a run meets them.
EVENTS = ("on_fit_start", "on_epoch_start", "on_batch_start", "after_backward",
          "on_batch_end", "on_validation_start", "on_validation_end", "on_epoch_end",
          "on_save_checkpoint", "on_load_checkpoint", "on_fit_end", "on_exception")


class Callback:
    """Base class of trainer callbacks; override the events you need.

    Attributes:
        order: sort key among the trainer's callbacks (lower runs first).  The built-ins
            use: grad_accumulation -20, grad_clip -10, ema 10, lr_monitor 20,
            progress 50, console 100, tensorboard 110, images/hparams 120,
            early_stopping 300, checkpoint 1000 (last: a checkpoint holds every other
            callback's state at the end of the epoch).
        main_process_only: in a multi-process run, only the main process runs it (for
            callbacks that print, write files or log).
        name: the registered name it was built from (its key in checkpoints); the class
            name when built directly.

    Example::

        class PrintLoss(Callback):
            order = 150

            def __init__(self, every=10):
                self.every = every
                self.seen = 0

            def on_batch_end(self, trainer, batch, loss):
                self.seen += 1
                if self.seen % self.every == 0:
                    trainer.logger.info(f"batch {self.seen}: loss {loss:.4f}")

            def state_dict(self):
                return {"seen": self.seen}

            def load_state_dict(self, state):
                self.seen = int(state["seen"])
    """

    order = 0
    main_process_only = False
    name = None

    def on_fit_start(self, trainer):
        """Before the first epoch (after a resume has restored everything)."""

    def on_epoch_start(self, trainer, epoch):
        """Before the epoch's first batch."""

    def on_batch_start(self, trainer, batch):
        """Before the forward pass; may set ``trainer.zero_grad_now``,
        ``trainer.step_now`` and ``trainer.loss_scale`` for this batch."""

    def after_backward(self, trainer):
        """The gradients of the batch are computed; the optimizer has not stepped yet."""

    def on_batch_end(self, trainer, batch, loss):
        """After the update (``trainer.stepped`` says whether the optimizer stepped)."""

    def on_validation_start(self, trainer):
        """After the training batches of an epoch, before its validation."""

    def on_validation_end(self, trainer, logs):
        """After validation; ``logs`` holds training and ``val_*`` values and may be
        extended (the value joins the epoch's log line, history and TensorBoard)."""

    def on_epoch_end(self, trainer, epoch, logs):
        """The epoch's log is complete; set ``trainer.should_stop = True`` to end the
        run after this epoch."""

    def on_save_checkpoint(self, trainer, state):
        """``state`` is about to be written: ``{"model", "optimizer", "scheduler",
        "rng", "callbacks", "metadata"}``; entries added to ``state["metadata"]`` are
        saved (JSON values)."""

    def on_load_checkpoint(self, trainer, state):
        """A checkpoint was restored; ``state`` has the keys ``on_save_checkpoint`` saw."""

    def on_fit_end(self, trainer):
        """The run finished its epochs or stopped early."""

    def on_exception(self, trainer, exc):
        """The run is stopping with ``exc`` (a diverged loss, Ctrl-C, an error)."""

    def state_dict(self):
        """Return the state a resumed run needs ({} when none)."""
        return {}

    def load_state_dict(self, state):
        """Restore what :meth:`state_dict` returned."""

    def finished_reason(self, trainer):
        """Why a resumed run has nothing left to train, or None."""
        return None

    def __repr__(self):
        return f"{type(self).__name__}(order={self.order})"


def _overrides(callback, event):
    return getattr(type(callback), event, None) is not getattr(Callback, event)


class CallbackList:
    """The trainer's callbacks, sorted by ``order``; calling an event calls every
    callback that implements it.

    Args:
        callbacks: :class:`Callback` instances.

    Raises:
        TypeError: an item is not a Callback.
    """

    def __init__(self, callbacks=()):
        callbacks = list(callbacks)
        for cb in callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"trainer callbacks must be framework.trainer.Callback "
                                f"instances, got {type(cb).__name__} {cb!r:.60}")
        self.callbacks = sorted(callbacks, key=lambda cb: cb.order)  # sorted() is stable
        # per event, only the callbacks that implement it: a batch costs nothing extra
        # for the many callbacks that only look at epochs
        self._by_event = {e: [cb for cb in self.callbacks if _overrides(cb, e)] for e in EVENTS}

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)

    def __getitem__(self, name):
        """The callback registered as ``name`` (the first one), or KeyError."""
        for cb in self.callbacks:
            if state_key(cb) == name:
                return cb
        raise KeyError(f"no callback {name!r}; the trainer has "
                       f"{', '.join(state_key(cb) for cb in self.callbacks) or 'none'}")

    def call(self, event, trainer, *args):
        """Call ``event`` on every callback implementing it (main-process ones only on
        the main process)."""
        main = getattr(trainer, "is_main_process", True)
        for cb in self._by_event[event]:
            if main or not cb.main_process_only:
                getattr(cb, event)(trainer, *args)

    def state_dicts(self):
        """``{key: state}`` of every callback with a non-empty state."""
        out = {}
        for key, cb in self.keyed():
            state = cb.state_dict()
            if state:
                out[key] = state
        return out

    def keyed(self):
        """``[(key, callback)]``: the key is the name, with ``#2``, ``#3``... for repeats."""
        seen = {}
        out = []
        for cb in self.callbacks:
            base = state_key(cb)
            seen[base] = seen.get(base, 0) + 1
            out.append((base if seen[base] == 1 else f"{base}#{seen[base]}", cb))
        return out


def state_key(callback):
    """The name a callback's state is saved under."""
    return callback.name or type(callback).__name__
