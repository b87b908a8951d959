"""transforms.CenterCrop, Grayscale, Pad, RandomResizedCrop, RandomVerticalFlip."""
import numpy as np
import pytest

import framework as fw
from framework.vision import transforms as T


def _img(h=6, w=8, c=None, seed=0):
    shape = (h, w) if c is None else (h, w, c)
    return np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)


def test_center_crop_offsets_and_zero_padding():
    img = _img(c=3)
    np.testing.assert_array_equal(T.CenterCrop(4)(img), img[1:5, 2:6])
    np.testing.assert_array_equal(T.CenterCrop((3, 5))(img), img[2:5, 2:7])  # round(1.5) = 2
    big = T.CenterCrop((9, 10))(img)
    assert big.shape == (9, 10, 3)
    np.testing.assert_array_equal(big[1:7, 1:9], img)
    assert big[0].sum() == 0 and big[:, 0].sum() == 0 and big[7:].sum() == 0
    x = fw.Variable(np.arange(2 * 3 * 6 * 8, dtype=np.float32).reshape(2, 3, 6, 8))
    t = T.CenterCrop(4)(x)
    assert isinstance(t, fw.Variable) and t.shape == (2, 3, 4, 4)
    np.testing.assert_array_equal(t.data, x.data[..., 1:5, 2:6])


def test_grayscale_luma():
    img = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]]], np.uint8)
    g = T.Grayscale()(img)
    np.testing.assert_array_equal(g, [[76, 150, 29, 18]])  # PIL's convert("L")
    g3 = T.Grayscale(3)(img)
    assert g3.shape == (1, 4, 3) and (g3 == g[:, :, None]).all()
    t = T.Grayscale()(T.ToTensor()(img))
    assert t.shape == (1, 1, 4)
    np.testing.assert_allclose(t.data[0, 0, 0], 0.2989, atol=1e-6)
    assert T.Grayscale(3)(T.ToTensor()(img)).shape == (3, 1, 4)
    with pytest.raises(ValueError):
        T.Grayscale(2)


def test_grayscale_against_pil():
    Image = pytest.importorskip("PIL.Image")
    img = _img(20, 30, 3, seed=3)
    np.testing.assert_array_equal(T.Grayscale()(img),
                                  np.asarray(Image.fromarray(img).convert("L")))


def test_pad_modes_and_layouts():
    img = _img(3, 4)
    out = T.Pad((1, 2, 3, 4), fill=7)(img)
    assert out.shape == (3 + 2 + 4, 4 + 1 + 3)
    np.testing.assert_array_equal(out[2:5, 1:5], img)
    assert (out[0] == 7).all()
    np.testing.assert_array_equal(T.Pad(1, padding_mode="edge")(img)[0, 1:5], img[0])
    np.testing.assert_array_equal(T.Pad((2, 0), padding_mode="reflect")(img)[:, 0], img[:, 2])
    t = T.Pad(2)(fw.Variable(np.ones((3, 4, 5), np.float32)))
    assert isinstance(t, fw.Variable) and t.shape == (3, 8, 9)
    with pytest.raises(ValueError):
        T.Pad((1, 2, 3))
    with pytest.raises(ValueError):
        T.Pad(1, padding_mode="wrap")


def test_random_resized_crop_shapes_and_params():
    np.random.seed(0)
    img = _img(40, 60, 3)
    for _ in range(5):
        top, left, h, w = T.RandomResizedCrop.get_params(img, (0.08, 1.0), (3 / 4, 4 / 3))
        assert 0 <= top and top + h <= 40 and 0 <= left and left + w <= 60
        assert 0.08 * 2400 * 0.9 <= h * w <= 2400
    out = T.RandomResizedCrop(16)(img)
    assert out.shape == (16, 16, 3) and out.dtype == np.uint8
    t = T.RandomResizedCrop((8, 12))(T.ToTensor()(img))
    assert isinstance(t, fw.Variable) and t.shape == (3, 8, 12)
    # no draw fits (the area must exceed the image): the central crop of the nearest ratio
    assert T.RandomResizedCrop.get_params(img, (2.0, 3.0), (0.5, 1.0)) == (0, 10, 40, 40)
    assert T.RandomResizedCrop.get_params(img, (2.0, 3.0), (1.0, 2.0)) == (0, 0, 40, 60)
    with pytest.raises(ValueError):
        T.RandomResizedCrop(8, scale=(1.0, 0.5))


def test_random_vertical_flip():
    img = _img(c=3)
    np.testing.assert_array_equal(T.RandomVerticalFlip(1.0)(img), img[::-1])
    assert T.RandomVerticalFlip(0.0)(img) is img
    x = fw.Variable(np.arange(24, dtype=np.float32).reshape(1, 2, 3, 4))
    np.testing.assert_array_equal(T.RandomVerticalFlip(1.0)(x).data, x.data[..., ::-1, :])
    with pytest.raises(ValueError):
        T.RandomVerticalFlip(2)


def test_imagenet_style_pipeline():
    tf = T.Compose([T.Resize(12), T.CenterCrop(10), T.ToTensor(),
                    T.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
    assert tf(_img(24, 30, 3)).shape == (3, 10, 10)
