"""default_collate of nested samples, as PyTorch does it; random_split fractions."""
import collections

import numpy as np
import pytest

from framework.data import DataLoader, TensorDataset, default_collate, random_split
from framework.errors import ConfigError, DataError

Point = collections.namedtuple("Point", "x label")


def test_collate_keeps_namedtuples():
    batch = default_collate([Point(np.zeros(2), 1), Point(np.ones(2), 2)])
    assert isinstance(batch, Point)
    np.testing.assert_array_equal(batch.label, [1, 2])
    assert batch.x.shape == (2, 2)


def test_collate_leaves_strings_as_a_list():
    names, ids = default_collate([("cat", 1), ("dog", 2)])
    assert names == ["cat", "dog"]
    np.testing.assert_array_equal(ids, [1, 2])
    assert default_collate([{"name": b"a"}, {"name": b"b"}]) == {"name": [b"a", b"b"]}


def test_collate_nested_dicts_and_tuples():
    samples = [{"x": np.full(3, i), "meta": (i, float(i))} for i in range(4)]
    batch = default_collate(samples)
    assert batch["x"].shape == (4, 3)
    assert batch["meta"][1].dtype == np.float64
    np.testing.assert_array_equal(batch["meta"][0], np.arange(4))


def test_collate_rejects_samples_of_different_lengths():
    with pytest.raises(DataError, match="same number of fields"):
        default_collate([(1, 2), (3,)])


def test_loader_over_a_list_of_tuples_with_strings():
    data = [(np.full(2, i, np.float32), f"s{i}") for i in range(5)]
    batches = list(DataLoader(data, batch_size=2))
    assert [b[1] for b in batches] == [["s0", "s1"], ["s2", "s3"], ["s4"]]


def test_random_split_fractions_far_from_one_still_fail():
    with pytest.raises(ConfigError, match="sum to 1"):
        random_split(TensorDataset(np.arange(10)), [0.5, 0.6])


def test_moving_a_batch_to_a_device_keeps_namedtuples_and_strings():
    from framework.data.loader import _map_arrays

    batch = default_collate([Point(np.zeros(2), "a"), Point(np.ones(2), "b")])
    moved = _map_arrays(lambda a: a + 1, batch)  # stands in for the copy to a GPU
    assert isinstance(moved, Point) and moved.label == ["a", "b"]
    np.testing.assert_array_equal(moved.x, [[1, 1], [2, 2]])
