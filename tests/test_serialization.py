"""framework.serialization: atomic, pickle-free .npz with JSON metadata."""
import os
import zipfile

import numpy as np
import pytest

import framework.serialization as ser
from framework.errors import CheckpointError
from framework.serialization import METADATA_KEY, atomic_write, load_npz, save_npz


def _arrays():
    rng = np.random.default_rng(0)
    return {
        "model/fc.weight": rng.standard_normal((4, 3)).astype(np.float32),
        "model/fc.bias": np.zeros(4, np.float32),
        "steps": np.array(7, dtype=np.int64),
        "flags": np.array([True, False]),
        "names": np.array(["a", "bc"]),
        "file": np.arange(3),  # np.savez's own parameter name: must still work
    }


def test_round_trip_arrays_and_metadata(tmp_path):
    path = tmp_path / "a.npz"
    meta = {"epoch": 3, "best": float("inf"), "lr": np.float32(0.5), "betas": (0.9, 0.99),
            "config": {"name": "x", "nested": [1, None, "é"]}}
    save_npz(path, _arrays(), meta)
    arrays, loaded = load_npz(path)
    assert list(arrays) == list(_arrays())  # insertion order kept
    for key, value in _arrays().items():
        assert arrays[key].dtype == value.dtype and arrays[key].shape == value.shape
        np.testing.assert_array_equal(arrays[key], value)
    assert loaded == {"epoch": 3, "best": float("inf"), "lr": 0.5, "betas": [0.9, 0.99],
                      "config": {"name": "x", "nested": [1, None, "é"]}}


def test_plain_numpy_loads_it_without_pickle(tmp_path):
    path = tmp_path / "a.npz"
    save_npz(path, {"w": np.ones(2)}, {"k": 1})
    with np.load(path, allow_pickle=False) as f:
        assert sorted(f.files) == [METADATA_KEY, "w"]
        assert f[METADATA_KEY].dtype == np.uint8


def test_no_metadata_gives_none(tmp_path):
    save_npz(tmp_path / "a.npz", {"w": np.ones(2)})
    arrays, meta = load_npz(tmp_path / "a.npz")
    assert meta is None and list(arrays) == ["w"]


def test_loads_numpy_savez_files(tmp_path):
    np.savez(tmp_path / "plain.npz", x=np.arange(5))
    arrays, meta = load_npz(tmp_path / "plain.npz")
    np.testing.assert_array_equal(arrays["x"], np.arange(5))
    assert meta is None


def test_device_arrays_are_copied_with_get(tmp_path):
    class FakeDeviceArray:  # the part of cupy's ndarray save_npz relies on
        __cuda_array_interface__ = {}

        def get(self):
            return np.array([1.5, 2.5])

    save_npz(tmp_path / "a.npz", {"w": FakeDeviceArray()})
    np.testing.assert_array_equal(load_npz(tmp_path / "a.npz")[0]["w"], [1.5, 2.5])


@pytest.mark.parametrize("arrays, exc, words", [
    ({"o": np.array([1, None], dtype=object)}, TypeError, ["'o'", "pickle"]),
    ({1: np.ones(1)}, TypeError, ["strings"]),
    ({"": np.ones(1)}, ValueError, ["non-empty"]),
    ({METADATA_KEY: np.ones(1)}, ValueError, ["reserved"]),
])
def test_bad_input_is_rejected_before_writing(tmp_path, arrays, exc, words):
    path = tmp_path / "a.npz"
    with pytest.raises(exc) as info:
        save_npz(path, arrays)
    assert all(w in str(info.value) for w in words)
    assert os.listdir(tmp_path) == []


def test_unserializable_metadata_is_rejected(tmp_path):
    with pytest.raises(TypeError, match="not JSON serializable"):
        save_npz(tmp_path / "a.npz", {"w": np.ones(1)}, {"bad": object()})
    with pytest.raises(TypeError, match="dict"):
        save_npz(tmp_path / "a.npz", {"w": np.ones(1)}, [1, 2])
    assert os.listdir(tmp_path) == []


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_npz(tmp_path / "nope" / "a.npz", {"w": np.ones(1)})


