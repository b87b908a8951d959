"""framework.trainer.checkpoint: lossless nested states, format marker, RNG state."""
import json
import random

import numpy as np
import pytest

from framework.errors import CheckpointError
from framework.serialization import load_npz, save_npz
from framework.trainer.checkpoint import (BEST_CHECKPOINT, CHECKPOINT_FORMAT, Checkpoint,
                                          capture_rng_state, checkpoint_filename,
                                          flatten_state, load_checkpoint,
                                          restore_rng_state, save_checkpoint,
                                          unflatten_state)


def _assert_same(a, b, path="state"):
    """Deep equality that also checks container types, array dtypes and scalar types."""
    assert type(a) is type(b), f"{path}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, path
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for k in a:
            _assert_same(a[k], b[k], f"{path}/{k}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{path}/{i}")
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b, path


def _model_state():
    rng = np.random.default_rng(1)
    return {"fc1.weight": rng.standard_normal((5, 4)).astype(np.float32),
            "fc1.bias": np.zeros(5, np.float32),
            "bn.num_batches_tracked": np.array(12, dtype=np.int64)}


def _optimizer_state():  # torch-style Adam state_dict keyed by parameter name
    return {
        "state": {
            "fc1.weight": {"step": 12, "exp_avg": np.full((5, 4), 0.1, np.float32),
                           "exp_avg_sq": np.full((5, 4), 0.01, np.float32)},
            "fc1.bias": {"step": np.int64(12), "exp_avg": np.zeros(5, np.float32),
                         "exp_avg_sq": np.zeros(5, np.float32)},
        },
        "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8,
                          "weight_decay": 0, "amsgrad": False,
                          "params": ["fc1.weight", "fc1.bias"]}],
    }


def _scheduler_state():
    return {"step_size": 10, "gamma": 0.5, "base_lrs": [0.001], "last_epoch": 3,
            "_last_lr": [0.0005], "best": float("inf"), "mode": "min", "cooldown": None}


@pytest.mark.parametrize("state", [
    _optimizer_state(),
    _scheduler_state(),
    {0: {"momentum_buffer": np.ones(3)}, 1: {"momentum_buffer": None}},   # int keys
    {"__array__": "not a marker", "__tuple__": [1]},                      # marker-like keys
    {"t": (1, (2.5, "x"), [np.arange(2)]), "empty": {}, "none": None, "l": []},
    {"scalars": [np.float32(0.1), np.float64(2.0), np.int8(-3), np.bool_(True)]},
    {"nan": float("nan"), "ninf": float("-inf"), "big": 2 ** 100, "neg": -1},
    {"a/b": np.ones(1), "a": {"b": np.zeros(1)}},                          # colliding names
    {1.5: "float key", None: "none key", True: "bool key"},
    [np.ones(2), {"k": (np.zeros(1),)}],
    np.arange(3),
    None,
])
def test_flatten_round_trips_through_npz(tmp_path, state):
    skeleton, arrays = flatten_state(state, "optimizer")
    assert all(k.startswith("optimizer") for k in arrays)
    save_npz(tmp_path / "s.npz", arrays, {"skeleton": skeleton})  # JSON round trip
    loaded_arrays, meta = load_npz(tmp_path / "s.npz")
    _assert_same(state, unflatten_state(meta["skeleton"], loaded_arrays))


def test_flatten_names_entries_by_path():
    skeleton, arrays = flatten_state(_optimizer_state(), "optimizer")
    assert set(arrays) == {"optimizer/state/fc1.weight/exp_avg",
                           "optimizer/state/fc1.weight/exp_avg_sq",
                           "optimizer/state/fc1.bias/step",
                           "optimizer/state/fc1.bias/exp_avg",
                           "optimizer/state/fc1.bias/exp_avg_sq"}
    json.dumps(skeleton)  # plain JSON
    assert skeleton["param_groups"][0]["lr"] == 1e-3


