"""framework.vision.transforms against torchvision's documented behaviour."""
import numpy as np
import pytest

import framework as fw
from framework.data import DataLoader, Dataset
from framework.vision import transforms as T


def _img(h=4, w=5, c=None, seed=0):
    shape = (h, w) if c is None else (h, w, c)
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


def test_to_tensor_gray_and_color():
    img = _img()
    t = T.ToTensor()(img)
    assert isinstance(t, fw.Variable) and not t.requires_grad
    assert t.shape == (1, 4, 5) and t.dtype == np.float32
    np.testing.assert_array_equal(t.data[0], img.astype(np.float32) / 255)
    rgb = _img(c=3)
    t = T.ToTensor()(rgb)
    assert t.shape == (3, 4, 5) and t.data.flags.c_contiguous
    np.testing.assert_array_equal(t.data[2], rgb[:, :, 2] / np.float32(255))
    assert T.ToTensor()(np.zeros((2, 2), np.float64)).dtype == np.float64  # no scaling
    with pytest.raises(ValueError, match="2 or 3 dimensional.*shape \\(2, 2, 2, 2\\)"):
        T.ToTensor()(np.zeros((2, 2, 2, 2), np.uint8))


def test_to_tensor_takes_a_pil_image():
    from PIL import Image
    img = _img()
    np.testing.assert_array_equal(T.ToTensor()(Image.fromarray(img)).data[0],
                                  img / np.float32(255))


def test_normalize_per_channel():
    x = np.random.default_rng(1).random((3, 4, 5)).astype(np.float32)
    out = T.Normalize((0.1, 0.2, 0.3), (0.5, 0.25, 2.0))(fw.Variable(x))
    assert isinstance(out, fw.Variable) and out.dtype == np.float32
    for c, (m, s) in enumerate(zip((0.1, 0.2, 0.3), (0.5, 0.25, 2.0))):
        np.testing.assert_allclose(out.data[c], (x[c] - np.float32(m)) / np.float32(s),
                                   rtol=1e-6)
    one = T.Normalize((0.1307,), (0.3081,))(x)
    assert isinstance(one, np.ndarray)
    np.testing.assert_allclose(one, (x - 0.1307) / 0.3081, rtol=1e-5)
    assert not np.shares_memory(one, x)
    with pytest.raises(ValueError, match="std evaluated to zero"):
        T.Normalize((0.5,), (0.0,))
    with pytest.raises(ValueError, match="2 mean values for a tensor with 3 channels"):
        T.Normalize((0.1, 0.2), (1.0,))(x)
    with pytest.raises(TypeError, match="apply transforms.ToTensor\\(\\) first"):
        T.Normalize((0.5,), (0.5,))(_img(c=3))


def test_compose_and_lambda():
    tf = T.Compose([T.ToTensor(), T.Normalize((0.5,), (0.5,)), T.Lambda(lambda t: t * 2)])
    img = _img()
    np.testing.assert_allclose(tf(img).data, ((img / 255.0 - 0.5) / 0.5 * 2)[None], rtol=1e-5)
    assert "Normalize" in repr(tf)
    with pytest.raises(TypeError, match="lambd should be callable"):
        T.Lambda(3)
    with pytest.raises(TypeError, match="transform 1 is a int"):
        T.Compose([T.ToTensor(), 1])


def test_random_horizontal_flip(monkeypatch):
    img, rgb = _img(), _img(c=3)
    monkeypatch.setattr(np.random, "random_sample", lambda: 0.1)
    np.testing.assert_array_equal(T.RandomHorizontalFlip()(img), img[:, ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip()(rgb), rgb[:, ::-1, :])
    t = T.ToTensor()(rgb)
    np.testing.assert_array_equal(T.RandomHorizontalFlip()(t).data, t.data[:, :, ::-1])
    monkeypatch.setattr(np.random, "random_sample", lambda: 0.9)
    assert T.RandomHorizontalFlip(p=0.5)(img) is img
    with pytest.raises(ValueError, match="p should be in \\[0, 1\\], got 2"):
        T.RandomHorizontalFlip(2)


def test_random_horizontal_flip_rate():
    np.random.seed(0)
    flips = sum(T.RandomHorizontalFlip(0.3)(np.array([[1, 2]], np.uint8))[0, 0] == 2
                for _ in range(4000))
    assert abs(flips / 4000 - 0.3) < 0.03


def test_random_crop_with_padding_covers_every_offset():
    img = np.arange(16, dtype=np.uint8).reshape(4, 4)
    padded = np.pad(img, 1)
    crop = T.RandomCrop(4, padding=1)
    np.random.seed(0)
    seen = set()
    for _ in range(300):
        out = crop(img)
        assert out.shape == (4, 4)
        hits = [(i, j) for i in range(3) for j in range(3)
                if np.array_equal(padded[i:i + 4, j:j + 4], out)]
        assert hits
        seen.update(hits)
    assert seen == {(i, j) for i in range(3) for j in range(3)}


def test_random_crop_shapes_and_errors():
    t = T.ToTensor()(_img(6, 7, c=3))
    out = T.RandomCrop((3, 2))(t)
    assert isinstance(out, fw.Variable) and out.shape == (3, 3, 2)
    assert T.RandomCrop(3, padding=(1, 2))(_img(6, 7, c=3)).shape == (3, 3, 3)
    assert T.RandomCrop(8, pad_if_needed=True)(_img(6, 7)).shape == (8, 8)
    edge = T.RandomCrop(6, padding=2, padding_mode="edge")(np.full((2, 2), 7, np.uint8))
    assert np.all(edge == 7)
    with pytest.raises(ValueError, match="crop size \\(8, 8\\) is larger than the input image "
                                         "size \\(6, 7\\)"):
        T.RandomCrop(8)(_img(6, 7))
    with pytest.raises(ValueError, match="padding_mode should be"):
        T.RandomCrop(2, padding_mode="wrap")


class Images(Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        return T.ToTensor()(np.full((2, 3), i, np.uint8)), i


def test_tensor_samples_collate_to_tensors_as_pytorch():
    x, t = next(iter(DataLoader(Images(), batch_size=4)))
    assert isinstance(x, fw.Variable) and isinstance(t, fw.Variable)
    assert x.shape == (4, 1, 2, 3) and x.dtype == np.float32 and not x.requires_grad
    assert t.dtype == np.int64 and t.data.tolist() == [0, 1, 2, 3]
    xs = [b for b in DataLoader(Images(), batch_size=4, num_workers=2)]
    assert isinstance(xs[0][0], fw.Variable)
    np.testing.assert_array_equal(xs[0][0].data, x.data)
