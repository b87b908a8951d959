"""``hparams``: the run as one row of TensorBoard's HPARAMS table."""
import os

from framework.logger.hparams import (flatten_hparams, write_metrics, write_session_end,
                                      write_session_start)
from framework.trainer.callbacks.base import Callback, builtin

__all__ = ["HParams"]

#: Config keys that describe where and how a run is logged, not the experiment.
DEFAULT_EXCLUDE = ("name", "plugins", "device", "trainer.save_dir", "trainer.verbosity",
                   "trainer.tensorboard", "trainer.log_step", "trainer.histograms",
                   "trainer.threads", "trainer.save_period")


@builtin('hparams', "the config's hyperparameters and final metrics in TensorBoard's HPARAMS table")
class HParams(Callback):
    """Write the config's hyperparameters when a run starts and its final metrics when
    it ends (the last epoch's values and the best monitored value, as ``best_<name>``),
    so TensorBoard's HPARAMS dashboard lists every run with both.

    Args:
        exclude: dotted config keys left out of the table (default: where and how the
            run is logged: save_dir, verbosity, ...).
        include: only these dotted keys (and what is under them); default: all.
    """

    order = 120
    main_process_only = True

    def __init__(self, exclude=DEFAULT_EXCLUDE, include=None):
        self.exclude = tuple(exclude)
        self.include = None if include is None else tuple(include)
        self.hparams = None

    def _values(self, trainer):
        values = flatten_hparams(trainer.config_dict or {}, exclude=self.exclude)
        if self.include is not None:
            values = {k: v for k, v in values.items()
                      if any(k == i or k.startswith(i + ".") for i in self.include)}
        return values

    def _metric_names(self, trainer):
        names = ["loss"] + [name for name, _ in trainer.metrics]
        if getattr(trainer, "valid_loader", None) is not None:
            names += [f"val_{n}" for n in names]
        if trainer.monitor.enabled:
            names.append(f"best_{trainer.monitor.metric}")
        return names

    def on_fit_start(self, trainer):
        self.hparams = self._values(trainer)
        log_dir = getattr(trainer.writer, "log_dir", None)
        trial = os.path.basename(os.path.normpath(log_dir)) if log_dir else None
        write_session_start(trainer.writer, self.hparams, self._metric_names(trainer),
                            trial_id=trial)

    def on_fit_end(self, trainer):
        final = {}
        if trainer.history:
            final = {k: v for k, v in trainer.history[-1].items()
                     if k not in ("epoch", "seconds", "lr") and isinstance(v, (int, float))}
        if trainer.monitor.enabled and trainer.monitor.best_epoch is not None:
            final[f"best_{trainer.monitor.metric}"] = trainer.monitor.best
        step = trainer.last_epoch or 0
        write_metrics(trainer.writer, final, step)
        write_session_end(trainer.writer, "success", step)

    def on_exception(self, trainer, exc):
        if self.hparams is not None:
            write_session_end(trainer.writer, "failure", trainer.last_epoch or 0)