@pytest.mark.parametrize("bad, where", [
    ({"a": {"b": object()}}, "optimizer/a/b"),
    ({"a": {1, 2}}, "optimizer/a"),
    ({("x", 1): 2}, "('x', 1)"),
])
def test_flatten_rejects_unstorable_values(bad, where):
    with pytest.raises(TypeError) as info:
        flatten_state(bad, "optimizer")
    assert where in str(info.value)


def test_unflatten_reports_missing_entries():
    skeleton, arrays = flatten_state({"w": np.ones(2)}, "model")
    with pytest.raises(CheckpointError, match="model/w"):
        unflatten_state(skeleton, {}, where="x.npz")


def test_checkpoint_round_trip(tmp_path):
    path = tmp_path / checkpoint_filename(3)
    assert path.name == "checkpoint-epoch3.npz" and BEST_CHECKPOINT == "model_best.npz"
    metadata = {"epoch": 3, "step": 150, "monitor_best": 0.25, "not_improved_count": 1,
                "config": {"name": "digits", "trainer": {"epochs": 20}},
                "versions": {"numpy": np.__version__}}
    rng = capture_rng_state()
    save_checkpoint(path, model_state=_model_state(), optimizer_state=_optimizer_state(),
                    scheduler_state=_scheduler_state(), rng_state=rng, metadata=metadata)
    ckpt = load_checkpoint(path)
    assert isinstance(ckpt, Checkpoint) and ckpt.path == str(path)
    _assert_same(_model_state(), ckpt.model_state)
    _assert_same(_optimizer_state(), ckpt.optimizer_state)
    _assert_same(_scheduler_state(), ckpt.scheduler_state)
    _assert_same(rng, ckpt.rng_state)
    assert ckpt.metadata == metadata and ckpt.epoch == 3
    assert ckpt.config == {"name": "digits", "trainer": {"epochs": 20}}
    # the model weights are plain entries a user can inspect with numpy
    with np.load(path, allow_pickle=False) as f:
        assert "model/fc1.weight" in f.files


def test_checkpoint_with_only_a_model(tmp_path):
    save_checkpoint(tmp_path / "c.npz", model_state=_model_state())
    ckpt = load_checkpoint(tmp_path / "c.npz")
    assert ckpt.optimizer_state is None and ckpt.scheduler_state is None
    assert ckpt.rng_state is None and ckpt.metadata == {} and ckpt.epoch is None


def test_crash_mid_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    # The deterministic twin of the SIGKILL run in test_train_run.py: model_best.npz is
    # overwritten every time the monitor improves, and a save that dies after writing
    # part of the file must leave the previous one whole.
    path = tmp_path / BEST_CHECKPOINT
    save_checkpoint(path, model_state=_model_state(), metadata={"epoch": 1})
    before = path.read_bytes()
    real_write_array = np.lib.format.write_array
    written = []

    def dying_write_array(fp, arr, **kwargs):
        written.append(arr.shape)
        if len(written) == 2:  # one array is already in the new file
            raise OSError("killed mid-write")
        return real_write_array(fp, arr, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", dying_write_array)
    newer = {k: v + 1 for k, v in _model_state().items()}
    with pytest.raises(OSError, match="killed mid-write"):
        save_checkpoint(path, model_state=newer, metadata={"epoch": 2})
    monkeypatch.undo()
    assert len(written) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [BEST_CHECKPOINT]  # no temp file
    assert path.read_bytes() == before
    ckpt = load_checkpoint(path)
    assert ckpt.epoch == 1
    _assert_same(_model_state(), ckpt.model_state)


def test_missing_checkpoint_names_path_and_neighbours(tmp_path):
    save_checkpoint(tmp_path / "checkpoint-epoch1.npz", model_state=_model_state())
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(tmp_path / "checkpoint-epoch9.npz")
    msg = str(info.value)
    assert "checkpoint-epoch9.npz" in msg and "checkpoint-epoch1.npz" in msg
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "no" / "such.npz")


def test_unreadable_checkpoint(tmp_path, monkeypatch):
    import framework.trainer.checkpoint as checkpoint_module
    path = tmp_path / "c.npz"
    save_checkpoint(path, model_state=_model_state())

    def refuse(p):
        raise PermissionError(13, "Permission denied", str(p))

    monkeypatch.setattr(checkpoint_module, "load_npz", refuse)
    with pytest.raises(CheckpointError, match="cannot read checkpoint .*c.npz: Permission denied"):
        load_checkpoint(path)


