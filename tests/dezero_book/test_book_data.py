"""Chapters 49-51 and 54-55: DeZero's datasets, transforms, data loaders and get_file."""
import os
from pathlib import Path

import numpy as np
import pytest

import framework as dezero
from framework import dataloaders, datasets, transforms, utils
from framework.errors import DataError

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _book_spiral(train):
    """DeZero's get_spiral, written out as the book does (one randn() per point)."""
    np.random.seed(1984 if train else 2020)
    x = np.zeros((300, 2), dtype=np.float32)
    t = np.zeros(300, dtype=int)
    for j in range(3):
        for i in range(100):
            rate = i / 100
            theta = j * 4.0 + 4.0 * rate + np.random.randn() * 0.2
            x[100 * j + i] = np.array([rate * np.sin(theta), rate * np.cos(theta)]).flatten()
            t[100 * j + i] = j
    idx = np.random.permutation(300)
    return x[idx], t[idx]


@pytest.mark.parametrize("train", [True, False])
def test_get_spiral_is_the_books_and_leaves_the_global_rng_as_the_book(train):
    x, t = datasets.get_spiral(train=train)
    after = np.random.rand(3)
    bx, bt = _book_spiral(train)
    np.testing.assert_array_equal(x, bx)
    np.testing.assert_array_equal(t, bt)
    np.testing.assert_array_equal(after, np.random.rand(3))  # same global state
    ds = datasets.Spiral(train=train)
    assert len(ds) == 300 and np.array_equal(ds[5][0], bx[5]) and ds[5][1] == bt[5]


def test_the_spiral_plugin_shares_the_generator():
    from plugins.datasets import spiral
    assert spiral.make_spiral is datasets.make_spiral
    x, t = datasets.get_spiral(train=True)
    plugin = spiral.Spiral(train=True)
    for i in (0, 17, 299):
        np.testing.assert_array_equal(plugin[i][0], x[i])
        assert plugin[i][1] == t[i]


def test_dataset_transforms_apply_at_indexing():
    ds = datasets.Spiral(transform=lambda x: x * 2, target_transform=lambda t: t + 10)
    x, t = ds[0]
    np.testing.assert_array_equal(x, ds.data[0] * 2)
    assert t == ds.label[0] + 10
    assert isinstance(ds, dezero.data.Dataset)


def test_dataloader_shuffles_by_default_with_the_global_rng():
    ds = datasets.Spiral()
    np.random.seed(7)
    loader = dezero.DataLoader(ds, 64)
    np.random.seed(7)
    order = np.random.permutation(300)
    x, t = next(loader)
    np.testing.assert_array_equal(x, ds.data[order[:64]])
    np.testing.assert_array_equal(t, ds.label[order[:64]])
    sizes = [len(xb) for xb, _ in loader]  # the rest of the pass: 4 more batches
    assert sizes == [64, 64, 64, 44]
    assert [len(xb) for xb, _ in loader] == [64, 64, 64, 64, 44]  # reset after a pass
    assert dataloaders.DataLoader is dezero.DataLoader


def test_dataloader_without_shuffle_and_next():
    ds = datasets.Spiral()
    loader = dataloaders.DataLoader(ds, 100, shuffle=False)
    x, t = loader.next()
    np.testing.assert_array_equal(x, ds.data[:100])
    with pytest.raises(ValueError, match="batch_size"):
        dataloaders.DataLoader(ds, 0)


def test_seq_dataloader_streams():
    ds = datasets.SinCurve(train=False)  # cos: no noise
    loader = dezero.SeqDataLoader(ds, batch_size=3)
    jump = 999 // 3
    for k in range(4):
        x, t = next(loader)
        idx = [(i * jump + k) % 999 for i in range(3)]
        np.testing.assert_array_equal(x, ds.data[idx])
        np.testing.assert_array_equal(t, ds.label[idx])


def test_dataloader_to_gpu_raises_without_a_gpu():
    from framework import backend
    if backend.gpu_available():
        pytest.skip("a GPU answers here; the error path is for machines without one")
    loader = dataloaders.DataLoader(datasets.Spiral(), 10)
    loader.to_gpu()
    with pytest.raises(Exception, match="GPU"):
        next(loader)
    loader.to_cpu()
    assert next(loader)[0].shape == (10, 2)


def test_sin_curve_as_the_book():
    np.random.seed(0)
    ds = datasets.SinCurve(train=True)
    np.random.seed(0)
    x = np.linspace(0, 2 * np.pi, 1000)
    y = np.sin(x) + np.random.uniform(-0.05, 0.05, size=x.shape)
    np.testing.assert_array_equal(ds.data[:, 0], y[:-1])
    np.testing.assert_array_equal(ds.label[:, 0], y[1:])
    assert len(ds) == 999 and ds[0][0].shape == (1,)


