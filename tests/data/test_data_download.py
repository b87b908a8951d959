"""Verified atomic downloads, against a local HTTP server on 127.0.0.1."""
import gzip
import http.server
import os
import threading
from pathlib import Path

import numpy as np
import pytest

from framework.data import download, read_content, sha256_hex
from framework.errors import ChecksumError, DataError
from plugins.datasets import MNIST



class Server:
    """Serve ``routes`` ({"/path": bytes}); ``short`` routes send half their declared length."""

    def __init__(self):
        self.routes, self.short, self.hits = {}, set(), []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                owner.hits.append(self.path)
                body = owner.routes.get(self.path)
                if body is None:
                    self.send_error(404, "no such file")
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[:len(body) // 2] if self.path in owner.short else body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def server(monkeypatch):
    # A proxy configured in the environment must not intercept loopback requests.
    for var in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(var, "127.0.0.1,localhost")
    s = Server()
    yield s
    s.close()


def payload():
    content = bytes(range(256)) * 64
    return content, gzip.compress(content), sha256_hex(content)


def test_good_file_is_verified_and_renamed_into_place(tmp_path, server, monkeypatch):
    content, packed, sha = payload()
    server.routes["/f.gz"] = packed
    renames, syncs = [], []
    real_replace, real_fsync = os.replace, os.fsync
    monkeypatch.setattr(os, "replace", lambda a, b: renames.append((a, b)) or
                        real_replace(a, b))
    monkeypatch.setattr(os, "fsync", lambda fd: syncs.append(fd) or real_fsync(fd))
    dest = tmp_path / "sub" / "f.gz"
    assert download(f"{server.url}/f.gz", dest, sha) == dest
    assert dest.read_bytes() == packed and read_content(dest) == content
    assert os.listdir(dest.parent) == ["f.gz"]
    (src, dst), = renames  # one rename from a temp file in the same folder
    assert Path(src).parent == dest.parent and Path(src).name.startswith(".f.gz.")
    assert Path(dst) == dest and syncs


def test_raw_file_is_checked_on_its_bytes(tmp_path, server):
    server.routes["/raw"] = b"plain bytes"
    dest = download(f"{server.url}/raw", tmp_path / "raw", sha256_hex(b"plain bytes"))
    assert dest.read_bytes() == b"plain bytes"


@pytest.mark.parametrize("kind", ["corrupted", "truncated-gzip", "short-transfer", "404"])
def test_bad_download_is_rejected_and_leaves_nothing(tmp_path, server, kind):
    content, packed, sha = payload()
    if kind == "corrupted":
        server.routes["/f.gz"] = gzip.compress(content[:-1] + b"\x00")
        error, match = ChecksumError, "checksum mismatch"
    elif kind == "truncated-gzip":
        server.routes["/f.gz"] = packed[:len(packed) // 2]
        error, match = ChecksumError, "corrupt or truncated gzip"
    elif kind == "short-transfer":
        server.routes["/f.gz"] = packed
        server.short.add("/f.gz")
        error, match = DataError, "truncated"
    else:
        error, match = DataError, "HTTP 404"
    dest = tmp_path / "f.gz"
    with pytest.raises(error, match=match) as info:
        download(f"{server.url}/f.gz", dest, sha)
    assert f"{server.url}/f.gz" in str(info.value)
    assert os.listdir(tmp_path) == []


def test_failed_download_keeps_the_previous_file(tmp_path, server):
    dest = tmp_path / "f.gz"
    dest.write_bytes(b"old")
    server.routes["/f.gz"] = gzip.compress(b"wrong")
    with pytest.raises(ChecksumError, match="nothing was written"):
        download(f"{server.url}/f.gz", dest, sha256_hex(b"right"))
    assert dest.read_bytes() == b"old" and os.listdir(tmp_path) == ["f.gz"]


def test_unreachable_server_is_a_data_error(tmp_path, monkeypatch):
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with pytest.raises(DataError, match="download of http://127.0.0.1:9/x failed"):
        download("http://127.0.0.1:9/x", tmp_path / "x", "0" * 64, timeout=5)
    assert os.listdir(tmp_path) == []


def tiny_mnist(server):
    """Serve tiny IDX files under /mirror/ and return a MNIST subclass for them."""
    rng = np.random.default_rng(1)
    files = {}
    for split, n in (("train", 5), ("test", 3)):
        entry = []
        for name, array in ((f"{'t10k' if split == 'test' else 'train'}-images-idx3-ubyte",
                             rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)),
                            (f"{'t10k' if split == 'test' else 'train'}-labels-idx1-ubyte",
                             rng.integers(0, 10, n).astype(np.uint8))):
            header = bytes([0, 0, 8, array.ndim]) + b"".join(
                d.to_bytes(4, "big") for d in array.shape)
            content = header + array.tobytes()
            server.routes[f"/mirror/{name}.gz"] = gzip.compress(content)
            entry.append((name, sha256_hex(content)))
        files[split] = tuple(entry)
    return type("TinyMNIST", (MNIST,), {"files": files})


def test_dataset_download_writes_into_its_folder_once(tmp_path, server):
    cls = tiny_mnist(server)
    ds = cls(data_dir=tmp_path, train=True, download=True, mirror=f"{server.url}/mirror")
    assert len(ds) == 5 and ds.data.shape == (5, 1, 28, 28)
    assert sorted(os.listdir(tmp_path / "mnist")) == [
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
    hits = len(server.hits)
    again = cls(data_dir=tmp_path, train=True, download=True, mirror=f"{server.url}/mirror")
    np.testing.assert_array_equal(again.data, ds.data)
    assert len(server.hits) == hits  # present files are not fetched again


def test_dataset_without_download_does_not_fetch(tmp_path, server):
    cls = tiny_mnist(server)
    with pytest.raises(DataError, match="download: true"):
        cls(data_dir=tmp_path, train=False, mirror=f"{server.url}/mirror")
    assert server.hits == []


def test_dataset_download_rejects_corrupt_file(tmp_path, server):
    cls = tiny_mnist(server)
    server.routes["/mirror/t10k-images-idx3-ubyte.gz"] = gzip.compress(b"\0\0\x08\x01" + b"x")
    with pytest.raises(ChecksumError, match="t10k-images-idx3-ubyte.gz"):
        cls(data_dir=tmp_path, train=False, download=True, mirror=f"{server.url}/mirror")
    assert not list((tmp_path / "mnist").iterdir())


def test_real_mnist_checksums_through_download(tmp_path, server, shared_file):
    folder = shared_file("mnist/t10k-images-idx3-ubyte.gz").parent
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        server.routes[f"/m/{name}"] = (folder / name).read_bytes()
    ds = MNIST(data_dir=tmp_path, train=False, download=True, mirror=f"{server.url}/m/")
    assert len(ds) == 10000
    assert server.hits == ["/m/t10k-images-idx3-ubyte.gz", "/m/t10k-labels-idx1-ubyte.gz"]

