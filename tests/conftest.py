"""Shared fixtures: the array backend under test, the GPU marker, the reference data."""
import os
from pathlib import Path

import numpy as np
import pytest

from framework import backend

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("ZERONN_SHARED_DATA", REPO.parent / "shared" / "data"))


def pytest_collection_modifyitems(config, items):
    gpu_items = [item for item in items if item.get_closest_marker("gpu") is not None]
    if not gpu_items:
        return
    ok, reason = backend.gpu_status()
    if not ok:
        skip = pytest.mark.skip(reason=f"needs a GPU: {reason}")
        for item in gpu_items:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _reset_zeronn_logger():
    """Undo what ``setup_logging`` (run by train_main, test_main, ...) leaves on the
    ``zeronn`` logger: its handlers and ``propagate = False``.  Left in place, they leak
    into later tests (pytest attaches its capture handlers to non-propagating loggers),
    so that a test's outcome would depend on the order the tests run in."""
    yield
    from framework.logger import close_logging
    close_logging(all_handlers=True)


@pytest.fixture(params=["numpy", pytest.param("cupy", marks=pytest.mark.gpu)])
def xp(request):
    """The array module under test: numpy always, cupy where a GPU answers."""
    if request.param == "numpy":
        return np
    import cupy
    return cupy


@pytest.fixture
def shared_data():
    """The folder of reference data sets beside the checkout; skips where it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (set ZERONN_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture
def shared_file():
    """``shared_file("iris/iris.csv") -> Path`` inside the reference data folder; skips
    the test, naming the path, where that file is absent (as ``shared_data``)."""
    def find(relative):
        path = SHARED_DATA / relative
        if not path.exists():
            pytest.skip(f"reference data not found at {path} (set ZERONN_SHARED_DATA)")
        return path
    return find


class TensorboardServer:
    """A ``tensorboard`` server on 127.0.0.1 for one log folder, with JSON helpers."""

    def __init__(self, logdir, workdir):
        import socket
        import subprocess
        import sys
        import urllib.request

        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        self.log_path = Path(workdir) / "tensorboard.out"
        with open(self.log_path, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tensorboard.main", "--logdir", str(logdir),
                 "--host", "127.0.0.1", "--port", str(port), "--load_fast=false"],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                # tensorboard keeps a .tensorboard-info folder in the temp folder: the
                # test's own, not the machine's
                env=dict(os.environ, TMPDIR=str(workdir)))

    def get_bytes(self, path, data=None):
        """GET ``path`` (POST ``data`` bytes as JSON when given); the body's bytes."""
        import urllib.request
        request = urllib.request.Request(self.base + path, data=data)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with self._opener.open(request, timeout=5) as response:
            return response.read()

    def get_json(self, path, data=None):
        import json
        return json.loads(self.get_bytes(path, data).decode("utf-8"))

    def poll(self, path, ready, timeout=30.0, data=None):
        """GET ``path`` (POST ``data``) until ``ready(answer)``; fails the test with the
        server log on timeout."""
        import json
        import time
        import urllib.error

        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"tensorboard exited with {self.proc.returncode}:\n"
                            f"{self.log_path.read_text()}")
            try:
                last = self.get_json(path, data)
                if ready(last):
                    return last
            except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
                pass
            time.sleep(0.2)
        pytest.fail(f"no answer from {path} in time (last: {last!r}):\n{self.log_path.read_text()}")

    def stop(self):
        import subprocess
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def tensorboard_server(tmp_path):
    """``start(logdir) -> TensorboardServer``; every server is stopped after the test."""
    servers = []

    def start(logdir):
        server = TensorboardServer(logdir, tmp_path)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
