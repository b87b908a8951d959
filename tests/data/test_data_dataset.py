"""Dataset, TensorDataset, ArrayDataset, Subset, random_split, split_validation."""
import numpy as np
import pytest

from framework.data import (ArrayDataset, Dataset, Flatten, Subset, TensorDataset,
                            random_split, split_validation)
from framework.errors import ConfigError


def labels_of(subset):
    return sorted(int(subset[i][0]) for i in range(len(subset)))


def test_base_dataset_must_be_implemented():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Dataset())


def test_tensor_dataset_items_and_checks():
    x = np.arange(12).reshape(4, 3)
    ds = TensorDataset(x, [0, 1, 2, 3])
    assert len(ds) == 4 and ds.tensors is ds.arrays
    xi, ti = ds[2]
    assert xi.tolist() == [6, 7, 8] and ti == 2
    with pytest.raises(ValueError, match=r"\[4, 3\]"):
        TensorDataset(x, np.zeros(3))
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(np.float32(1))


def test_array_dataset_applies_transforms_to_all_samples():
    x = np.arange(2 * 2 * 3, dtype=np.float32).reshape(2, 2, 3)
    ds = ArrayDataset(x, np.array([1, 2]), transform=Flatten(),
                      target_transform=lambda t: t * 10)
    assert ds.data.shape == (2, 6) and ds.targets.tolist() == [10, 20]
    assert ds[1][0].tolist() == list(range(6, 12))
    assert isinstance(ds, TensorDataset)


def test_subset_views_and_bounds():
    ds = TensorDataset(np.arange(10))
    sub = Subset(ds, [9, -1, 0])
    assert [int(sub[i][0]) for i in range(3)] == [9, 9, 0]
    nested = Subset(sub, [2, 0])
    assert [int(nested[i][0]) for i in range(2)] == [0, 9]
    assert len(Subset(ds, [])) == 0
    with pytest.raises(IndexError, match="index 10"):
        Subset(ds, [1, 10])
    with pytest.raises(IndexError, match="-11"):
        Subset(ds, [-11])
    with pytest.raises(ValueError, match="integers"):
        Subset(ds, [0.5])


def test_random_split_counts_and_fractions():
    ds = TensorDataset(np.arange(10))
    a, b = random_split(ds, [7, 3], seed=0)
    assert (len(a), len(b)) == (7, 3)
    assert sorted(labels_of(a) + labels_of(b)) == list(range(10))
    parts = random_split(ds, [0.34, 0.33, 0.33], seed=0)
    assert [len(p) for p in parts] == [4, 3, 3]  # the remainder goes to the first
    again = random_split(ds, [0.34, 0.33, 0.33], seed=0)
    assert [labels_of(p) for p in parts] == [labels_of(p) for p in again]
    other = random_split(ds, [0.5, 0.5], seed=1)
    assert labels_of(other[0]) != labels_of(random_split(ds, [0.5, 0.5], seed=2)[0])


@pytest.mark.parametrize("lengths,match", [
    ([5, 4], "sum to the dataset's length 10"),
    ([11, -1], "non-negative"),
    ([0.5, 0.6], "sum to 1"),
    ([0.5, "x"], "all counts or all fractions"),
    ([], "empty"),
])
def test_random_split_rejects_bad_lengths(lengths, match):
    with pytest.raises(ConfigError, match=match):
        random_split(TensorDataset(np.arange(10)), lengths)


@pytest.mark.parametrize("split,n_valid", [(0.2, 20), (0.25, 25), (7, 7), (0, 0), (0.0, 0),
                                           (np.float64(0.1), 10), (np.int64(3), 3)])
def test_split_validation_sizes_and_disjointness(split, n_valid):
    ds = TensorDataset(np.arange(100))
    train, valid = split_validation(ds, split, seed=0)
    if n_valid == 0:
        assert valid is None and train is ds
        return
    assert len(valid) == n_valid and len(train) == 100 - n_valid
    assert sorted(labels_of(train) + labels_of(valid)) == list(range(100))
    again_train, again_valid = split_validation(ds, split, seed=0)
    assert labels_of(valid) == labels_of(again_valid)
    assert np.all(np.diff(valid.indices) > 0)  # ascending order, good for locality


@pytest.mark.parametrize("bad", [1.0, -0.1, 100, -1, True, "0.1", None, float("nan")])
def test_split_validation_rejects_bad_values(bad):
    with pytest.raises(ConfigError) as info:
        split_validation(TensorDataset(np.arange(100)), bad)
    message = str(info.value)
    assert f"validation_split={bad!r}" in message
    assert "[0, 1)" in message and "[0, 100)" in message


def test_split_validation_fraction_leaving_nothing_is_rejected():
    with pytest.raises(ConfigError, match="no training"):
        split_validation(TensorDataset(np.arange(3)), 0.9)
