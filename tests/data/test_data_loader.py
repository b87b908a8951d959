"""DataLoader: coverage of every sample, order, length, resume, collate, device."""
import json

import numpy as np
import pytest

import framework.backend as backend
from framework.data import (DataLoader, Dataset, Subset, TensorDataset, default_collate,
                            random_split)
from framework.errors import CheckpointError, ConfigError, DeviceError


def make_dataset(n=23):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    t = np.arange(n, dtype=np.int64)
    return TensorDataset(x, t)


class PlainDataset(Dataset):
    """A non-array-backed dataset: samples come from __getitem__ one by one."""

    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return np.full(2, i, dtype=np.float32), np.int64(i)

    def __len__(self):
        return self.n


def epoch_labels(loader):
    return [batch[1].tolist() for batch in loader]


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("n,bs", [(23, 5), (20, 5), (7, 10), (1, 1)])
def test_every_sample_once_per_epoch(shuffle, drop_last, n, bs):
    loader = DataLoader(make_dataset(n), batch_size=bs, shuffle=shuffle,
                        drop_last=drop_last, seed=3)
    expected_batches = n // bs if drop_last else -(-n // bs)
    assert len(loader) == expected_batches
    for _ in range(3):
        batches = list(loader)
        assert len(batches) == expected_batches
        seen = np.concatenate([t for _, t in batches]) if batches else np.array([], int)
        assert all(len(t) == bs for _, t in batches[:-1])
        if drop_last:
            assert all(len(t) == bs for _, t in batches)
            assert len(seen) == (n // bs) * bs
            assert len(set(seen.tolist())) == len(seen)  # no sample twice
        else:
            assert sorted(seen.tolist()) == list(range(n))
        for x, t in batches:  # inputs stay paired with their labels
            np.testing.assert_array_equal(x[:, 0], t * 3)
        if not shuffle:
            assert seen.tolist() == list(range(len(seen)))


def test_same_seed_same_order_and_epochs_differ():
    a = DataLoader(make_dataset(50), batch_size=8, shuffle=True, seed=11)
    b = DataLoader(make_dataset(50), batch_size=8, shuffle=True, seed=11)
    c = DataLoader(make_dataset(50), batch_size=8, shuffle=True, seed=12)
    a_epochs = [epoch_labels(a) for _ in range(3)]
    assert a_epochs == [epoch_labels(b) for _ in range(3)]
    assert a_epochs[0] != a_epochs[1] != a_epochs[2]
    assert a_epochs[0] != epoch_labels(c)
    assert a.epoch == 3


def test_order_is_documented_permutation():
    loader = DataLoader(make_dataset(30), batch_size=30, shuffle=True, seed=5)
    next(iter(loader))
    loader.set_epoch(4)
    (_, t), = list(loader)
    np.testing.assert_array_equal(t, np.random.default_rng([5, 4]).permutation(30))


def test_seed_none_is_drawn_once_from_numpy_global_state():
    np.random.seed(0)
    a = DataLoader(make_dataset(), batch_size=4, shuffle=True)
    np.random.seed(0)
    b = DataLoader(make_dataset(), batch_size=4, shuffle=True)
    assert isinstance(a.seed, int) and a.seed == b.seed
    assert epoch_labels(a) == epoch_labels(b)


@pytest.mark.parametrize("stop_after", [0, 1, 3, 4])
def test_resume_continues_interrupted_epoch(stop_after):
    ds = make_dataset(37)
    reference = DataLoader(ds, batch_size=8, shuffle=True, seed=7)
    full = [epoch_labels(reference) for _ in range(3)]

    run = DataLoader(ds, batch_size=8, shuffle=True, seed=7)
    assert epoch_labels(run) == full[0]
    it = iter(run)
    got = [next(it)[1].tolist() for _ in range(stop_after)]
    state = json.loads(json.dumps(run.state_dict()))  # plain ints survive JSON
    assert state["epoch"] == 1 and state["position"] == stop_after
    assert all(type(v) is int for v in state.values())

    resumed = DataLoader(ds, batch_size=8, shuffle=True, seed=999)  # seed comes from state
    resumed.load_state_dict(state)
    got += epoch_labels(resumed)
    assert got == full[1]
    assert resumed.epoch == 2 and resumed.state_dict()["position"] == 0
    assert epoch_labels(resumed) == full[2]


def test_state_after_last_batch_counts_epoch_as_done():
    loader = DataLoader(make_dataset(10), batch_size=5, shuffle=True, seed=1)
    it = iter(loader)
    next(it)
    next(it)
    state = loader.state_dict()
    assert (state["epoch"], state["position"]) == (1, 0)


def test_abandoned_pass_restarts_same_epoch():
    loader = DataLoader(make_dataset(20), batch_size=4, shuffle=True, seed=2)
    first = next(iter(loader))[1].tolist()
    assert next(iter(loader))[1].tolist() == first  # peeking does not consume the epoch
    assert epoch_labels(loader)[0] == first
    assert loader.epoch == 1


def test_only_newest_iterator_moves_the_state():
    loader = DataLoader(make_dataset(20), batch_size=4, seed=2)
    old = iter(loader)
    new = iter(loader)
    next(new)
    list(old)
    assert loader.state_dict()["position"] == 1 and loader.epoch == 0


def test_load_state_dict_rejects_bad_state():
    loader = DataLoader(make_dataset(20), batch_size=4, shuffle=True, seed=2)
    with pytest.raises(CheckpointError, match="missing"):
        loader.load_state_dict({"seed": 1})
    with pytest.raises(CheckpointError, match="position=-1"):
        loader.load_state_dict({"seed": 1, "epoch": 0, "position": -1})
    state = {"seed": 1, "epoch": 0, "position": 2, "batch_size": 8, "num_samples": 20}
    with pytest.raises(CheckpointError, match="batch_size=8"):
        loader.load_state_dict(state)
    state["position"] = 0  # an epoch boundary resumes with any batch size
    loader.load_state_dict(state)
    assert loader.epoch == 0 and loader.seed == 1
    with pytest.raises(CheckpointError, match="past the epoch"):
        loader.load_state_dict({"seed": 1, "epoch": 0, "position": 6})


@pytest.mark.parametrize("kwargs,match", [
    ({"batch_size": 0}, "batch_size=0"),
    ({"batch_size": 2.5}, "batch_size=2.5"),
    ({"batch_size": True}, "batch_size=True"),
    ({"shuffle": "yes"}, "shuffle='yes'"),
    ({"drop_last": 1}, "drop_last=1"),
    ({"seed": -1}, "seed=-1"),
    ({"collate_fn": 3}, "collate_fn=3"),
])
def test_bad_arguments_are_config_errors(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        DataLoader(make_dataset(), **kwargs)


def test_fast_path_matches_per_sample_path():
    ds = make_dataset(29)
    sub = Subset(Subset(ds, np.arange(28, 0, -1)), [0, 5, -1, 7, 9, 2, 3, 11, 12])
    for dataset in (ds, sub, random_split(ds, [0.5, 0.5], seed=1)[1]):
        fast = DataLoader(dataset, batch_size=4, shuffle=True, seed=9)
        slow = DataLoader(dataset, batch_size=4, shuffle=True, seed=9,
                          collate_fn=default_collate)
        for (xf, tf), (xs, ts) in zip(fast, slow, strict=True):
            np.testing.assert_array_equal(xf, xs)
            np.testing.assert_array_equal(tf, ts)
            assert xf.dtype == xs.dtype == np.float32 and tf.dtype == np.int64


def test_overridden_getitem_is_not_bypassed():
    class Doubled(TensorDataset):
        def __getitem__(self, i):
            x, t = super().__getitem__(i)
            return x * 2, t

    x = np.ones((6, 2), np.float32)
    (xb, _), = list(DataLoader(Doubled(x, np.arange(6)), batch_size=6))
    np.testing.assert_array_equal(xb, 2 * x)


def test_plain_dataset_batches_and_single_arrays():
    (xb, tb), = list(DataLoader(PlainDataset(3), batch_size=3))
    assert xb.shape == (3, 2) and tb.tolist() == [0, 1, 2]

    class Singles(Dataset):
        def __getitem__(self, i):
            return np.array([i, i], dtype=np.float32)

        def __len__(self):
            return 5

    batches = list(DataLoader(Singles(), batch_size=2))
    assert isinstance(batches[0], np.ndarray) and batches[0].shape == (2, 2)
    assert [b.shape[0] for b in batches] == [2, 2, 1]
    one = list(DataLoader(TensorDataset(np.arange(4)), batch_size=4))
    assert isinstance(one[0], tuple) and one[0][0].tolist() == [0, 1, 2, 3]


def test_collate_fn_and_dict_samples():
    class Dicts(Dataset):
        def __getitem__(self, i):
            return {"x": np.array([i]), "t": i}

        def __len__(self):
            return 4

    (batch,) = list(DataLoader(Dicts(), batch_size=4))
    assert batch["x"].shape == (4, 1) and batch["t"].tolist() == [0, 1, 2, 3]
    summed = list(DataLoader(make_dataset(6), batch_size=3,
                             collate_fn=lambda samples: sum(int(t) for _, t in samples)))
    assert summed == [0 + 1 + 2, 3 + 4 + 5]


def test_cpu_device_does_no_conversion(monkeypatch):
    def fail(*args):
        raise AssertionError("to_device must not be called for the CPU")

    monkeypatch.setattr(backend, "to_device", fail)
    monkeypatch.setattr(backend, "check_device", fail)
    ds = make_dataset(8)
    for device in (None, "cpu"):
        xb, _ = next(iter(DataLoader(ds, batch_size=8, device=device)))
        assert isinstance(xb, np.ndarray)
        np.testing.assert_array_equal(xb, ds.arrays[0])


def test_gpu_device_moves_every_array(monkeypatch):
    calls = []
    monkeypatch.setattr(backend, "check_device", lambda d: ("gpu", 1))
    monkeypatch.setattr(backend, "to_device",
                        lambda a, d: calls.append(d) or ("moved", a.shape))
    fast = next(iter(DataLoader(make_dataset(8), batch_size=4, device="cuda:1")))
    assert fast == (("moved", (4, 3)), ("moved", (4,)))
    slow = next(iter(DataLoader(PlainDataset(4), batch_size=4, device="gpu:1")))
    assert slow == (("moved", (4, 2)), ("moved", (4,)))
    assert calls == ["cuda:1"] * 2 + ["gpu:1"] * 2


def test_bad_or_missing_device_is_device_error(monkeypatch):
    with pytest.raises(DeviceError, match="tpu"):
        DataLoader(make_dataset(), device="tpu")
    # the probe's answer is replaced, so the no-GPU path runs on GPU machines too
    monkeypatch.setattr(backend, "_gpu_status", (False, "no CUDA device is visible"))
    with pytest.raises(DeviceError, match="gpu"):
        DataLoader(make_dataset(), device="gpu")


@pytest.mark.gpu
def test_batches_on_a_real_gpu():
    xb, tb = next(iter(DataLoader(make_dataset(8), batch_size=4, device="gpu")))
    assert backend.is_cupy_array(xb) and backend.is_cupy_array(tb)
    np.testing.assert_array_equal(backend.as_numpy(tb), [0, 1, 2, 3])


def test_repr_names_settings():
    text = repr(DataLoader(make_dataset(5), batch_size=2, seed=4))
    assert "batch_size=2" in text and "seed=4" in text and "[5]" in text
