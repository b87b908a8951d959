"""``lr_monitor``: the learning rate each epoch trained with, in the epoch's log."""
from framework.trainer.callbacks.base import Callback, builtin

__all__ = ["LearningRateMonitor"]


@builtin('lr_monitor', "the learning rate in every epoch's log (on by default)")
class LearningRateMonitor(Callback):
    """Add ``lr`` (the first parameter group's) to every epoch's log, read after the
    epoch's batches and before the scheduler steps; so it appears in the epoch line,
    the history and TensorBoard (tag ``lr``).

    Args:
        all_groups: also log ``lr/<i>`` for every further parameter group.
    """

    order = 20

    def __init__(self, all_groups=False):
        self.all_groups = bool(all_groups)

    def on_validation_end(self, trainer, logs):
        groups = getattr(trainer.optimizer, "param_groups", None)
        logs["lr"] = float(groups[0]["lr"]) if groups else float("nan")
        if self.all_groups and groups:
            for i, group in enumerate(groups[1:], start=1):
                logs[f"lr/{i}"] = float(group["lr"])
