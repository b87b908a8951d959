"""TensorBoard event files written with the ``tensorboard`` package alone (no TF, no torch).

Scalars are ``simple_value`` summaries and histograms are legacy ``HistogramProto``
messages filled from ``np.histogram`` (TensorBoard's own ``histogram_pb`` builds a one-hot
matrix per value: about 13x slower and 35x more memory on a million values).  Both show
in TensorBoard's scalar, histogram and distribution dashboards.
"""
import logging
import time

import numpy as np

from framework.backend import as_numpy

__all__ = ["TensorboardWriter"]

_log = logging.getLogger("zeronn.logger")


_to_numpy = as_numpy  # a Variable's data, a cupy array's host copy, a list


class TensorboardWriter:
    """Writes scalars and histograms for one run folder; does nothing when disabled.

    Args:
        log_dir: the folder for ``events.out.tfevents.*`` files (created if needed); may
            be None when disabled.
        enabled: False makes every method a no-op and creates no file.  When the
            ``tensorboard`` package cannot be imported the writer warns once and
            disables itself.
        flush_secs: how often the background thread flushes on its own.

    Example::

        with TensorboardWriter(log_dir) as tb:
            tb.add_scalar("train/loss", 0.42, step=10)
            tb.add_scalars({"loss": 0.40, "accuracy": 0.91}, step=1, prefix="valid")
            tb.add_histogram("weights/fc.weight", model.fc.weight.data, step=1)
    """

    def __init__(self, log_dir, enabled=True, flush_secs=10):
        self.log_dir = log_dir
        self.enabled = bool(enabled)
        self._writer = None
        if not self.enabled:
            return
        if log_dir is None:
            raise ValueError("TensorboardWriter needs a log_dir when enabled")
        try:
            from tensorboard.compat.proto import event_pb2, summary_pb2
            from tensorboard.compat.proto.histogram_pb2 import HistogramProto
            from tensorboard.summary.writer.event_file_writer import EventFileWriter
        except ImportError as exc:
            _log.warning("TensorBoard logging is off: the tensorboard package cannot be "
                         "imported (%s); install it with `pip install tensorboard`", exc)
            self.enabled = False
            return
        self._event_pb2, self._summary_pb2, self._histogram = event_pb2, summary_pb2, \
            HistogramProto
        self._writer = EventFileWriter(str(log_dir), max_queue_size=100,
                                       flush_secs=flush_secs)

    def _write(self, values, step, walltime):
        event = self._event_pb2.Event(
            wall_time=time.time() if walltime is None else walltime, step=int(step),
            summary=self._summary_pb2.Summary(value=values))
        self._writer.add_event(event)

    def add_scalar(self, tag, value, step, walltime=None):
        """Record one scalar.

        Args:
            tag: e.g. ``train/loss``.
            value: a number, 0-d/size-1 array, or anything ``float()`` accepts.
            step: the global step (batches seen) or the epoch.
            walltime: seconds since the epoch; default now.

        Raises:
            TypeError: the value is not a number.
        """
        if self._writer is None:
            return
        self.add_scalars({tag: value}, step, walltime=walltime)

    def add_scalars(self, values, step, prefix="", walltime=None):
        """Record several scalars as one event, tagged ``<prefix>/<name>``.

        Args:
            values: ``{name: number}``.
            step: the global step or epoch.
            prefix: e.g. ``valid`` gives ``valid/loss``; empty keeps the names.
            walltime: seconds since the epoch; default now.

        Raises:
            TypeError: a value is not a number (its tag is named).
        """
        if self._writer is None:
            return
        summary_values = []
        for name, value in values.items():
            tag = f"{prefix}/{name}" if prefix else str(name)
            try:
                number = float(_to_numpy(value).reshape(()))
            except (TypeError, ValueError):
                raise TypeError(f"TensorBoard scalar {tag!r} must be a number, got "
                                f"{type(value).__name__} {value!r:.60}") from None
            summary_values.append(self._summary_pb2.Summary.Value(tag=tag,
                                                                  simple_value=number))
        if summary_values:
            self._write(summary_values, step, walltime)

    def add_histogram(self, tag, values, step, bins=30, walltime=None):
        """Record the distribution of an array (weights, gradients, activations).

        Non-finite values are left out; an array without finite values is skipped.

        Args:
            tag: e.g. ``weights/fc.weight``.
            values: an array-like (numpy or cupy array, a Variable, a list).
            step: the global step or epoch.
            bins: number of equal-width buckets.
            walltime: seconds since the epoch; default now.
        """
        if self._writer is None:
            return
        arr = _to_numpy(values).astype(np.float64, copy=False).ravel()
        finite = arr[np.isfinite(arr)]
        if finite.size == 0:
            _log.debug("histogram %s at step %s skipped: no finite values", tag, step)
            return
        counts, edges = np.histogram(finite, bins=int(bins))
        histo = self._histogram(
            min=float(finite.min()), max=float(finite.max()), num=float(finite.size),
            sum=float(finite.sum()), sum_squares=float(np.dot(finite, finite)),
            bucket_limit=edges[1:].tolist(), bucket=counts.astype(np.float64).tolist())
        self._write([self._summary_pb2.Summary.Value(tag=tag, histo=histo)], step, walltime)

    def add_image(self, tag, image, step, walltime=None):
        """Record an image (shown in TensorBoard's image dashboard) as a PNG.

        Args:
            tag: e.g. ``valid/reconstructions``.
            image: ``uint8`` ``(H, W)`` or ``(H, W, C)`` (C 1, 3 or 4), or floats,
                scaled by :func:`framework.logger.images.to_uint8` (min..max -> 0..255).
            step: the global step or epoch.
            walltime: seconds since the epoch; default now.
        """
        if self._writer is None:
            return
        from framework.logger.images import encode_png, to_uint8
        array = _to_numpy(image)
        if array.dtype != np.uint8:
            array = to_uint8(array)
        png = encode_png(array)
        height, width = array.shape[:2]
        channels = 1 if array.ndim == 2 else array.shape[2]
        img = self._summary_pb2.Summary.Image(height=height, width=width,
                                              colorspace=channels,
                                              encoded_image_string=png)
        self._write([self._summary_pb2.Summary.Value(tag=tag, image=img)], step, walltime)

    def add_summary(self, summary, step, walltime=None):
        """Record a ready-made ``Summary`` proto (e.g. TensorBoard's hparams protos)."""
        if self._writer is None:
            return
        event = self._event_pb2.Event(
            wall_time=time.time() if walltime is None else walltime, step=int(step),
            summary=summary)
        self._writer.add_event(event)

    def flush(self):
        """Write everything queued to disk (blocks until done)."""
        if self._writer is not None:
            self._writer.flush()

    def close(self):
        """Flush and close the event file; later calls are no-ops."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
        return False

    def __repr__(self):
        state = "enabled" if self._writer is not None else "disabled"
        return f"TensorboardWriter({self.log_dir!r}, {state})"
