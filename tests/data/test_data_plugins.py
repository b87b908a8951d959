"""The built-in dataset and data-loader plugins, called with a recording register."""
import inspect

import numpy as np
import pytest

import plugins.data_loaders as loaders_plugin
import plugins.datasets as datasets_plugin
from framework.data import DataLoader, SplitDataLoader
from framework.errors import ConfigError
from framework.plugin import PROJECT_NAME


def record(hook):
    entries = {}

    def register(name, factory, *, description=None, override=False):
        assert name not in entries, f"{name} registered twice"
        entries[name] = (factory, description, override)

    hook(register)
    return entries


def test_hooks_are_marked_as_implementations():
    for fn in (datasets_plugin.register_datasets, loaders_plugin.register_data_loaders):
        assert hasattr(fn, f"{PROJECT_NAME}_impl")


def test_register_datasets():
    entries = record(datasets_plugin.register_datasets)
    assert set(entries) == {"digits", "iris", "spiral", "mnist", "fashion_mnist"}
    for name, (factory, description, override) in entries.items():
        assert description and not override
        assert "train" in inspect.signature(factory).parameters, name
    digits = entries["digits"][0](train=False)
    assert len(digits) == 360
    assert len(entries["spiral"][0](train=True)) == 300
    assert "data_dir" in inspect.signature(entries["mnist"][0]).parameters
    assert "download" in inspect.signature(entries["fashion_mnist"][0]).parameters


def make_factory():
    entries = record(loaders_plugin.register_data_loaders)
    assert set(entries) == {"DataLoader"}
    factory, description, _ = entries["DataLoader"]
    assert description
    params = list(inspect.signature(factory).parameters)
    assert params == ["dataset", "batch_size", "shuffle", "validation_split", "drop_last",
                      "seed", "device", "collate_fn", "num_workers", "pin_memory", "timeout",
                      "worker_init_fn", "persistent_workers", "prefetch_factor",
                      "multiprocessing_context", "split_seed"]
    return factory


def test_data_loader_factory_splits_off_validation():
    factory = make_factory()
    dataset = record(datasets_plugin.register_datasets)["iris"][0]()
    loader = factory(dataset=dataset, batch_size=16, shuffle=True,
                     validation_split=0.25, seed=3)
    assert isinstance(loader, DataLoader) and isinstance(loader, SplitDataLoader)
    valid = loader.split_validation()
    assert isinstance(valid, DataLoader)
    assert (valid.shuffle, valid.drop_last, valid.batch_size) == (False, False, 16)
    assert len(loader.dataset) == 84 and len(valid.dataset) == 28
    train_idx = loader.dataset.indices
    valid_idx = valid.dataset.indices
    assert not set(train_idx) & set(valid_idx)
    assert sorted(set(train_idx) | set(valid_idx)) == list(range(len(dataset)))
    seen = np.concatenate([t for _, t in loader])
    assert len(seen) == 84
    first = [t.tolist() for _, t in valid]
    assert first == [t.tolist() for _, t in valid]  # no shuffle: the same every epoch


def test_data_loader_factory_without_validation():
    factory = make_factory()
    dataset = record(datasets_plugin.register_datasets)["spiral"][0]()
    loader = factory(dataset, batch_size=30)
    assert loader.split_validation() is None and len(loader) == 10
    assert loader.dataset is dataset


def test_split_is_stable_without_seed_and_depends_on_seed():
    factory = make_factory()
    dataset = record(datasets_plugin.register_datasets)["digits"][0]()
    a = factory(dataset, validation_split=100).split_validation().dataset.indices
    b = factory(dataset, validation_split=100).split_validation().dataset.indices
    c = factory(dataset, validation_split=100, seed=5).split_validation().dataset.indices
    assert a.tolist() == b.tolist() and a.tolist() != c.tolist() and len(a) == 100


def test_bad_validation_split_is_config_error():
    factory = make_factory()
    dataset = record(datasets_plugin.register_datasets)["iris"][0]()
    with pytest.raises(ConfigError, match=r"validation_split=1\.5.*\[0, 1\)"):
        factory(dataset, validation_split=1.5)
    with pytest.raises(ConfigError, match=r"validation_split=112.*\[0, 112\)"):
        factory(dataset, validation_split=112)
