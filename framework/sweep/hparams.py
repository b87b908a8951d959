"""TensorBoard HPARAMS summaries of a sweep: the experiment and one session per trial.

The sessions are written with :mod:`framework.logger.hparams`, as the ``hparams``
callback writes a single run's: each trial's folder gets its hyperparameter values,
its final metrics as ``hparams/<name>`` scalars (the last epoch's values and
``best_<monitored>``) and its end status.  The experiment (the table's columns) is
written once at the sweep's log root, with each swept key's domain (its values, or its
range), so the HPARAMS tab offers filters that fit the sweep.
"""
from __future__ import annotations

__all__ = ["write_experiment", "write_session", "metric_names"]


def metric_names(log_keys, monitored):
    """The names a trial reports: every logged value and ``best_<monitored>``."""
    return [*log_keys, f"best_{monitored}"]


def _hp_value(value):
    """HPARAMS values are numbers, strings or bools; anything else shows as its text."""
    if isinstance(value, bool) or isinstance(value, (int, float, str)):
        return value
    return str(value)


def write_experiment(log_root, parameters, names):
    """The experiment summary: which hyperparameters and metrics the table shows.

    Args:
        log_root: the sweep's log folder (``tensorboard --logdir`` points here).
        parameters: ``{dotted.key: [values] | Range}`` of the sweep.
        names: the metric names (``val_loss``, ``best_val_loss``, ...).
    """
    from tensorboard.plugins.hparams import summary_v2 as hp

    from framework.logger import TensorboardWriter
    from framework.logger.hparams import METRIC_PREFIX
    hparams = []
    for key, values in parameters.items():
        if isinstance(values, list):
            shown = [_hp_value(v) for v in values]
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in shown):
                hparams.append(hp.HParam(key, hp.Discrete([float(v) for v in shown])))
            elif all(isinstance(v, str) for v in shown):
                hparams.append(hp.HParam(key, hp.Discrete(sorted(set(shown)))))
            else:
                hparams.append(hp.HParam(key))
        else:
            low, high = values.low, values.high
            hparams.append(hp.HParam(key, hp.IntInterval(int(low), int(high))
                                     if values.integer else hp.RealInterval(low, high)))
    metrics = [hp.Metric(f"{METRIC_PREFIX}/{name}", display_name=name) for name in names]
    with TensorboardWriter(log_root) as writer:
        writer.add_summary(hp.hparams_config_pb(hparams=hparams, metrics=metrics), step=0)


def write_session(log_dir, trial_id, params, metrics, status="done", start_time=None,
                  step=0):
    """One trial's session: its values, its final metrics, then its end status.

    Args:
        log_dir: the trial's log folder (where its scalars are).
        trial_id: the session's name in the table.
        params: ``{dotted.key: value}``.
        metrics: ``{name: value}`` (written as ``hparams/<name>``).
        status: ``done`` or ``failed``.
        start_time: the trial's start (seconds since the epoch).
        step: the step of the metric scalars (the trial's last epoch).
    """
    from framework.logger import TensorboardWriter
    from framework.logger.hparams import (write_metrics, write_session_end,
                                          write_session_start)
    values = {k: _hp_value(v) for k, v in params.items()}
    with TensorboardWriter(log_dir) as writer:
        write_session_start(writer, values, list(metrics), trial_id=trial_id,
                            experiment=False, start_time_secs=start_time)
        write_metrics(writer, metrics, step)
        write_session_end(writer, "success" if status == "done" else "failure", step)
