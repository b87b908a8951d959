"""TensorBoard's HPARAMS table: one session per run, its hyperparameters and final metrics.

Written with the ``tensorboard`` package's own protos (``plugins.hparams.summary_v2``
for the experiment and the session start; the session end is the same plugin-data
message ``summary_v2`` builds, since the module that offers it imports TensorFlow)
through a :class:`~framework.logger.TensorboardWriter`; no TensorFlow.

A session is one run folder: it starts with its hyperparameters, gets its metrics as
ordinary scalars (``hparams/<name>``, the tags the experiment lists) and ends with a
status.  Sweeps call :func:`write_hparams` once per trial folder::

    with TensorboardWriter(trial_dir) as tb:
        write_hparams(tb, {"lr": 1e-3, "arch.type": "mlp"}, {"val_loss": 0.21})
"""
import math
import time

__all__ = ["flatten_hparams", "write_session_start", "write_session_end", "write_metrics",
           "write_hparams", "METRIC_PREFIX", "STATUSES"]

#: Tag prefix of the final metric scalars the HPARAMS table shows.
METRIC_PREFIX = "hparams"
#: Session statuses TensorBoard knows.
STATUSES = ("success", "failure", "running", "unknown")


def flatten_hparams(config, exclude=(), prefix=""):
    """Flatten a nested config into ``{"optimizer.args.lr": 0.001, ...}``.

    Values TensorBoard cannot hold (lists, None, other objects) become strings; keys
    equal to or under an ``exclude`` entry are left out.

    Args:
        config: a nested mapping (e.g. ``config_to_dict(cfg)``).
        exclude: dotted keys to leave out (``"trainer.save_dir"``, ``"plugins"``).
        prefix: prepended to every key.

    Returns:
        A flat dict of bool, int, float and str values, in the config's order.
    """
    out = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if any(name == e or name.startswith(e + ".") for e in exclude):
            continue
        if isinstance(value, dict) and value:
            out.update(flatten_hparams(value, exclude, prefix=f"{name}."))
        elif isinstance(value, (bool, str)) or isinstance(value, int):
            out[name] = value
        elif isinstance(value, float):
            out[name] = value if math.isfinite(value) else str(value)
        else:
            out[name] = "null" if value is None else str(value)
    return out


def _api():
    from tensorboard.plugins.hparams import api_pb2, summary_v2
    return api_pb2, summary_v2


def write_session_start(writer, hparams, metrics=(), trial_id=None, experiment=True,
                        start_time_secs=None):
    """Start a session: write its hyperparameters (and the experiment's layout).

    Args:
        writer: a TensorboardWriter for the session's folder.
        hparams: ``{name: bool | int | float | str}`` (see :func:`flatten_hparams`).
        metrics: the metric names the session will report (tags ``hparams/<name>``).
        trial_id: the session's name in the table (default: derived from the values).
        experiment: also write the experiment config (the columns of the table);
            a sweep writes it once at its root instead.
        start_time_secs: default now.
    """
    _, summary_v2 = _api()
    start = time.time() if start_time_secs is None else start_time_secs
    if experiment:
        columns = [summary_v2.HParam(name) for name in hparams]
        metric_infos = [summary_v2.Metric(f"{METRIC_PREFIX}/{m}") for m in metrics]
        writer.add_summary(summary_v2.hparams_config_pb(columns, metric_infos,
                                                        time_created_secs=start), step=0)
    writer.add_summary(summary_v2.hparams_pb(dict(hparams), trial_id=trial_id,
                                             start_time_secs=start), step=0)


def write_metrics(writer, metrics, step):
    """Write the session's metric values as scalars ``hparams/<name>``."""
    for name, value in metrics.items():
        writer.add_scalar(f"{METRIC_PREFIX}/{name}", float(value), step)


def write_session_end(writer, status="success", step=0, end_time_secs=None):
    """End the session with a status: success, failure, running or unknown.

    Raises:
        ValueError: an unknown status.
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    from tensorboard.plugins.hparams import metadata, plugin_data_pb2
    api_pb2, summary_v2 = _api()
    end = plugin_data_pb2.SessionEndInfo(
        status=api_pb2.Status.Value(f"STATUS_{status.upper()}"),
        end_time_secs=time.time() if end_time_secs is None else end_time_secs)
    data = plugin_data_pb2.HParamsPluginData(session_end_info=end)
    writer.add_summary(summary_v2._summary_pb(metadata.SESSION_END_INFO_TAG, data), step)


def write_hparams(writer, hparams, metrics, step=0, trial_id=None, status="success",
                  experiment=True):
    """Write a whole finished session: start, metric values, end."""
    write_session_start(writer, hparams, list(metrics), trial_id=trial_id,
                        experiment=experiment)
    write_metrics(writer, metrics, step)
    write_session_end(writer, status, step)
