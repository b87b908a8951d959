"""BaseTrainer: epochs, monitoring, early stopping, checkpoints and resume.

pytorch-template's split: this class owns the run (what happens between epochs);
:class:`framework.trainer.trainer.Trainer` owns what happens inside one.
"""
import math
import os
import time

from framework.errors import CheckpointError, ZeronnError
from framework.trainer.checkpoint import (BEST_CHECKPOINT, capture_rng_state,
                                          checkpoint_filename, restore_rng_state,
                                          save_checkpoint)

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
    """

    def __init__(self, model, criterion, metrics, optimizer, config, *, lr_scheduler=None,
                 models_dir=None, logger, writer, config_dict=None, versions=None):
        self.model = model
        self.criterion = criterion
        self.metrics = list(metrics)
        self.optimizer = optimizer
        self.lr_scheduler = lr_scheduler
        self.config = config
        self.models_dir = models_dir
        self.logger = logger
        self.writer = writer
        self.config_dict = config_dict
        self.versions = versions or {}

        tcfg = config.trainer
        self.epochs = tcfg.epochs
        self.save_period = tcfg.save_period
        self.early_stop = tcfg.early_stop if tcfg.early_stop else math.inf
        if tcfg.monitor == "off":
            self.mnt_mode, self.mnt_metric = "off", None
            self.mnt_best = 0.0
        else:
            self.mnt_mode, self.mnt_metric = tcfg.monitor.split(maxsplit=1)
            self.mnt_best = math.inf if self.mnt_mode == "min" else -math.inf
        self.start_epoch = 1
        self.step = 0
        self.not_improved_count = 0
        self.history = []  # one log dict per finished epoch
        self.best_epoch = None
        self.last_checkpoint = None  # path of the newest file written by _save

    # ----------------------------------------------------------------- the loop
    def _train_epoch(self, epoch):
        raise NotImplementedError

    def finished_reason(self):
        """Why there is nothing left to train (after :meth:`resume`), or None.

        Returns:
            A sentence such as ``"epoch 30 reached trainer.epochs (30); train on with
            --epochs N (N > 30)"``, or None when epochs remain and early stopping has
            not triggered.
        """
        done = self.start_epoch - 1
        if done >= self.epochs:
            return (f"epoch {done} reached trainer.epochs ({self.epochs}); "
                    f"train on with --epochs N (N > {done})")
        if self.mnt_mode != "off" and self.not_improved_count >= self.early_stop:
            return (f"it stopped early: {self.mnt_metric} did not improve for "
                    f"{self.not_improved_count} epochs (trainer.early_stop: "
                    f"{int(self.early_stop)}); train on with a larger "
                    f"--set trainer.early_stop=N")
        return None

    def train(self):
        """Run epochs ``start_epoch..epochs``; returns the history of epoch logs.

        Raises:
            TrainingDiverged: the loss became NaN or infinite (nothing of that epoch
                is saved; earlier checkpoints stay).
            TrainingInterrupted: Ctrl-C; the epoch under way is not saved, every
                file already written stays complete (the message names the newest).
        """
        if self.mnt_mode == "off" and self.config.trainer.early_stop:
            self.logger.warning(f"trainer.early_stop: {self.config.trainer.early_stop} has no "
                                f"effect while trainer.monitor is off (set e.g. "
                                f"monitor: min val_loss)")
        epoch = self.start_epoch
        try:
            for epoch in range(self.start_epoch, self.epochs + 1):
                if self._run_epoch(epoch):
                    break
        except KeyboardInterrupt:
            raise self._interrupted(epoch) from None
        if self.mnt_mode != "off" and self.best_epoch is not None:
            self.logger.info(f"best {self.mnt_metric}: {self.mnt_best:.6g} (epoch {self.best_epoch})")
        self.writer.flush()
        return self.history

    def _run_epoch(self, epoch):
        """Train, log, monitor and save one epoch; return True to stop early."""
        started = time.perf_counter()
        log = {"epoch": epoch, **self._train_epoch(epoch)}
        log["lr"] = self._current_lr()
        log["seconds"] = round(time.perf_counter() - started, 3)
        self._step_scheduler(log)
        self.history.append(log)
        self._log_epoch(log)

        if self._update_monitor(log):
            self._save(epoch, BEST_CHECKPOINT)
        periodic = epoch % self.save_period == 0 or epoch == self.epochs
        if periodic:
            self._save(epoch, checkpoint_filename(epoch))
        if self.not_improved_count >= self.early_stop:
            self.logger.info(
                f"{self.mnt_metric} did not improve for {self.not_improved_count} epochs: "
                f"training stops early (best {self.mnt_best:.6g} at epoch {self.best_epoch})")
            if not periodic:  # the run ends here: its last epoch gets a checkpoint
                self._save(epoch, checkpoint_filename(epoch))
            return True
        return False

    def _interrupted(self, epoch):
        if self.last_checkpoint is not None:
            where = (f"the last checkpoint is {self.last_checkpoint} (resume with: "
                     f"python train.py -r {self.last_checkpoint})")
        elif self.models_dir is not None:
            where = "no checkpoint was saved yet"
        else:
            where = "this run saves no checkpoints"
        message = f"interrupted during epoch {epoch}/{self.epochs}; {where}"
        self.logger.warning(message)
        return TrainingInterrupted(message)

    def _current_lr(self):
        groups = getattr(self.optimizer, "param_groups", None)
        return float(groups[0]["lr"]) if groups else float("nan")

    def _step_scheduler(self, log):
        sched = self.lr_scheduler
        if sched is None:
            return
        if getattr(sched, "needs_metric", False) or type(sched).__name__ == "ReduceLROnPlateau":
            key = self.mnt_metric or ("val_loss" if "val_loss" in log else "loss")
            sched.step(log[key])
        else:
            sched.step()

    def _log_epoch(self, log):
        parts = [f"epoch {log['epoch']}/{self.epochs}"]
        for key, value in log.items():
            if key not in ("epoch", "lr", "seconds"):
                parts.append(f"{key} {value:.4f}")
        parts.append(f"lr {log['lr']:.3g}")
        parts.append(f"{log['seconds']:.2f}s")
        self.logger.info(" | ".join(parts))
        epoch = log["epoch"]
        for key, value in log.items():
            if key in ("epoch", "seconds"):
                continue
            if key == "lr":
                self.writer.add_scalar("lr", value, epoch)
            elif key.startswith("val_"):
                self.writer.add_scalar(f"valid/{key[4:]}", value, epoch)
            else:
                self.writer.add_scalar(f"train/{key}", value, epoch)

    def _update_monitor(self, log):
        """Return True when this epoch is the best so far."""
        if self.mnt_mode == "off":
            return False
        value = log[self.mnt_metric]
        improved = (value < self.mnt_best) if self.mnt_mode == "min" else (value > self.mnt_best)
        if improved:
            self.mnt_best = value
            self.best_epoch = log["epoch"]
            self.not_improved_count = 0
        else:
            self.not_improved_count += 1
        return improved

    # ----------------------------------------------------------------- checkpoints
    def _metadata(self, epoch):
        return {
            "epoch": epoch, "step": self.step, "monitor": self.config.trainer.monitor,
            "monitor_best": None if math.isinf(self.mnt_best) else self.mnt_best,
            "best_epoch": self.best_epoch, "not_improved_count": self.not_improved_count,
            "history": self.history, "config": self.config_dict, "versions": self.versions,
        }

    def _save(self, epoch, filename):
        if self.models_dir is None:
            return
        path = os.path.join(self.models_dir, filename)
        save_checkpoint(
            path, model_state=self.model.state_dict(),
            optimizer_state=self.optimizer.state_dict(),
            scheduler_state=self.lr_scheduler.state_dict() if self.lr_scheduler else None,
            rng_state=capture_rng_state(), metadata=self._metadata(epoch))
        self.last_checkpoint = path
        self.logger.debug(f"saved {path}")

    def resume(self, checkpoint):
        """Restore model, optimizer, scheduler, counters and random state.

        Raises:
            CheckpointError: the checkpoint does not fit the model or optimizer.
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
        self.step = int(meta.get("step") or 0)
        self.history = list(meta.get("history") or [])
        # the best value and the early-stop count belong to the monitor they were kept for
        if meta.get("monitor") == self.config.trainer.monitor and meta.get("monitor_best") is not None:
            self.mnt_best = float(meta["monitor_best"])
            self.best_epoch = meta.get("best_epoch")
            self.not_improved_count = int(meta.get("not_improved_count") or 0)
        self.last_checkpoint = checkpoint.path  # until this run saves its own