def test_failure_mid_write_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "a.npz"
    save_npz(path, {"w": np.ones(3)}, {"epoch": 1})
    calls = []

    def exploding_write_array(fp, arr, **kwargs):
        calls.append(arr.shape)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_write_array(fp, arr, **kwargs)

    real_write_array = np.lib.format.write_array
    monkeypatch.setattr(np.lib.format, "write_array", exploding_write_array)
    with pytest.raises(OSError, match="disk full"):
        save_npz(path, {"w": np.zeros(3), "v": np.zeros(2)}, {"epoch": 2})
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["a.npz"]  # no temp file left behind
    arrays, meta = load_npz(path)
    np.testing.assert_array_equal(arrays["w"], np.ones(3))
    assert meta == {"epoch": 1}


def test_failure_at_rename_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "a.npz"
    save_npz(path, {"w": np.ones(3)})

    def failing_replace(src, dst):
        raise PermissionError("rename refused")

    monkeypatch.setattr(ser.os, "replace", failing_replace)
    with pytest.raises(PermissionError):
        save_npz(path, {"w": np.zeros(3)})
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["a.npz"]
    np.testing.assert_array_equal(load_npz(path)[0]["w"], np.ones(3))


def test_write_is_fsynced_before_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(ser.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd)))
    monkeypatch.setattr(ser.os, "replace",
                        lambda a, b: (events.append("replace"), real_replace(a, b)))
    save_npz(tmp_path / "a.npz", {"w": np.ones(3)})
    assert events[:2] == ["fsync", "replace"]
    assert events.count("fsync") == 2  # the file, then the folder (on POSIX)


def test_atomic_write_overwrites(tmp_path):
    path = tmp_path / "t.txt"
    atomic_write(path, lambda f: f.write(b"one"))
    atomic_write(path, lambda f: f.write(b"two"))
    assert path.read_bytes() == b"two"
    assert os.listdir(tmp_path) == ["t.txt"]


# -- damaged and foreign files ---------------------------------------------------------

def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        load_npz(tmp_path / "nope.npz")


def test_folder(tmp_path):
    with pytest.raises(IsADirectoryError):
        load_npz(tmp_path)


@pytest.mark.parametrize("cut", [0, 10, 200, -30])
def test_truncated_file(tmp_path, cut):
    good = tmp_path / "good.npz"
    save_npz(good, _arrays(), {"epoch": 1})
    data = good.read_bytes()
    bad = tmp_path / "bad.npz"
    bad.write_bytes(data[:cut] if cut >= 0 else data[:len(data) + cut])
    with pytest.raises(CheckpointError) as info:
        load_npz(bad)
    assert "bad.npz" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_flipped_byte_is_detected(tmp_path):
    path = tmp_path / "a.npz"
    save_npz(path, {"w": np.arange(100.0)})
    data = bytearray(path.read_bytes())
    data[400] ^= 0xFF  # inside the array payload: the zip CRC catches it
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="corrupt"):
        load_npz(path)


def test_not_an_npz(tmp_path):
    (tmp_path / "t.npz").write_text("hello world")
    with pytest.raises(CheckpointError, match="not an .npz archive"):
        load_npz(tmp_path / "t.npz")
    np.save(tmp_path / "one.npy", np.ones(3))
    with pytest.raises(CheckpointError, match="single .npy array"):
        load_npz(tmp_path / "one.npy")


def test_object_arrays_are_refused(tmp_path):
    np.savez(tmp_path / "o.npz", o=np.array([{"a": 1}], dtype=object))
    with pytest.raises(CheckpointError, match="pickle"):
        load_npz(tmp_path / "o.npz")


def test_non_array_entry(tmp_path):
    with zipfile.ZipFile(tmp_path / "z.npz", "w") as zf:
        zf.writestr("readme.txt", "not an array")
    with pytest.raises(CheckpointError, match="not a numpy array"):
        load_npz(tmp_path / "z.npz")


@pytest.mark.parametrize("payload, words", [
    (np.frombuffer(b"{not json", dtype=np.uint8), "not valid JSON"),
    (np.frombuffer(b"[1, 2]", dtype=np.uint8), "JSON object"),
    (np.frombuffer(b"\xff\xfe", dtype=np.uint8), "UTF-8"),
    (np.ones(3), "not JSON text"),
])
def test_bad_metadata(tmp_path, payload, words):
    np.savez(tmp_path / "m.npz", **{"w": np.ones(1), METADATA_KEY: payload})
    with pytest.raises(CheckpointError, match=words):
        load_npz(tmp_path / "m.npz")