def test_folder_instead_of_file(tmp_path):
    save_checkpoint(tmp_path / "model_best.npz", model_state=_model_state())
    with pytest.raises(CheckpointError, match="folder.*model_best.npz"):
        load_checkpoint(tmp_path)


def test_foreign_npz_is_not_a_checkpoint(tmp_path):
    np.savez(tmp_path / "weights.npz", w=np.ones(3))
    with pytest.raises(CheckpointError, match="is not a zeronn checkpoint"):
        load_checkpoint(tmp_path / "weights.npz")
    save_npz(tmp_path / "other.npz", {"w": np.ones(3)}, {"format": "something-else"})
    with pytest.raises(CheckpointError, match="is not a zeronn checkpoint"):
        load_checkpoint(tmp_path / "other.npz")


def test_newer_format_version_is_refused(tmp_path):
    save_npz(tmp_path / "new.npz", {}, {"format": CHECKPOINT_FORMAT, "format_version": 2,
                                        "metadata": {}, "state": {"model": {}}})
    with pytest.raises(CheckpointError, match="version 2 is newer"):
        load_checkpoint(tmp_path / "new.npz")


def test_missing_array_entry_is_damage(tmp_path):
    save_npz(tmp_path / "d.npz", {}, {"format": CHECKPOINT_FORMAT, "format_version": 1,
                                      "metadata": {},
                                      "state": {"model": {"w": {"__array__": "model/w"}}}})
    with pytest.raises(CheckpointError, match="damaged"):
        load_checkpoint(tmp_path / "d.npz")


def test_truncated_checkpoint(tmp_path):
    path = tmp_path / "c.npz"
    save_checkpoint(path, model_state=_model_state(), optimizer_state=_optimizer_state())
    path.write_bytes(path.read_bytes()[:-50])
    with pytest.raises(CheckpointError, match="c.npz"):
        load_checkpoint(path)


def test_rng_state_restores_both_generators(tmp_path):
    np.random.seed(123)
    random.seed(456)
    np.random.standard_normal()  # leaves a cached gaussian in numpy's state
    random.gauss(0, 1)
    state = capture_rng_state()
    expected = (np.random.standard_normal(5), np.random.randint(0, 100, 5),
                [random.random() for _ in range(3)], random.gauss(0, 1))
    save_checkpoint(tmp_path / "c.npz", model_state={}, rng_state=state)
    np.random.seed(0)
    random.seed(0)
    restore_rng_state(load_checkpoint(tmp_path / "c.npz").rng_state)
    again = (np.random.standard_normal(5), np.random.randint(0, 100, 5),
             [random.random() for _ in range(3)], random.gauss(0, 1))
    np.testing.assert_array_equal(expected[0], again[0])
    np.testing.assert_array_equal(expected[1], again[1])
    assert expected[2:] == again[2:]


def test_generator_state_survives_a_checkpoint(tmp_path):
    gen = np.random.default_rng(7)
    gen.random(3)
    rng_state = {**capture_rng_state(), "loader": gen.bit_generator.state}  # 128-bit ints
    save_checkpoint(tmp_path / "c.npz", model_state={}, rng_state=rng_state)
    expected = gen.random(4)
    restored = np.random.default_rng()
    restored.bit_generator.state = load_checkpoint(tmp_path / "c.npz").rng_state["loader"]
    np.testing.assert_array_equal(restored.random(4), expected)


@pytest.mark.parametrize("bad", [
    "nope",
    {"numpy": {"kind": "MT19937", "keys": np.zeros(3, np.uint32), "pos": 0,
               "has_gauss": 0, "cached_gaussian": 0.0}},
    {"python": {"version": 3}},
])
def test_malformed_rng_state(bad):
    before = np.random.get_state()
    with pytest.raises(CheckpointError, match="rng state"):
        restore_rng_state(bad)
    np.random.set_state(before)
