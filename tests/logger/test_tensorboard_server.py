"""The event files open in a real TensorBoard server (loopback only)."""
import urllib.parse

import numpy as np
import pytest

from framework.logger import TensorboardWriter

pytestmark = pytest.mark.slow


def test_tensorboard_server_shows_written_scalars(tmp_path, tensorboard_server):
    log_dir = tmp_path / "log"
    with TensorboardWriter(log_dir) as tb:
        for step in range(1, 6):
            tb.add_scalars({"loss": 1.0 / step}, step, prefix="train")
        tb.add_histogram("weights/w", np.arange(100.0), 5)

    server = tensorboard_server(log_dir)
    runs = server.poll("/data/runs", lambda r: bool(r))
    assert runs == ["."]  # event files directly in the logdir form the run "."
    query = urllib.parse.urlencode({"run": runs[0], "tag": "train/loss"})
    rows = server.poll(f"/data/plugin/scalars/scalars?{query}",
                       lambda r: isinstance(r, list) and len(r) == 5)
    assert [step for _, step, _ in rows] == [1, 2, 3, 4, 5]
    np.testing.assert_allclose([v for _, _, v in rows], 1.0 / np.arange(1, 6), rtol=1e-6)
    query = urllib.parse.urlencode({"run": runs[0], "tag": "weights/w"})
    histos = server.get_json(f"/data/plugin/histograms/histograms?{query}")
    assert len(histos) == 1 and histos[0][1] == 5
    assert sum(bucket[2] for bucket in histos[0][2]) == pytest.approx(100)
