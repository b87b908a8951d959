"""framework.logger.TensorboardWriter: events read back with TensorBoard's own reader."""
import os

import numpy as np
import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from framework.logger import TensorboardWriter


def _read(log_dir):
    acc = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "histograms": 0,
                                                        "tensors": 0})
    acc.Reload()
    return acc


def _scalars(acc, tag):
    return [(e.step, e.value) for e in acc.Scalars(tag)]


def test_scalars_round_trip(tmp_path):
    with TensorboardWriter(tmp_path) as tb:
        for step in range(1, 101):
            tb.add_scalar("train/loss", 1.0 / step, step)
        tb.add_scalar("lr", np.float32(1e-3), 0)
        tb.add_scalar("train/acc", np.array(0.75), 5)  # 0-d arrays are fine
        tb.add_scalar("train/acc", np.array([0.8]), 6)  # so are size-1 arrays
    acc = _read(tmp_path)
    assert sorted(acc.Tags()["scalars"]) == ["lr", "train/acc", "train/loss"]
    loss = _scalars(acc, "train/loss")
    assert [s for s, _ in loss] == list(range(1, 101))  # nothing down-sampled
    np.testing.assert_allclose([v for _, v in loss], 1.0 / np.arange(1, 101), rtol=1e-6)
    assert _scalars(acc, "lr") == [(0, pytest.approx(1e-3))]
    assert _scalars(acc, "train/acc") == [(5, 0.75), (6, pytest.approx(0.8))]


def test_add_scalars_with_prefix(tmp_path):
    with TensorboardWriter(tmp_path) as tb:
        tb.add_scalars({"loss": 0.5, "accuracy": 0.9}, step=1, prefix="valid")
        tb.add_scalars({"loss": 0.4, "accuracy": 0.95}, step=2, prefix="valid")
        tb.add_scalars({"plain": 1}, step=3)
        tb.add_scalars({}, step=4)  # nothing to write, no error
    acc = _read(tmp_path)
    assert sorted(acc.Tags()["scalars"]) == ["plain", "valid/accuracy", "valid/loss"]
    assert _scalars(acc, "valid/loss") == [(1, 0.5), (2, pytest.approx(0.4))]
    assert _scalars(acc, "valid/accuracy") == [(1, pytest.approx(0.9)),
                                               (2, pytest.approx(0.95))]


def test_non_finite_scalars_are_kept(tmp_path):
    with TensorboardWriter(tmp_path) as tb:
        tb.add_scalar("loss", float("nan"), 1)
        tb.add_scalar("loss", float("inf"), 2)
    values = [v for _, v in _scalars(_read(tmp_path), "loss")]
    assert np.isnan(values[0]) and values[1] == float("inf")


def test_scalar_type_errors_name_the_tag(tmp_path):
    with TensorboardWriter(tmp_path) as tb:
        with pytest.raises(TypeError, match="'train/loss' must be a number"):
            tb.add_scalar("train/loss", "low", 1)
        with pytest.raises(TypeError, match="'valid/acc'"):
            tb.add_scalars({"acc": np.ones(3)}, 1, prefix="valid")


def test_histograms(tmp_path):
    values = np.random.default_rng(0).standard_normal(10_000).astype(np.float32)
    with TensorboardWriter(tmp_path) as tb:
        tb.add_histogram("weights/fc.weight", values, step=1)
        tb.add_histogram("weights/fc.weight", values * 2, step=2, bins=10)
    acc = _read(tmp_path)
    assert acc.Tags()["histograms"] == ["weights/fc.weight"]
    first, second = acc.Histograms("weights/fc.weight")
    assert (first.step, second.step) == (1, 2)
    h = first.histogram_value
    assert h.num == 10_000 and len(h.bucket) == 30 and sum(h.bucket) == 10_000
    assert h.min == pytest.approx(values.min()) and h.max == pytest.approx(values.max())
    assert h.sum == pytest.approx(values.sum(dtype=np.float64), rel=1e-6)
    assert h.sum_squares == pytest.approx(np.sum(values.astype(np.float64) ** 2), rel=1e-6)
    assert h.bucket_limit[-1] == pytest.approx(values.max())
    counts, edges = np.histogram(values.astype(np.float64), bins=30)
    np.testing.assert_array_equal(h.bucket, counts)
    np.testing.assert_allclose(h.bucket_limit, edges[1:])
    assert len(second.histogram_value.bucket) == 10
    # TensorBoard derives the distribution (compressed histogram) view from the same data
    assert acc.Tags()["distributions"] == ["weights/fc.weight"]