@pytest.mark.skipif(not (SHARED / "mnist").is_dir(), reason=f"no MNIST files in {SHARED}")
def test_mnist_gives_flat_float_samples(monkeypatch):
    monkeypatch.setenv("ZERONN_DATA", str(SHARED))
    test_set = datasets.MNIST(train=False)
    assert len(test_set) == 10000 and test_set.data.shape == (10000, 1, 28, 28)
    x, t = test_set[0]
    assert x.shape == (784,) and x.dtype == np.float32
    np.testing.assert_array_equal(x, test_set.data[0].reshape(-1).astype(np.float32) / 255.0)
    assert 0.0 <= x.min() and x.max() <= 1.0 and t == test_set.label[0] == 7
    raw = datasets.MNIST(train=False, transform=None)
    assert raw[0][0].shape == (1, 28, 28) and raw[0][0].dtype == np.uint8


def test_mnist_missing_says_where_to_put_it(monkeypatch, tmp_path):
    monkeypatch.setenv("ZERONN_DATA", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(utils.files, "cache_dir", str(tmp_path / ".dezero"))
    monkeypatch.delenv("ZERONN_DOWNLOAD", raising=False)
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte.gz.*ZERONN_DATA"):
        datasets.MNIST(train=False)


def test_get_file_never_downloads_what_a_data_folder_holds(monkeypatch, tmp_path):
    (tmp_path / "weights.npz").write_bytes(b"x")
    monkeypatch.setenv("ZERONN_DATA", str(tmp_path))
    monkeypatch.setenv("ZERONN_DOWNLOAD", "1")

    def no_network(*args, **kwargs):
        raise AssertionError("downloaded a file that was there")
    monkeypatch.setattr(utils.files, "_download", no_network)
    path = utils.get_file("https://example.invalid/models/weights.npz")
    assert path == str(tmp_path / "weights.npz")


def test_get_file_downloads_only_when_allowed_and_checksummed(monkeypatch, tmp_path):
    monkeypatch.setenv("ZERONN_DATA", str(tmp_path / "data"))
    monkeypatch.setattr(utils.files, "cache_dir", str(tmp_path / "cache"))
    monkeypatch.delenv("ZERONN_DOWNLOAD", raising=False)
    with pytest.raises(FileNotFoundError, match="ZERONN_DOWNLOAD=1"):
        utils.get_file("https://example.invalid/a.txt")
    with pytest.raises(DataError, match="checksum"):
        utils.get_file("https://example.invalid/a.txt", download=True)
    src = tmp_path / "a.txt"
    src.write_bytes(b"hello")
    from framework.data.files import sha256_hex
    path = utils.get_file(src.as_uri(), sha256=sha256_hex(b"hello"), download=True)
    assert Path(path) == tmp_path / "cache" / "a.txt" and Path(path).read_bytes() == b"hello"


def test_shakespear_and_imagenet_labels_read_local_files(monkeypatch, tmp_path):
    monkeypatch.setenv("ZERONN_DATA", str(tmp_path))
    monkeypatch.setattr(utils.files, "cache_dir", str(tmp_path / "cache"))
    monkeypatch.delenv("ZERONN_DOWNLOAD", raising=False)
    with pytest.raises(FileNotFoundError, match="shakespear.txt"):
        datasets.Shakespear()
    with pytest.raises(FileNotFoundError, match="imagenet1000_clsidx_to_labels.txt"):
        datasets.ImageNet.labels()
    (tmp_path / "shakespear.txt").write_text("abca")
    ds = datasets.Shakespear()
    assert ds.char_to_id == {"a": 0, "b": 1, "c": 2} and list(ds.data) == [0, 1, 2]
    assert list(ds.label) == [1, 2, 0]
    (tmp_path / "imagenet1000_clsidx_to_labels.txt").write_text("{0: 'tench', 1: 'goldfish'}")
    assert datasets.ImageNet.labels() == {0: "tench", 1: "goldfish"}


def test_transforms_as_dezero():
    f = transforms.Compose([transforms.Flatten(), transforms.ToFloat(),
                            transforms.Normalize(0., 255.)])
    a = np.arange(12, dtype=np.uint8).reshape(1, 3, 4)
    np.testing.assert_array_equal(f(a), np.arange(12, dtype=np.float32) / 255)
    n = transforms.Normalize(mean=[1, 2, 3], std=[1, 1, 2])(np.ones((3, 2, 2), np.float32))
    np.testing.assert_array_equal(n[:, 0, 0], [0, -1, -1])
    assert transforms.ToInt()(np.array([1.7])).dtype == int


def test_image_transforms_with_pillow():
    PIL = pytest.importorskip("PIL.Image")
    img = PIL.fromarray(np.arange(48, dtype=np.uint8).reshape(4, 4, 3))
    f = transforms.Compose([transforms.Convert("RGB"), transforms.Resize(8),
                            transforms.CenterCrop(6), transforms.ToArray()])
    arr = f(img)
    assert arr.shape == (3, 6, 6) and arr.dtype == np.float32
    back = transforms.ToPIL()(arr.astype(np.uint8))
    assert back.size == (6, 6)
    bgr = transforms.ToArray()(transforms.Convert("BGR")(img))
    np.testing.assert_array_equal(bgr[0], np.asarray(img)[:, :, 2])
