"""``tensorboard``: epoch scalars, the running batch loss, histograms on request."""
from framework.trainer.callbacks.base import Callback, builtin

__all__ = ["TensorBoardLogger"]


@builtin('tensorboard', 'epoch scalars, batch loss and histograms to TensorBoard (on by default)')
class TensorBoardLogger(Callback):
    """Write the epoch's values to the trainer's TensorBoard writer.

    Tags: ``train/<name>`` and ``valid/<name>`` (from ``val_<name>``) per epoch, ``lr``,
    ``train/batch_loss`` every ``log_step`` steps, and with ``histograms`` the
    parameters (``params/<name>``) and the last batch's gradients (``grads/<name>``)
    at the end of each epoch.

    Args:
        log_step: steps between batch-loss points (default: ``trainer.log_step``).
        histograms: write histograms (default: ``trainer.histograms``).
    """

    order = 110
    main_process_only = True

    def __init__(self, log_step=None, histograms=None):
        self.log_step = log_step
        self.histograms = histograms

    def on_batch_end(self, trainer, batch, loss):
        every = self.log_step or trainer.log_step
        if trainer.stepped and trainer.step % every == 0:
            trainer.writer.add_scalar("train/batch_loss", loss, trainer.step)

    def on_epoch_end(self, trainer, epoch, logs):
        writer = trainer.writer
        histograms = self.histograms if self.histograms is not None else \
            trainer.config.trainer.histograms
        if histograms:
            for name, param in trainer.model.named_parameters():
                writer.add_histogram(f"params/{name}", param.data, epoch)
                if param.grad is not None:
                    writer.add_histogram(f"grads/{name}", param.grad.data, epoch)
        for key, value in logs.items():
            if key in ("epoch", "seconds"):
                continue
            if key == "lr" or key.startswith("lr/"):
                writer.add_scalar(key, value, epoch)
            elif key.startswith("val_"):
                writer.add_scalar(f"valid/{key[4:]}", value, epoch)
            else:
                writer.add_scalar(f"train/{key}", value, epoch)

    def on_fit_end(self, trainer):
        trainer.writer.flush()
