"""fw.save / fw.load: pickle-free round trips, PyTorch .pt files, safetensors."""
import math
import os
import pickle
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

import framework as fw
from framework import nn
from framework.errors import CheckpointError

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_round_trip_of_a_nested_structure(tmp_path):
    model = nn.Linear(3, 2)
    t = fw.tensor([[1.0, 2.0]], requires_grad=True)
    obj = {"epoch": 3, "model": model.state_dict(), "best": 0.25, "name": "run-1",
           "flags": (True, None, [1, 2.5, "x"]), "opt": {"state": {0: {"buf": np.ones(2)}},
                                                         "param_groups": [{"lr": 0.1}]},
           "t": t, "p": model.weight, "s": np.float32(1.5), "i": np.int64(7),
           "nan": float("nan"), "dev": fw.device("cpu")}
    path = tmp_path / "ckpt.pt"
    fw.save(obj, path)
    back = fw.load(path)
    assert back["epoch"] == 3 and back["best"] == 0.25 and back["name"] == "run-1"
    assert back["flags"] == (True, None, [1, 2.5, "x"]) and isinstance(back["flags"], tuple)
    assert list(back["model"]) == ["weight", "bias"] and isinstance(back["model"], OrderedDict)
    assert np.array_equal(back["model"]["weight"], model.weight.data)
    assert type(back["model"]["weight"]) is np.ndarray
    assert list(back["opt"]["state"]) == [0] and back["opt"]["state"][0]["buf"].tolist() == [1, 1]
    assert isinstance(back["t"], fw.Tensor) and back["t"].requires_grad and back["t"].tolist() == [[1, 2]]
    assert isinstance(back["p"], nn.Parameter)
    assert back["s"] == np.float32(1.5) and back["s"].dtype == np.float32 and back["i"] == 7
    assert math.isnan(back["nan"]) and back["dev"] == "cpu"
    with np.load(path, allow_pickle=False) as z:  # the file needs no pickle to open
        assert "__metadata__" in z.files


def test_file_objects_as_pytorch_scripts_pass_them(tmp_path):
    import io
    state = {"w": fw.tensor([[1.0, 2.0]]), "step": 3}
    with open(tmp_path / "model.pt", "wb") as f:
        fw.save(state, f)
    with open(tmp_path / "model.pt", "rb") as f:
        back = fw.load(f)
    assert back["step"] == 3 and back["w"].tolist() == [[1.0, 2.0]]
    buffer = io.BytesIO()
    fw.save(state, buffer)
    buffer.seek(0)
    assert fw.load(buffer)["w"].tolist() == [[1.0, 2.0]]
    # a whole model needs pickle: refused by name before a byte is written
    empty = io.BytesIO()
    with pytest.raises(TypeError, match=r"obj is a Linear, which cannot be saved without "
                                         r"pickle; .*model.state_dict\(\), not the model"):
        fw.save(fw.nn.Linear(2, 3), empty)
    assert empty.getvalue() == b""
    with open(FIXTURES / "lenet_state_dict.pt", "rb") as f:  # PyTorch's own file, opened
        assert sorted(fw.load(f)) == sorted(fw.load(FIXTURES / "lenet_state_dict.pt"))


def test_state_dict_save_and_load_state_dict(tmp_path):
    a, b = nn.Linear(4, 3), nn.Linear(4, 3)
    fw.save(a.state_dict(), tmp_path / "m.pth")
    b.load_state_dict(fw.load(tmp_path / "m.pth"))
    assert np.array_equal(a.weight.data, b.weight.data) and np.array_equal(a.bias.data, b.bias.data)


def test_what_needs_pickle_is_refused_naming_it(tmp_path):
    with pytest.raises(TypeError, match=r"obj\['model'\] is a Linear.*state_dict"):
        fw.save({"model": nn.Linear(2, 2)}, tmp_path / "x.pt")
    with pytest.raises(TypeError, match="object array"):
        fw.save([np.array([object()])], tmp_path / "x.pt")
    assert not os.listdir(tmp_path)


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.pt"
    fw.save({"step": 1, "w": np.zeros(3)}, path)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", broken)
    with pytest.raises(OSError, match="disk full"):
        fw.save({"step": 2, "w": np.ones(3)}, path)
    monkeypatch.undo()
    assert fw.load(path)["step"] == 1 and os.listdir(tmp_path) == ["ckpt.pt"]


