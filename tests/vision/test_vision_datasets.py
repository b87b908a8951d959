"""framework.vision.datasets.MNIST / FashionMNIST: torchvision's interface, its folder
layout and the plain one, one reader shared with the trainer's data sets."""
import shutil

import numpy as np
import pytest

import framework as fw
from framework.data import DataLoader, read_content, sha256_hex, write_idx
from framework.errors import ChecksumError, DataError
from framework.vision import datasets, transforms
from plugins.datasets import MNIST as PluginMNIST

NAMES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _tiny(folder, n=(5, 3), seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    table, arrays = {}, {}
    for split, count in zip(("train", "test"), n):
        images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=count).astype(np.uint8)
        entry = []
        for name, array in zip(NAMES[split], (images, labels)):
            write_idx(folder / f"{name}.gz", array, compress=True)
            entry.append((name, sha256_hex(read_content(folder / f"{name}.gz"))))
        table[split], arrays[split] = tuple(entry), (images, labels)
    return table, arrays


@pytest.mark.parametrize("cls", [datasets.MNIST, datasets.FashionMNIST])
@pytest.mark.parametrize("layout", ["torchvision", "plain", "named"])
def test_layouts_and_samples(tmp_path, cls, layout):
    sub = {"torchvision": f"{cls.__name__}/raw", "plain": ".",
           "named": "mnist" if cls is datasets.MNIST else "fashion-mnist"}[layout]
    files, arrays = _tiny(tmp_path / sub)
    tiny = type("Tiny", (cls,), {"files": files})
    for train, split in ((True, "train"), (False, "test")):
        ds = tiny(tmp_path, train=train)
        images, labels = arrays[split]
        assert len(ds) == len(labels) and ds.train is train
        img, target = ds[1]
        assert img.dtype == np.uint8 and img.shape == (28, 28) and type(target) is int
        np.testing.assert_array_equal(img, images[1])
        assert target == labels[1]
        np.testing.assert_array_equal(ds.targets, labels)
        assert ds.targets.dtype == np.int64 and ds.data.dtype == np.uint8


def test_transforms_apply_per_sample(tmp_path):
    files, arrays = _tiny(tmp_path)
    tiny = type("Tiny", (datasets.MNIST,), {"files": files})
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    ds = tiny(str(tmp_path), train=False, transform=tf, target_transform=lambda t: t + 100)
    x, t = ds[2]
    assert x.shape == (1, 28, 28) and x.dtype == np.float32
    np.testing.assert_allclose(x.data[0], (arrays["test"][0][2] / np.float32(255) - 0.1307)
                               / 0.3081, rtol=1e-5, atol=1e-6)
    assert t == arrays["test"][1][2] + 100
    xb, tb = next(iter(DataLoader(ds, batch_size=3)))
    assert xb.shape == (3, 1, 28, 28) and tb.data.tolist() == (arrays["test"][1] + 100).tolist()
    with pytest.raises(TypeError, match="transform should be callable"):
        tiny(tmp_path, transform="ToTensor")


def test_missing_files_say_where_and_how(tmp_path):
    with pytest.raises(DataError) as info:
        datasets.MNIST(tmp_path / "nothing")
    message = str(info.value)
    assert message.startswith("MNIST: train-images-idx3-ubyte.gz (or train-images-idx3-ubyte) "
                              "not found")
    assert "pass download=True" in message and datasets.MNIST.mirror in message
    assert str(tmp_path / "nothing" / "MNIST" / "raw") in message


def test_wrong_checksum(tmp_path):
    _tiny(tmp_path / "MNIST" / "raw")  # real names, other content
    with pytest.raises(ChecksumError, match="sha256"):
        datasets.MNIST(tmp_path, train=False)


@pytest.mark.parametrize("cls,folder", [(datasets.MNIST, "mnist"),
                                        (datasets.FashionMNIST, "fashion-mnist")])
def test_real_test_sets(cls, folder, shared_file, tmp_path):
    path = shared_file(f"{folder}/t10k-labels-idx1-ubyte.gz").parent
    shutil.copytree(path, tmp_path / cls.__name__ / "raw")
    for root in (path.parent, path, tmp_path):
        ds = cls(root, train=False)
        assert len(ds) == 10000 and ds.data.shape == (10000, 28, 28)
        assert np.bincount(ds.targets, minlength=10).min() > 800
    assert len(ds.classes) == 10 and ds.class_to_idx[ds.classes[3]] == 3
    assert "Number of datapoints: 10000" in repr(ds)


def test_data_and_targets_are_tensors_as_torchvisions(shared_file):
    # pytorch/examples siamese_network: self.data = dataset.data.unsqueeze(1).clone()
    path = shared_file("mnist/t10k-images-idx3-ubyte.gz").parent
    ds = datasets.MNIST(path, train=False)
    assert isinstance(ds.data, fw.Tensor) and isinstance(ds.targets, fw.Tensor)
    assert not ds.data.requires_grad and ds.data.dtype == np.uint8
    images = ds.data.unsqueeze(1).clone().float() / 255
    assert images.shape == (10000, 1, 28, 28)
    threes = ds.targets == 3
    assert int(threes.sum()) == int(np.sum(ds.targets.numpy() == 3)) > 900
    img, label = ds[7]
    np.testing.assert_array_equal(img, ds.data[7].numpy())
    assert label == int(ds.targets[7])
    assert np.shares_memory(ds.data.numpy(), ds[0][0])


def test_one_reader_for_the_trainer_dataset(shared_file):
    path = shared_file("mnist/t10k-images-idx3-ubyte.gz").parent
    vision, plugin = datasets.MNIST(path, train=False), PluginMNIST(data_dir=path, train=False)
    np.testing.assert_array_equal(plugin.data[:, 0],
                                  vision.data.numpy().astype(np.float32) / 255)
    np.testing.assert_array_equal(plugin.targets, vision.targets)
    assert isinstance(plugin, datasets.IDXFiles)
