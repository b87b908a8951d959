"""The event files open in a real TensorBoard server (loopback only)."""
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import numpy as np
import pytest

from framework.logger import TensorboardWriter

pytestmark = pytest.mark.slow

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get_json(url):
    with _OPENER.open(url, timeout=5) as response:
        return json.loads(response.read().decode("utf-8"))


def _poll(url, ready, deadline, proc, log_path):
    last = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"tensorboard exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            last = _get_json(url)
            if ready(last):
                return last
        except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
            pass
        time.sleep(0.2)
    pytest.fail(f"no answer from {url} in time (last: {last!r}):\n{log_path.read_text()}")


def test_tensorboard_server_shows_written_scalars(tmp_path):
    log_dir = tmp_path / "log"
    with TensorboardWriter(log_dir) as tb:
        for step in range(1, 6):
            tb.add_scalars({"loss": 1.0 / step}, step, prefix="train")
        tb.add_histogram("weights/w", np.arange(100.0), 5)

    port = _free_port()
    log_path = tmp_path / "tensorboard.out"
    with open(log_path, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tensorboard.main", "--logdir", str(log_dir),
             "--host", "127.0.0.1", "--port", str(port), "--load_fast=false"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        runs = _poll(f"{base}/data/runs", lambda r: bool(r), deadline, proc, log_path)
        assert runs == ["."]  # event files directly in the logdir form the run "."
        query = urllib.parse.urlencode({"run": runs[0], "tag": "train/loss"})
        rows = _poll(f"{base}/data/plugin/scalars/scalars?{query}",
                     lambda r: isinstance(r, list) and len(r) == 5, deadline, proc, log_path)
        assert [step for _, step, _ in rows] == [1, 2, 3, 4, 5]
        np.testing.assert_allclose([v for _, _, v in rows], 1.0 / np.arange(1, 6), rtol=1e-6)
        query = urllib.parse.urlencode({"run": runs[0], "tag": "weights/w"})
        histos = _get_json(f"{base}/data/plugin/histograms/histograms?{query}")
        assert len(histos) == 1 and histos[0][1] == 5
        assert sum(bucket[2] for bucket in histos[0][2]) == pytest.approx(100)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
