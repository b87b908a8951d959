"""``console``: one line per epoch on the console and in ``info.log``."""
from framework.trainer.callbacks.base import Callback, builtin

__all__ = ["EpochLogger"]


@builtin('console', 'one line per epoch on the console and in info.log (on by default)')
class EpochLogger(Callback):
    """Log ``epoch 3/20 | loss 0.4211 | ... | lr 0.001 | 0.84s`` after every epoch.

    Every value of the epoch's log is shown with 4 decimals, then the learning rate and
    the epoch's seconds.
    """

    order = 100
    main_process_only = True

    def on_epoch_end(self, trainer, epoch, logs):
        parts = [f"epoch {epoch}/{trainer.epochs}"]
        for key, value in logs.items():
            if key not in ("epoch", "lr", "seconds"):
                parts.append(f"{key} {value:.4f}")
        if "lr" in logs:
            parts.append(f"lr {logs['lr']:.3g}")
        parts.append(f"{logs['seconds']:.2f}s")
        trainer.logger.info(" | ".join(parts))
