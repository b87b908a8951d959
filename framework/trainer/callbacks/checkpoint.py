"""``checkpoint``: periodic checkpoints, ``model_best.npz``, and the last epoch of a run."""
import os

from framework.config import checks
from framework.trainer.callbacks.base import Callback, builtin
from framework.trainer.checkpoint import BEST_CHECKPOINT, checkpoint_filename

__all__ = ["ModelCheckpoint"]


@builtin('checkpoint', 'checkpoint-epoch<N>.npz every save_period epochs and model_best.npz (on by default)')
class ModelCheckpoint(Callback):
    """Save ``checkpoint-epoch<N>.npz`` every ``save_period`` epochs and at the last one,
    and ``model_best.npz`` whenever the monitored value improves.

    A run that ends before ``trainer.epochs`` (early stopping, a callback setting
    ``trainer.should_stop``) saves its last epoch too, so it can be resumed.  Nothing
    is written while the trainer has no ``models_dir``.  It runs after every other
    callback (order 1000), so a checkpoint holds their state at the end of the epoch.

    Args:
        save_period: epochs between checkpoints (default: ``trainer.save_period``).
        save_best: keep ``model_best.npz`` (needs ``trainer.monitor``).
    """

    order = 1000
    main_process_only = True

    def __init__(self, save_period=None, save_best=True):
        if save_period is not None:
            save_period = checks.argument("save_period",
                                          checks.integer(1, "a positive integer"), save_period)
        self.save_period = save_period
        self.save_best = bool(save_best)
        self._last_saved_epoch = None

    def _period(self, trainer):
        return self.save_period or trainer.config.trainer.save_period

    def on_epoch_end(self, trainer, epoch, logs):
        if self.save_best and trainer.monitor.improved:
            self._save(trainer, epoch, BEST_CHECKPOINT)
        if epoch % self._period(trainer) == 0 or epoch == trainer.epochs or trainer.should_stop:
            self._save(trainer, epoch, checkpoint_filename(epoch))
            self._last_saved_epoch = epoch

    def on_fit_end(self, trainer):
        last = trainer.last_epoch
        if last is not None and last != self._last_saved_epoch and trainer.should_stop:
            # stopped by a callback that runs after this one: its last epoch still gets
            # a checkpoint
            self._save(trainer, last, checkpoint_filename(last))
            self._last_saved_epoch = last
        monitor = trainer.monitor
        if monitor.enabled and monitor.best_epoch is not None:
            trainer.logger.info(f"best {monitor.metric}: {monitor.best:.6g} "
                                f"(epoch {monitor.best_epoch})")

    @staticmethod
    def _save(trainer, epoch, filename):
        if trainer.models_dir is None:
            return
        trainer.save_checkpoint(os.path.join(trainer.models_dir, filename), epoch)
