"""MNIST and Fashion-MNIST from folders: real files, tiny generated files, errors."""
import numpy as np
import pytest

from framework.data import DataLoader, Flatten, read_content, sha256_hex, write_idx
from framework.errors import ChecksumError, DataError
from plugins.datasets import MNIST, FashionMNIST

NAMES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
         "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def make_tiny(folder, n=(6, 4), compress=True, seed=0):
    """Write tiny train and test IDX files; return a files table with their sha256."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    table, arrays = {}, {}
    for split, count in zip(("train", "test"), n):
        images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=count).astype(np.uint8)
        entry = []
        for name, array in zip(NAMES[split], (images, labels)):
            path = folder / (f"{name}.gz" if compress else name)
            write_idx(path, array, compress=compress)
            entry.append((name, sha256_hex(read_content(path))))
        table[split] = tuple(entry)
        arrays[split] = (images, labels)
    return table, arrays


def tiny_class(base, files):
    return type(f"Tiny{base.__name__}", (base,), {"files": files})


@pytest.mark.parametrize("cls,folder", [(MNIST, "mnist"), (FashionMNIST, "fashion-mnist")])
def test_real_test_sets_from_shared_data(cls, folder, shared_file):
    path = shared_file(f"{folder}/t10k-labels-idx1-ubyte.gz").parent
    for data_dir in (path.parent, path):  # the data set's sub-folder is found, or the folder
        ds = cls(data_dir=data_dir, train=False)
        assert len(ds) == 10000
        x, t = ds[0]
        assert x.shape == (1, 28, 28) and x.dtype == np.float32 and t.dtype == np.int64
        assert 0.0 == ds.data.min() and ds.data.max() == 1.0
        assert np.bincount(ds.targets, minlength=10).min() > 800
    assert len(cls.classes) == 10


@pytest.mark.parametrize("cls,folder", [(MNIST, "mnist"), (FashionMNIST, "fashion-mnist")])
def test_real_training_sets_from_shared_data(cls, folder, shared_file):
    path = shared_file(f"{folder}/train-labels-idx1-ubyte.gz").parent
    ds = cls(data_dir=path.parent, train=True)
    assert len(ds) == 60000 and ds.data.shape == (60000, 1, 28, 28)
    assert np.bincount(ds.targets).sum() == 60000
    xb, tb = next(iter(DataLoader(ds, batch_size=128, shuffle=True, seed=0)))
    assert xb.shape == (128, 1, 28, 28) and tb.dtype == np.int64


@pytest.mark.parametrize("compress", [True, False])
def test_tiny_generated_files(tmp_path, compress):
    files, arrays = make_tiny(tmp_path, compress=compress)
    for train, split in ((True, "train"), (False, "test")):
        ds = tiny_class(MNIST, files)(data_dir=tmp_path, train=train)
        images, labels = arrays[split]
        np.testing.assert_array_equal(ds.data[:, 0], images.astype(np.float32) / 255)
        np.testing.assert_array_equal(ds.targets, labels)
        assert ds.data.dtype == np.float32 and ds.targets.dtype == np.int64
    flat = tiny_class(MNIST, files)(data_dir=tmp_path, transform=Flatten())
    assert flat[0][0].shape == (784,)


@pytest.mark.parametrize("cls,sub", [(MNIST, "mnist"), (MNIST, "MNIST/raw"),
                                     (FashionMNIST, "fashion-mnist"),
                                     (FashionMNIST, "fashion_mnist")])
def test_sub_folders_are_searched(tmp_path, cls, sub):
    files, arrays = make_tiny(tmp_path / sub)
    ds = tiny_class(cls, files)(data_dir=tmp_path, train=False)
    np.testing.assert_array_equal(ds.targets, arrays["test"][1])


def test_fashion_finds_system_folder(tmp_path, monkeypatch):
    assert "/usr/share/datasets/fashion-mnist" in FashionMNIST.system_dirs
    files, arrays = make_tiny(tmp_path / "debian")
    monkeypatch.setattr(FashionMNIST, "system_dirs", (str(tmp_path / "debian"),))
    ds = tiny_class(FashionMNIST, files)(data_dir=tmp_path / "empty", train=True)
    np.testing.assert_array_equal(ds.targets, arrays["train"][1])


def test_wrong_checksum_names_the_file(tmp_path):
    make_tiny(tmp_path)  # right names, but not the real MNIST content
    with pytest.raises(ChecksumError) as info:
        MNIST(data_dir=tmp_path, train=False)
    message = str(info.value)
    assert str(tmp_path / "t10k-images-idx3-ubyte.gz") in message
    assert MNIST.files["test"][0][1] in message and "sha256" in message


@pytest.mark.parametrize("cls,sub", [(MNIST, "mnist"), (FashionMNIST, "fashion-mnist")])
def test_missing_files_explain_where_and_how(tmp_path, cls, sub):
    with pytest.raises(DataError) as info:
        cls(data_dir=tmp_path)
    message = str(info.value)
    for place in (tmp_path, tmp_path / sub):
        assert str(place) in message
    assert "train-images-idx3-ubyte.gz" in message and "t10k-labels-idx1-ubyte.gz" in message
    assert "download: true" in message and cls.mirror in message
    if cls is FashionMNIST:
        assert "/usr/share/datasets/fashion-mnist" in message


def test_count_mismatch_and_corrupt_gzip(tmp_path):
    files, _ = make_tiny(tmp_path)
    (img, img_sha), _ = files["test"]
    (lbl, lbl_sha), _ = files["train"]  # 6 labels for 4 images
    mixed = {"train": files["train"], "test": ((img, img_sha), (lbl, lbl_sha))}
    with pytest.raises(DataError, match="same N"):
        tiny_class(MNIST, mixed)(data_dir=tmp_path, train=False)
    path = tmp_path / f"{img}.gz"
    path.write_bytes(path.read_bytes()[:30])
    with pytest.raises(DataError, match=f"{img}.gz is a corrupt or truncated gzip"):
        tiny_class(MNIST, files)(data_dir=tmp_path, train=False)
