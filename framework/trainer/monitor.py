"""The monitored value of a run (``trainer.monitor: min val_loss``): its best so far.

One :class:`Monitor` per trainer, updated by the loop once per epoch; the checkpoint
callback saves ``model_best`` when it improved, early stopping counts the epochs since.
"""
import math

from framework.config.checks import parse_monitor

__all__ = ["Monitor"]


class Monitor:
    """Tracks the best value of one logged metric.

    Args:
        spec: ``"off"``, ``"min <metric>"`` or ``"max <metric>"``.

    Attributes:
        mode: ``"off"``, ``"min"`` or ``"max"``.
        metric: the logged name (``val_loss``), or None when off.
        best: the best value so far (``inf``/``-inf`` before the first epoch; 0.0 off).
        best_epoch: the epoch that reached it, or None.
        not_improved_count: epochs in a row without improvement.
        improved: whether the latest :meth:`update` improved on the best.
    """

    def __init__(self, spec="off"):
        self.spec = spec
        self.mode, self.metric = parse_monitor(spec)
        if self.mode == "off":
            self.best = 0.0
        else:
            self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = None
        self.not_improved_count = 0
        self.improved = False

    @property
    def enabled(self):
        """False when ``trainer.monitor`` is off."""
        return self.mode != "off"

    def update(self, logs):
        """Compare the epoch's value with the best; return True when it improved.

        Raises:
            KeyError: the logs lack the monitored metric (the name is given).
        """
        self.improved = False
        if not self.enabled:
            return False
        if self.metric not in logs:
            raise KeyError(f"trainer.monitor: the epoch logged no {self.metric!r}; it "
                           f"logged {', '.join(logs)}")
        value = logs[self.metric]
        better = value < self.best if self.mode == "min" else value > self.best
        if better:
            self.best = value
            self.best_epoch = logs.get("epoch")
            self.not_improved_count = 0
        else:
            self.not_improved_count += 1
        self.improved = better
        return better

    def metadata(self):
        """The checkpoint metadata entries that hold this state."""
        return {"monitor": self.spec,
                "monitor_best": None if math.isinf(self.best) else self.best,
                "best_epoch": self.best_epoch,
                "not_improved_count": self.not_improved_count}

    def restore(self, metadata):
        """Take the state from checkpoint metadata, if it was kept for the same monitor."""
        if metadata.get("monitor") == self.spec and metadata.get("monitor_best") is not None:
            self.best = float(metadata["monitor_best"])
            self.best_epoch = metadata.get("best_epoch")
            self.not_improved_count = int(metadata.get("not_improved_count") or 0)
