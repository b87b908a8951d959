"""state_dict keys and shapes (PyTorch's), load_state_dict checks, save/load weights."""
import os
import zipfile

import numpy as np
import pytest

from framework import nn
from framework.errors import CheckpointError

# The keys and shapes PyTorch's state_dict() gives for the same constructor calls.
TORCH_LAYOUTS = [
    (lambda: nn.Linear(4, 3), [("weight", (3, 4)), ("bias", (3,))]),
    (lambda: nn.Linear(4, 3, bias=False), [("weight", (3, 4))]),
    (lambda: nn.Conv2d(2, 5, 3), [("weight", (5, 2, 3, 3)), ("bias", (5,))]),
    (lambda: nn.Conv2d(2, 5, (3, 1)), [("weight", (5, 2, 3, 1)), ("bias", (5,))]),
    (lambda: nn.ConvTranspose2d(2, 5, 3), [("weight", (2, 5, 3, 3)), ("bias", (5,))]),
    (lambda: nn.BatchNorm1d(4), [("weight", (4,)), ("bias", (4,)), ("running_mean", (4,)),
                                 ("running_var", (4,)), ("num_batches_tracked", ())]),
    (lambda: nn.BatchNorm2d(6), [("weight", (6,)), ("bias", (6,)), ("running_mean", (6,)),
                                 ("running_var", (6,)), ("num_batches_tracked", ())]),
    (lambda: nn.BatchNorm1d(4, affine=False), [("running_mean", (4,)), ("running_var", (4,)),
                                               ("num_batches_tracked", ())]),
    (lambda: nn.BatchNorm1d(4, track_running_stats=False), [("weight", (4,)), ("bias", (4,))]),
    (lambda: nn.Embedding(10, 3), [("weight", (10, 3))]),
    (lambda: nn.LSTM(3, 5, num_layers=2),
     [("weight_ih_l0", (20, 3)), ("weight_hh_l0", (20, 5)), ("bias_ih_l0", (20,)),
      ("bias_hh_l0", (20,)), ("weight_ih_l1", (20, 5)), ("weight_hh_l1", (20, 5)),
      ("bias_ih_l1", (20,)), ("bias_hh_l1", (20,))]),
    (lambda: nn.LSTM(3, 5, bidirectional=True, bias=False),
     [("weight_ih_l0", (20, 3)), ("weight_hh_l0", (20, 5)),
      ("weight_ih_l0_reverse", (20, 3)), ("weight_hh_l0_reverse", (20, 5))]),
    (lambda: nn.RNN(3, 4),
     [("weight_ih_l0", (4, 3)), ("weight_hh_l0", (4, 4)), ("bias_ih_l0", (4,)),
      ("bias_hh_l0", (4,))]),
]


@pytest.mark.parametrize("make, expected", TORCH_LAYOUTS)
def test_state_dict_matches_pytorch(make, expected):
    sd = make().state_dict()
    assert [(k, tuple(v.shape)) for k, v in sd.items()] == expected
    for key, value in sd.items():
        want = np.int64 if key == "num_batches_tracked" else np.float32
        assert value.dtype == want, key


def test_state_dict_is_live_and_keep_vars():
    m = nn.Linear(2, 2)
    assert m.state_dict()["weight"] is m.weight.data
    assert m.state_dict(keep_vars=True)["weight"] is m.weight
    assert list(m.state_dict(prefix="model.")) == ["model.weight", "model.bias"]


def _net():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


