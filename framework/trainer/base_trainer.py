"""BaseTrainer: the epoch loop, the run's state, checkpoints and resume.

pytorch-template's split: this class owns the run (what happens between epochs);
:class:`framework.trainer.trainer.Trainer` owns what happens inside one.  Everything a
run does besides training (logging, TensorBoard, checkpoint files, early stopping, the
progress bar, learning-rate logging) is a :class:`~framework.trainer.callbacks.Callback`;
:meth:`BaseTrainer.default_callbacks` lists the ones every run gets.
"""
import time

from framework.errors import CheckpointError, ZeronnError
from framework.optim.scheduler_base import steps_on_metric
from framework.trainer.callbacks import (Callback, CallbackList, EarlyStopping,
                                         EpochLogger, LearningRateMonitor, ModelCheckpoint,
                                         ProgressBar, TensorBoardLogger)
from framework.trainer.checkpoint import (capture_rng_state, resume_command, restore_rng_state,
                                          save_checkpoint)
from framework.trainer.monitor import Monitor

__all__ = ["BaseTrainer", "TrainingDiverged", "TrainingInterrupted"]


class TrainingDiverged(ZeronnError):
    """The loss became NaN or infinite; the run stops and keeps its last good checkpoint."""


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped a run; the message names the last checkpoint on disk.

    A ``KeyboardInterrupt`` subclass, so code that catches Ctrl-C still does.  No
    checkpoint is written for the interrupted epoch: the weights are halfway through
    it, and resuming from them could not reproduce the uninterrupted run.
    """


class BaseTrainer:
    """The epoch loop of a run.

    Args:
        model, criterion, metrics, optimizer, lr_scheduler: built by the builder;
            ``metrics`` is a list of ``(name, callable)``.
        config: the validated :class:`ExperimentConfig`.
        models_dir: the run's checkpoint folder (None: save nothing).
        logger: a ``logging.Logger``.
        writer: a TensorboardWriter (or anything with add_scalar/add_histogram/close).
        config_dict: the resolved config as a plain dict, stored in every checkpoint.
        versions: package versions, stored in every checkpoint.
        callbacks: more :class:`Callback` objects; one whose ``name`` equals a default
            callback's replaces it (``callbacks: [{type: checkpoint, args: {...}}]``).
        show_progress: draw a progress bar per epoch (on a terminal).

    Attributes:
        callbacks: the :class:`CallbackList` (defaults and extras, sorted by order).
        monitor: the :class:`~framework.trainer.monitor.Monitor` of ``trainer.monitor``.
        step: optimizer steps taken; ``history``: one log dict per finished epoch.
        should_stop: set by a callback to end the run after the current epoch.
        is_main_process: False on the other ranks of a multi-process run (callbacks
            marked ``main_process_only`` then do nothing).
    """

    def __init__(self, model, criterion, metrics, optimizer, config, *, lr_scheduler=None,
                 models_dir=None, logger, writer, config_dict=None, versions=None,
                 callbacks=(), show_progress=True):
        self.model = model
        self.criterion = criterion
        self.metrics = list(metrics)
        self.optimizer = optimizer
        self.lr_scheduler = lr_scheduler
        self.config = config
        # "epoch": after each epoch (ReduceLROnPlateau gets the monitored value);
        # "step": after each optimizer step, as PyTorch scripts step OneCycleLR.
        sched_cfg = getattr(config, "lr_scheduler", None)
        self.scheduler_interval = getattr(sched_cfg, "interval", "epoch") or "epoch"
        self.models_dir = models_dir
        self.logger = logger
        self.writer = writer
        self.config_dict = config_dict
        self.versions = versions or {}
        self.show_progress = show_progress
        self.is_main_process = True

        tcfg = config.trainer
        self.epochs = tcfg.epochs
        self.log_step = tcfg.log_step
        self.monitor = Monitor(tcfg.monitor)
        self.start_epoch = 1
        self.step = 0
        self.history = []  # one log dict per finished epoch
        self.last_epoch = None  # the newest finished epoch
        self.last_checkpoint = None  # path of the newest file written by save_checkpoint
        self.should_stop = False
        self.callbacks = CallbackList(self._merge_callbacks(callbacks))

    # ----------------------------------------------------------------- callbacks
    def default_callbacks(self):
        """The callbacks every run gets: what the trainer config asks for.

        Returns:
            ``[lr_monitor, progress, console, tensorboard, checkpoint, early_stopping]``.
        """
        return [_named(LearningRateMonitor(), "lr_monitor"),
                _named(ProgressBar(enabled=self.show_progress), "progress"),
                _named(EpochLogger(), "console"),
                _named(TensorBoardLogger(), "tensorboard"),
                _named(ModelCheckpoint(), "checkpoint"),
                _named(EarlyStopping(), "early_stopping")]

    def _merge_callbacks(self, extra):
        extra = list(extra or ())
        for cb in extra:
            if not isinstance(cb, Callback):
                raise TypeError(f"trainer callbacks must be framework.trainer.Callback "
                                f"instances, got {type(cb).__name__} {cb!r:.60}")
        replaced = {cb.name for cb in extra if cb.name}
        defaults = [cb for cb in self.default_callbacks() if cb.name not in replaced]
        return defaults + extra

    # ----------------------------------------------------------------- the loop
    def _train_epoch(self, epoch):
        """Train one epoch; return its log ``{"loss": ..., <metric>: ..., "val_...": ...}``."""
        raise NotImplementedError

    # old spellings some code reads
    @property
    def mnt_mode(self):
        return self.monitor.mode

    @property
    def mnt_metric(self):
        return self.monitor.metric

    @property
    def mnt_best(self):
        return self.monitor.best

    @property
    def best_epoch(self):
        return self.monitor.best_epoch

    @property
    def not_improved_count(self):
        return self.monitor.not_improved_count

    def finished_reason(self):
        """Why there is nothing left to train (after :meth:`resume`), or None.

        Returns:
            A sentence such as ``"epoch 30 reached trainer.epochs (30); train on with
            --epochs N (N > 30)"``, or None when epochs remain and no callback (early
            stopping) says the run is over.
        """
        done = self.start_epoch - 1
        if done >= self.epochs:
            return (f"epoch {done} reached trainer.epochs ({self.epochs}); "
                    f"train on with --epochs N (N > {done})")
        for cb in self.callbacks:
            reason = cb.finished_reason(self)
            if reason:
                return reason
        return None

    def train(self):
        """Run epochs ``start_epoch..epochs``; returns the history of epoch logs.

        Raises:
            TrainingDiverged: the loss became NaN or infinite (nothing of that epoch
                is saved; earlier checkpoints stay).
            TrainingInterrupted: Ctrl-C; the epoch under way is not saved, every
                file already written stays complete (the message names the newest).
        """
        epoch = self.start_epoch
        self.should_stop = False
        try:
            self.callbacks.call("on_fit_start", self)
            for epoch in range(self.start_epoch, self.epochs + 1):
                self._run_epoch(epoch)
                if self.should_stop:
                    break
            self.callbacks.call("on_fit_end", self)
        except BaseException as exc:
            self.callbacks.call("on_exception", self, exc)
            if isinstance(exc, KeyboardInterrupt):
                raise self._interrupted(epoch) from None
            raise
        return self.history

    def _run_epoch(self, epoch):
        """Train one epoch, complete its log, step the scheduler, tell the callbacks."""
        self.callbacks.call("on_epoch_start", self, epoch)
        started = time.perf_counter()
        logs = {"epoch": epoch, **self._train_epoch(epoch)}
        logs["seconds"] = round(time.perf_counter() - started, 3)
        self._step_scheduler(logs)
        self.history.append(logs)
        self.last_epoch = epoch
        self.monitor.update(logs)
        self.callbacks.call("on_epoch_end", self, epoch, logs)

    def _interrupted(self, epoch):
        if self.last_checkpoint is not None:
            where = (f"the last checkpoint is {self.last_checkpoint} (resume with: "
                     f"{resume_command(self.last_checkpoint)})")
        elif self.models_dir is not None:
            where = "no checkpoint was saved yet"
        else:
            where = "this run saves no checkpoints"
        message = f"interrupted during epoch {epoch}/{self.epochs}; {where}"
        self.logger.warning(message)
        return TrainingInterrupted(message)

    def _step_scheduler(self, logs):
        sched = self.lr_scheduler
        if sched is None or self.scheduler_interval == "step":
            return
        if steps_on_metric(sched):
            key = self.monitor.metric or ("val_loss" if "val_loss" in logs else "loss")
            sched.step(logs[key])
        else:
            sched.step()

    # ----------------------------------------------------------------- checkpoints
    def checkpoint_state(self, epoch):
        """Everything a checkpoint after ``epoch`` holds, before callbacks add to it.

        Returns:
            ``{"model", "optimizer", "scheduler", "rng", "callbacks", "metadata"}``.
        """
        metadata = {"epoch": epoch, "step": self.step, **self.monitor.metadata(),
                    "history": self.history, "config": self.config_dict,
                    "versions": self.versions}
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.lr_scheduler.state_dict() if self.lr_scheduler else None,
            "rng": capture_rng_state(),
            "callbacks": self.callbacks.state_dicts(),
            "metadata": metadata,
        }

    def save_checkpoint(self, path, epoch):
        """Write the checkpoint of ``epoch`` to ``path`` (atomically); callbacks may add
        to it in ``on_save_checkpoint``."""
        state = self.checkpoint_state(epoch)
        self.callbacks.call("on_save_checkpoint", self, state)
        save_checkpoint(path, model_state=state["model"], optimizer_state=state["optimizer"],
                        scheduler_state=state["scheduler"], rng_state=state["rng"],
                        callbacks_state=state["callbacks"] or None,
                        metadata=state["metadata"])
        self.last_checkpoint = path
        self.logger.debug(f"saved {path}")

    def resume(self, checkpoint):
        """Restore model, optimizer, scheduler, counters, callbacks and random state.

        Raises:
            CheckpointError: the checkpoint does not fit the model, optimizer or a
                callback.
        """
        meta = checkpoint.metadata
        try:
            self.model.load_state_dict(checkpoint.model_state)
        except (KeyError, ValueError) as exc:
            raise CheckpointError(f"{checkpoint.path} does not fit the model: {exc}") from None
        if checkpoint.optimizer_state is not None:
            try:
                self.optimizer.load_state_dict(checkpoint.optimizer_state)
            except (KeyError, ValueError, TypeError) as exc:
                raise CheckpointError(
                    f"{checkpoint.path}: its optimizer state does not fit: {exc}") from None
        if self.lr_scheduler is not None and checkpoint.scheduler_state is not None:
            self.lr_scheduler.load_state_dict(checkpoint.scheduler_state)
        if checkpoint.rng_state is not None:
            restore_rng_state(checkpoint.rng_state)
        epoch = meta.get("epoch")
        if not isinstance(epoch, int):
            raise CheckpointError(f"{checkpoint.path}: its metadata has no epoch number")
        self.start_epoch = epoch + 1
        self.last_epoch = epoch
        self.step = int(meta.get("step") or 0)
        self.history = list(meta.get("history") or [])
        # the best value and the early-stop count belong to the monitor they were kept for
        self.monitor.restore(meta)
        self._restore_callbacks(checkpoint)
        self.last_checkpoint = checkpoint.path  # until this run saves its own
        state = {"model": checkpoint.model_state, "optimizer": checkpoint.optimizer_state,
                 "scheduler": checkpoint.scheduler_state, "rng": checkpoint.rng_state,
                 "callbacks": getattr(checkpoint, "callbacks_state", None) or {},
                 "metadata": meta}
        self.callbacks.call("on_load_checkpoint", self, state)

    def _restore_callbacks(self, checkpoint):
        saved = getattr(checkpoint, "callbacks_state", None) or {}
        if not isinstance(saved, dict):
            raise CheckpointError(f"{checkpoint.path}: its callback states are not a mapping")
        for key, cb in self.callbacks.keyed():
            if key in saved:
                try:
                    cb.load_state_dict(saved[key])
                except (KeyError, ValueError, TypeError) as exc:
                    raise CheckpointError(f"{checkpoint.path}: the state of callback {key!r} "
                                          f"does not fit: {exc}") from None
            elif cb.state_dict():
                self.logger.info(f"{checkpoint.path} holds no state of callback {key!r}; "
                                 f"it starts fresh")
        unused = sorted(set(saved) - {key for key, _ in self.callbacks.keyed()})
        if unused:
            self.logger.warning(f"{checkpoint.path} holds the state of callback(s) "
                                f"{', '.join(unused)} that this run does not use")


def _named(callback, name):
    callback.name = name
    return callback

