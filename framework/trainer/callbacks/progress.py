"""``progress``: a bar per epoch on a terminal, with the running loss."""
from framework.logger import progress
from framework.trainer.callbacks.base import Callback, builtin

__all__ = ["ProgressBar"]


@builtin('progress', 'a progress bar per epoch on a terminal (on by default)')
class ProgressBar(Callback):
    """Draw ``epoch 3/20 |####    | 12/21 [loss=0.4211]`` while an epoch trains.

    Off a terminal (or with ``-q``) nothing is drawn.  Ctrl-C leaves the bar where it
    stopped, so the screen shows how far the epoch got.

    Args:
        enabled: False never draws (``train.py -q``).
        every: update the loss shown every this many steps (default:
            ``trainer.log_step``).
    """

    order = 50
    main_process_only = True

    def __init__(self, enabled=True, every=None):
        self.enabled = bool(enabled)
        self.every = every
        self.bar = None

    def on_epoch_start(self, trainer, epoch):
        loader = trainer.train_loader
        self.bar = progress(None, total=len(loader), desc=f"epoch {epoch}/{trainer.epochs}",
                            enabled=self.enabled)

    def on_batch_end(self, trainer, batch, loss):
        if self.bar is None:
            return
        self.bar.update(1)
        every = self.every or trainer.log_step
        if trainer.stepped and trainer.step % every == 0:
            self.bar.set_postfix(loss=f"{loss:.4f}")

    def _close(self, keep=False):
        if self.bar is not None:
            if keep:
                self.bar.leave = True  # keep the bar on screen: it shows how far it got
            self.bar.close()
            self.bar = None

    def on_validation_start(self, trainer):
        self._close()

    def on_epoch_end(self, trainer, epoch, logs):
        self._close()

    def on_exception(self, trainer, exc):
        self._close(keep=isinstance(exc, KeyboardInterrupt))
