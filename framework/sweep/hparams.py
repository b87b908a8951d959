"""TensorBoard HPARAMS summaries of a sweep: the experiment and one session per trial.

Written with the ``tensorboard`` package alone (``plugins.hparams.summary_v2``): the
experiment's hyperparameters and metrics go to the sweep's log root, each trial's
session start (its values) and end (its status) to the trial's own log folder, next to
its scalars, where the HPARAMS tab finds the metrics (``valid/loss``, ...).
"""
from __future__ import annotations

import time

__all__ = ["write_experiment", "write_session", "metric_tags"]


def metric_tags(log_keys):
    """TensorBoard tags of the trainer's epoch values: ``val_loss`` -> ``valid/loss``."""
    return [f"valid/{k[4:]}" if k.startswith("val_") else f"train/{k}" for k in log_keys]


def _hp_value(value):
    """HPARAMS values are numbers, strings or bools; anything else shows as its text."""
    if isinstance(value, bool) or isinstance(value, (int, float, str)):
        return value
    return str(value)


def _write(log_dir, *summaries):
    from tensorboard.compat.proto import event_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter
    writer = EventFileWriter(str(log_dir))
    try:
        for summary in summaries:
            writer.add_event(event_pb2.Event(wall_time=time.time(), step=0, summary=summary))
    finally:
        writer.close()


def write_experiment(log_root, parameters, tags):
    """The experiment summary: which hyperparameters and metrics the table shows.

    Args:
        log_root: the sweep's log folder (``tensorboard --logdir`` points here).
        parameters: ``{dotted.key: [values] | Range}`` of the sweep.
        tags: the metric tags (``valid/loss``, ``train/accuracy``, ...).
    """
    from tensorboard.plugins.hparams import summary_v2 as hp
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
    metrics = [hp.Metric(tag, display_name=tag) for tag in tags]
    _write(log_root, hp.hparams_config_pb(hparams=hparams, metrics=metrics))


def write_session(log_dir, trial_id, params, status="done", start_time=None):
    """One trial's session: its hyperparameter values, then its end status.

    Args:
        log_dir: the trial's log folder (where its scalars are).
        trial_id: the session's name in the table.
        params: ``{dotted.key: value}``.
        status: ``done`` or ``failed``.
        start_time: the trial's start (seconds since the epoch).
    """
    from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2
    from tensorboard.plugins.hparams import summary_v2 as hp
    values = {k: _hp_value(v) for k, v in params.items()}
    start = hp.hparams_pb(values, trial_id=trial_id, start_time_secs=start_time)
    # The session's end, built as summary_v2 builds its start (the v1 helper needs
    # TensorFlow).
    end_info = plugin_data_pb2.SessionEndInfo(
        status=api_pb2.STATUS_SUCCESS if status == "done" else api_pb2.STATUS_FAILURE,
        end_time_secs=time.time())
    end = hp._summary_pb(metadata.SESSION_END_INFO_TAG,
                         plugin_data_pb2.HParamsPluginData(session_end_info=end_info))
    _write(log_dir, start, end)
