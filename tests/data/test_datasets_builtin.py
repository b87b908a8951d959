"""The shipped and generated data sets: digits, iris, spiral."""
import gzip

import numpy as np
import pytest

from framework.data import DataLoader, Flatten, Normalize, TensorDataset
from framework.data.dataset import array_source
from plugins.datasets import Digits, Iris, Spiral, make_spiral
from plugins.datasets._common import read_package_csv



def rows(ds):
    """The set of (features..., label) rows of a dataset, for overlap checks."""
    x = ds.data.reshape(len(ds), -1)
    return {tuple(r) + (int(t),) for r, t in zip(x.tolist(), ds.targets.tolist())}


def test_digits_shapes_values_and_split():
    train, test = Digits(train=True), Digits(train=False)
    assert (len(train), len(test)) == (1437, 360)
    x, t = train[0]
    assert x.shape == (1, 8, 8) and x.dtype == np.float32 and t.dtype == np.int64
    assert train.data.min() == 0.0 and train.data.max() == 1.0
    assert np.all(np.isin(train.data * 16, np.arange(17)))  # pixel / 16 exactly
    assert sorted(set(test.targets.tolist())) == list(range(10))
    counts = np.bincount(test.targets, minlength=10)
    assert counts.min() >= 35 and counts.max() <= 37  # stratified: ~20% of each digit
    assert len(rows(train) | rows(test)) == len(rows(train)) + len(rows(test))
    again = Digits(train=False)
    np.testing.assert_array_equal(again.data, test.data)  # the split is fixed


def test_digits_matches_the_reference_file(shared_file):
    ref = shared_file("digits/digits.csv.gz")
    table = np.loadtxt(gzip.open(ref, "rt"), delimiter=",")
    ours = np.concatenate([d.data.reshape(len(d), 64) * 16 for d in (Digits(), Digits(False))])
    labels = np.concatenate([Digits().targets, Digits(False).targets])
    assert len(ours) == 1797
    expected = sorted(map(tuple, np.column_stack([table[:, :64], table[:, 64]]).tolist()))
    got = sorted(map(tuple, np.column_stack([ours, labels]).tolist()))
    assert got == expected


def test_iris_shapes_classes_and_split():
    train, test = Iris(), Iris(train=False)
    assert (len(train), len(test)) == (112, 38)
    x, t = test[0]
    assert x.shape == (4,) and x.dtype == np.float32 and t.dtype == np.int64
    assert train.classes == ("setosa", "versicolor", "virginica")
    assert np.bincount(test.targets).tolist() == [13, 13, 12]
    assert np.bincount(train.targets).tolist() == [37, 37, 38]
    assert 0.0 < train.data.min() and train.data.max() < 8.0
    # Train and test together are the 150 rows of the file, each exactly once.
    table = read_package_csv("iris.csv", skip_rows=1)
    both = np.concatenate([np.column_stack([d.data, d.targets]) for d in (train, test)])
    assert sorted(map(tuple, both.astype(np.float32).tolist())) == \
        sorted(map(tuple, table.astype(np.float32).tolist()))


def test_iris_transform_runs_once_on_all_samples():
    mean = Iris().data.mean(axis=0)
    std = Iris().data.std(axis=0)
    ds = Iris(transform=Normalize(mean, std), target_transform=lambda t: t + 1)
    np.testing.assert_allclose(ds.data.mean(axis=0), 0.0, atol=1e-5)
    assert ds.targets.min() == 1 and ds.data.dtype == np.float32


def test_digits_flatten_transform():
    ds = Digits(transform=Flatten())
    assert ds[0][0].shape == (64,)


def reference_spiral(seed):
    """The book's recipe as a plain loop over classes and points."""
    rs = np.random.RandomState(seed)
    x, t = np.zeros((300, 2), np.float32), np.zeros(300, np.int64)
    for j in range(3):
        for i in range(100):
            radius = i / 100
            theta = 4.0 * j + 4.0 * radius + rs.randn() * 0.2
            x[100 * j + i] = radius * np.sin(theta), radius * np.cos(theta)
            t[100 * j + i] = j
    perm = rs.permutation(300)
    return x[perm], t[perm]


@pytest.mark.parametrize("train,seed", [(True, 1984), (False, 2020)])
def test_spiral_is_dezero_recipe(train, seed):
    ds = Spiral(train=train)
    x_ref, t_ref = reference_spiral(seed)
    np.testing.assert_array_equal(ds.data, x_ref)
    np.testing.assert_array_equal(ds.targets, t_ref)
    assert ds.data.dtype == np.float32 and ds.targets.dtype == np.int64
    assert ds[0][0].shape == (2,) and np.bincount(ds.targets).tolist() == [100, 100, 100]


def test_spiral_arguments():
    ds = Spiral(num_per_class=10, num_classes=4, seed=5)
    assert len(ds) == 40 and ds.classes == ("0", "1", "2", "3")
    np.testing.assert_array_equal(ds.data, make_spiral(10, 4, 5)[0])
    assert not np.array_equal(Spiral(seed=1).data, Spiral(seed=2).data)
    from framework.errors import ConfigError
    with pytest.raises(ConfigError, match="num_classes=0"):
        Spiral(num_classes=0)


@pytest.mark.parametrize("cls", [Digits, Iris, Spiral])
def test_builtin_datasets_take_the_fast_path(cls):
    ds = cls()
    assert isinstance(ds, TensorDataset) and array_source(ds) is not None
    xb, tb = next(iter(DataLoader(ds, batch_size=16, shuffle=True, seed=0)))
    assert xb.shape == (16,) + ds[0][0].shape and tb.shape == (16,)