# ---------------------------------------------------------------------- PyTorch files
class LeNet(nn.Module):
    """The fixture's model (tests/tensor/fixtures/make_fixtures.py) in framework.nn."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.bn1 = nn.BatchNorm2d(6)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 10)


def test_reads_a_pytorch_state_dict():
    sd = fw.load(FIXTURES / "lenet_state_dict.pt")
    with np.load(FIXTURES / "lenet_state_dict_reference.npz") as ref:
        assert list(sd) == list(ref.files)
        for key in ref.files:
            assert isinstance(sd[key], fw.Tensor) and sd[key].dtype == ref[key].dtype, key
            assert np.array_equal(sd[key].numpy(), ref[key]), key
    assert sd["bn1.num_batches_tracked"].dtype == np.int64 and sd["bn1.num_batches_tracked"].item() == 2
    model = LeNet()
    missing, unexpected = model.load_state_dict(sd)
    assert not missing and not unexpected
    assert np.array_equal(model.fc2.weight.data, sd["fc2.weight"].numpy())


def test_reads_a_pytorch_optimizer_state_dict():
    osd = fw.load(FIXTURES / "sgd_momentum_state_dict.pt")
    group, = osd["param_groups"]
    assert group["lr"] == 0.01 and group["momentum"] == 0.9 and group["nesterov"] is False
    assert group["foreach"] is None and group["params"] == list(range(10))
    with np.load(FIXTURES / "sgd_momentum_reference.npz") as ref:
        assert sorted(osd["state"]) == sorted(int(k) for k in ref.files)
        for k in ref.files:
            assert np.array_equal(osd["state"][int(k)]["momentum_buffer"].numpy(), ref[k])


def test_a_pt_file_that_calls_os_system_is_refused_and_never_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the payload would create a file in the working folder
    with pytest.raises(CheckpointError, match=r"refusing to load global '(posix|nt|os)\.system'"):
        fw.load(FIXTURES / "malicious.pt")
    assert not (tmp_path / "zeronn_fixture_was_executed").exists()


class _CallsEval:
    def __reduce__(self):
        return eval, ("1 + 1",)


def test_any_other_global_is_refused_by_name(tmp_path):
    path = tmp_path / "evil.pt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("evil/data.pkl", pickle.dumps({"x": _CallsEval()}, protocol=2))
        zf.writestr("evil/byteorder", "little")
    with pytest.raises(CheckpointError, match=r"refusing to load global 'builtins\.eval'"):
        fw.load(path)


def _pt(path, obj):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps(obj, protocol=2))
        zf.writestr("archive/byteorder", "little")
    return path


def test_numpy_arrays_saved_with_torch_save_load(tmp_path):
    # torch.save(np_array, f), as pytorch/examples time_sequence_prediction stores its data
    data = {"x": np.sin(np.arange(12.0)).reshape(3, 4), "n": np.arange(5, dtype=np.int64),
            "mask": np.array([True, False]), "f": np.asfortranarray(np.ones((2, 3), np.float32)),
            "scalar": np.float32(2.5), "nested": [np.zeros(2, np.int8)]}
    back = fw.load(_pt(tmp_path / "arrays.pt", data))
    for key in ("x", "n", "mask", "f"):
        assert type(back[key]) is np.ndarray and back[key].dtype == data[key].dtype
        np.testing.assert_array_equal(back[key], data[key])
    assert back["scalar"] == np.float32(2.5) and back["scalar"].dtype == np.float32
    np.testing.assert_array_equal(back["nested"][0], np.zeros(2, np.int8))


def test_numpy_arrays_do_not_open_a_way_to_run_code(tmp_path):
    boxed = np.empty(1, dtype=object)
    boxed[0] = _CallsEval()
    with pytest.raises(CheckpointError, match=r"refusing to load global 'builtins\.eval'"):
        fw.load(_pt(tmp_path / "object.pt", boxed))
    with pytest.raises(CheckpointError, match=r"refusing to load global 'numpy\.matrix"):
        fw.load(_pt(tmp_path / "matrix.pt", np.asmatrix(np.eye(2))))


def test_a_damaged_tensor_layout_is_refused(tmp_path):
    """A record whose size reaches past its storage must not read foreign memory."""
    src = zipfile.ZipFile(FIXTURES / "lenet_state_dict.pt")
    name = next(n for n in src.namelist() if n.endswith("data.pkl"))
    raw = src.read(name)
    # conv1.weight is (6, 1, 5, 5); claim 60 output channels over the same storage
    bad = raw.replace(b"K\x06K\x01K\x05K\x05", b"K<K\x01K\x05K\x05", 1)
    assert bad != raw
    path = tmp_path / "bad.pt"
    with zipfile.ZipFile(path, "w") as zf:
        for n in src.namelist():
            zf.writestr(n, bad if n == name else src.read(n))
    with pytest.raises(CheckpointError, match="beyond storage"):
        fw.load(path)


# ---------------------------------------------------------------------- safetensors
def test_reads_a_safetensors_fixture():
    sd = fw.load(FIXTURES / "small.safetensors")
    assert sd["weight"].numpy().tolist() == [[0, 1, 2], [3, 4, 5]] and sd["weight"].dtype == np.float32
    assert sd["bias"].tolist() == [1, -1] and sd["bias"].dtype == np.int64


def test_safetensors_round_trip(tmp_path):
    from safetensors.numpy import load_file
    model = nn.Linear(3, 2)
    path = tmp_path / "model.safetensors"
    fw.save(model.state_dict(), path)
    raw = load_file(str(path))
    assert np.array_equal(raw["weight"], model.weight.data)
    other = nn.Linear(3, 2)
    other.load_state_dict(fw.load(path))
    assert np.array_equal(other.bias.data, model.bias.data)
    with pytest.raises(TypeError, match="flat dict"):
        fw.save([1, 2], tmp_path / "bad.safetensors")