def test_histogram_of_non_finite_and_odd_inputs(tmp_path):
    class VariableLike:  # what framework.Variable / nn.Parameter look like to the writer
        data = np.arange(4.0)

    with TensorboardWriter(tmp_path) as tb:
        tb.add_histogram("mixed", np.array([1.0, np.nan, 2.0, np.inf, 3.0]), 1)
        tb.add_histogram("all_nan", np.full(3, np.nan), 1)  # skipped, not an error
        tb.add_histogram("constant", np.full(5, 7.0), 1)
        tb.add_histogram("list", [1, 2, 3], 1)
        tb.add_histogram("variable", VariableLike(), 1)
        tb.add_histogram("empty", np.zeros(0), 1)
    acc = _read(tmp_path)
    assert sorted(acc.Tags()["histograms"]) == ["constant", "list", "mixed", "variable"]
    assert acc.Histograms("mixed")[0].histogram_value.num == 3
    assert acc.Histograms("constant")[0].histogram_value.min == 7.0
    assert acc.Histograms("variable")[0].histogram_value.sum == 6.0


def test_device_arrays_are_fetched(tmp_path):
    class DeviceArray:
        __cuda_array_interface__ = {}

        def get(self):
            return np.array([1.0, 3.0])

    with TensorboardWriter(tmp_path) as tb:
        tb.add_histogram("h", DeviceArray(), 1)
        tb.add_scalar("s", type("D", (DeviceArray,), {"get": lambda self: np.array(2.5)})(), 1)
    acc = _read(tmp_path)
    assert acc.Histograms("h")[0].histogram_value.sum == 4.0
    assert _scalars(acc, "s") == [(1, 2.5)]


def test_enabled_writer_needs_a_folder():
    with pytest.raises(ValueError, match="log_dir"):
        TensorboardWriter(None)
    TensorboardWriter(None, enabled=False).close()


def test_disabled_writer_does_nothing(tmp_path):
    log_dir = tmp_path / "log"
    tb = TensorboardWriter(log_dir, enabled=False)
    tb.add_scalar("x", "not even a number", 1)
    tb.add_scalars({"a": 1}, 1, prefix="p")
    tb.add_histogram("h", np.ones(3), 1)
    tb.flush()
    tb.close()
    with tb:
        pass
    assert not log_dir.exists() and "disabled" in repr(tb)


def test_flush_makes_events_visible_before_close(tmp_path):
    tb = TensorboardWriter(tmp_path, flush_secs=3600)
    try:
        tb.add_scalar("loss", 0.3, 7)
        tb.flush()
        assert _scalars(_read(tmp_path), "loss") == [(7, pytest.approx(0.3))]
    finally:
        tb.close()
    tb.close()  # a second close is a no-op
    tb.add_scalar("loss", 0.1, 8)  # after close: ignored, not an error
    assert "disabled" in repr(tb)


def test_one_event_file_per_writer(tmp_path):
    with TensorboardWriter(tmp_path) as tb:
        tb.add_scalar("a", 1, 1)
    files = os.listdir(tmp_path)
    assert len(files) == 1 and files[0].startswith("events.out.tfevents.")


def test_large_histogram_needs_no_per_bucket_copy(tmp_path):
    # Its speed belongs to the benchmarks; what is checked here is deterministic: the
    # peak memory.  Counting through a (values x buckets) one-hot matrix, as
    # tensorboard's histogram_pb does, needs about 39 MB for these 4 MB of float32;
    # np.histogram on a float64 copy needs about 18 MB.
    import tracemalloc
    values = np.random.default_rng(1).standard_normal(1_000_000).astype(np.float32)
    with TensorboardWriter(tmp_path) as tb:
        tb.add_histogram("warm-up", values[:10], 0)  # first-call imports are not counted
        tracemalloc.start()
        try:
            tb.add_histogram("big", values, 1)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 4 * values.size * 8, f"peak {peak / 1e6:.1f} MB"
    histo = _read(tmp_path).Histograms("big")[0].histogram_value
    assert histo.num == 1_000_000 and sum(histo.bucket) == 1_000_000
    assert histo.min == pytest.approx(float(values.min()))
    assert histo.max == pytest.approx(float(values.max()))
    assert histo.sum == pytest.approx(float(values.astype(np.float64).sum()), rel=1e-9)
