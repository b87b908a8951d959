"""``early_stopping``: end the run when the monitored value stops improving."""
import math

from framework.config import checks
from framework.trainer.callbacks.base import Callback, builtin

__all__ = ["EarlyStopping"]


@builtin('early_stopping', 'stop when trainer.monitor stops improving (on by default; patience: trainer.early_stop)')
class EarlyStopping(Callback):
    """Stop after ``patience`` epochs in a row without improvement of ``trainer.monitor``.

    Args:
        patience: epochs without improvement (default: ``trainer.early_stop``; 0 or
            None there turns it off).
    """

    order = 300

    def __init__(self, patience=None):
        if patience is not None:
            patience = checks.argument("patience", checks.integer(0, "an integer >= 0"),
                                       patience)
        self.patience = patience

    def _patience(self, trainer):
        patience = self.patience if self.patience is not None else \
            trainer.config.trainer.early_stop
        return patience if patience else math.inf

    def on_fit_start(self, trainer):
        if not trainer.monitor.enabled and math.isfinite(self._patience(trainer)):
            trainer.logger.warning(
                f"trainer.early_stop: {self._patience(trainer)} has no effect while "
                f"trainer.monitor is off (set e.g. monitor: min val_loss)")

    def on_epoch_end(self, trainer, epoch, logs):
        monitor = trainer.monitor
        if monitor.enabled and monitor.not_improved_count >= self._patience(trainer):
            trainer.logger.info(
                f"{monitor.metric} did not improve for {monitor.not_improved_count} epochs: "
                f"training stops early (best {monitor.best:.6g} at epoch {monitor.best_epoch})")
            trainer.should_stop = True

    def finished_reason(self, trainer):
        monitor = trainer.monitor
        patience = self._patience(trainer)
        if monitor.enabled and monitor.not_improved_count >= patience:
            return (f"it stopped early: {monitor.metric} did not improve for "
                    f"{monitor.not_improved_count} epochs (trainer.early_stop: "
                    f"{int(patience)}); train on with a larger "
                    f"--set trainer.early_stop=N")
        return None