def test_load_state_dict_roundtrip_in_place():
    np.random.seed(0)
    a, b = _net(), _net()
    a[1].running_mean[:] = 5
    a[1].num_batches_tracked[...] = 9
    w = b[0].weight
    w_data = w.data
    result = b.load_state_dict({k: v.copy() for k, v in a.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    for k, v in a.state_dict().items():
        assert np.array_equal(b.state_dict()[k], v), k
    assert b[0].weight is w and b[0].weight.data is w_data  # copied in place
    assert int(b[1].num_batches_tracked) == 9


def test_load_state_dict_reports_every_problem_and_changes_nothing():
    np.random.seed(1)
    m = _net()
    before = {k: v.copy() for k, v in m.state_dict().items()}
    sd = {k: np.zeros_like(v) for k, v in m.state_dict().items()}
    del sd["0.bias"], sd["1.running_var"]
    sd["3.weight"] = np.zeros((4, 2), np.float32)
    sd["extra.weight"] = np.zeros(1)
    with pytest.raises(nn.StateDictError) as info:
        m.load_state_dict(sd)
    err = info.value
    assert isinstance(err, KeyError) and isinstance(err, ValueError)
    msg = str(err)
    for part in ("'0.bias'", "'1.running_var'", "'extra.weight'", "'3.weight'", "(4, 2)",
                 "(2, 4)"):
        assert part in msg
    assert err.missing_keys == ["0.bias", "1.running_var"]
    assert err.unexpected_keys == ["extra.weight"]
    for k, v in m.state_dict().items():
        assert np.array_equal(v, before[k]), f"{k} changed"


def test_load_state_dict_non_strict():
    m = _net()
    sd = {k: v.copy() for k, v in m.state_dict().items()}
    del sd["3.bias"]
    sd["foo"] = np.zeros(1)
    sd["0.weight"][:] = 1.5
    result = m.load_state_dict(sd, strict=False)
    assert result == (["3.bias"], ["foo"])
    assert np.all(m[0].weight.data == 1.5)
    # shape errors are errors even when not strict
    sd["0.weight"] = np.zeros((9, 9))
    with pytest.raises(ValueError, match="shape"):
        m.load_state_dict(sd, strict=False)


def test_load_state_dict_bad_values():
    m = nn.Linear(2, 1)
    with pytest.raises(ValueError, match="objects"):
        m.load_state_dict({"weight": np.array([[None, None]], dtype=object),
                           "bias": np.zeros(1)})
    with pytest.raises(TypeError, match="mapping"):
        m.load_state_dict([1, 2])
    # dtype is converted to the parameter's (as torch's copy_)
    m.load_state_dict({"weight": np.ones((1, 2), np.float64), "bias": np.zeros(1, np.int32)})
    assert m.weight.dtype == np.float32 and m.weight.data.sum() == 2


def test_save_and_load_weights(tmp_path):
    np.random.seed(2)
    a, b = _net(), _net()
    a(np.random.randn(5, 3).astype(np.float32))  # move the running stats
    path = tmp_path / "w.npz"
    a.save_weights(path)
    assert sorted(os.listdir(tmp_path)) == ["w.npz"]  # no temp file left behind
    with np.load(path, allow_pickle=False) as z:  # readable without pickle
        assert set(a.state_dict()) <= set(z.files)
    b.load_weights(path)
    for k, v in a.state_dict().items():
        assert np.array_equal(b.state_dict()[k], v), k


def test_save_weights_skips_non_persistent(tmp_path):
    m = nn.Linear(1, 1)
    m.register_buffer("scratch", np.zeros(2), persistent=False)
    m.save_weights(tmp_path / "w.npz")
    with np.load(tmp_path / "w.npz", allow_pickle=False) as z:
        assert "scratch.npy" not in z.files and "scratch" not in z.files


def test_load_weights_errors_leave_model_unchanged(tmp_path):
    np.random.seed(3)
    m = _net()
    before = {k: v.copy() for k, v in m.state_dict().items()}
    good = tmp_path / "good.npz"
    m.save_weights(good)

    with pytest.raises(FileNotFoundError, match="missing.npz"):
        m.load_weights(tmp_path / "missing.npz")

    truncated = tmp_path / "trunc.npz"
    truncated.write_bytes(good.read_bytes()[:200])
    with pytest.raises(CheckpointError, match="trunc.npz"):
        m.load_weights(truncated)

    foreign = tmp_path / "foreign.npz"
    foreign.write_text("hello, not a zip")
    with pytest.raises(ValueError, match="foreign.npz"):
        m.load_weights(foreign)

    other = tmp_path / "other.npz"
    nn.Linear(7, 7).save_weights(other)
    with pytest.raises(KeyError) as info:
        m.load_weights(other)
    assert "other.npz" in str(info.value) and "'0.weight'" in str(info.value)

    with zipfile.ZipFile(tmp_path / "pickled.npz", "w") as zf:
        with zf.open("0.weight.npy", "w") as f:
            np.lib.format.write_array(f, np.array([object()], dtype=object),
                                      allow_pickle=True)
    with pytest.raises(CheckpointError, match="pickle"):
        m.load_weights(tmp_path / "pickled.npz")

    for k, v in m.state_dict().items():
        assert np.array_equal(v, before[k]), f"{k} changed"


def test_save_weights_is_atomic_on_failure(tmp_path, monkeypatch):
    m = nn.Linear(2, 2)
    path = tmp_path / "w.npz"
    m.save_weights(path)
    original = path.read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", boom)
    with pytest.raises(OSError, match="disk full"):
        nn.Linear(2, 2).save_weights(path)
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["w.npz"]


def test_shared_module_loads_under_each_name():
    shared = nn.Linear(2, 2)
    root = nn.Module()
    root.a = shared
    root.b = shared
    sd = root.state_dict()
    assert list(sd) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    new = {k: np.full_like(v, 3.0) for k, v in sd.items()}
    root.load_state_dict(new)
    assert np.all(shared.weight.data == 3.0)
