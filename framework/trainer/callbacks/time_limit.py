"""``time_limit``: end a run when it has used its time, with a checkpoint to resume from."""
import time

from framework.config import checks
from framework.trainer.callbacks.base import Callback, builtin

__all__ = ["TimeLimit"]


@builtin("time_limit", "stop after the epoch that uses up `minutes` of training time")
class TimeLimit(Callback):
    """Stop the run after the epoch during which ``minutes`` of training have passed.

    The time counts across resumes (it is saved in the checkpoint), and the last epoch
    is saved, so ``train.py -r`` with a larger limit carries on.

    Args:
        minutes: the training time allowed (> 0).
    """

    order = 290  # before checkpointing, which then saves the last epoch

    def __init__(self, minutes=60.0):
        self.minutes = float(checks.argument(
            "minutes", checks.number("a positive number", 0, exclusive=True), minutes))
        self.used = 0.0  # seconds, over every run of this training
        self._started = None

    def on_epoch_start(self, trainer, epoch):
        self._started = time.perf_counter()

    def on_epoch_end(self, trainer, epoch, logs):
        self.used += time.perf_counter() - self._started
        if self.used >= self.minutes * 60:
            trainer.logger.info(f"time_limit: {self.used / 60:.1f} of {self.minutes:g} "
                                f"minutes used; training stops after epoch {epoch}")
            trainer.should_stop = True

    def state_dict(self):
        return {"used": self.used}

    def load_state_dict(self, state):
        self.used = float(state["used"])

    def finished_reason(self, trainer):
        if self.used >= self.minutes * 60:
            return (f"its time_limit of {self.minutes:g} minutes is used up; train on with "
                    f"a larger --set callbacks.<i>.args.minutes=M")
        return None
