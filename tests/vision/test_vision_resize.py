"""transforms.Resize against PIL's Image.resize (images) and PyTorch's interpolate
(tensors); the reference arrays were computed with Pillow 13 and PyTorch 2."""
import numpy as np
import pytest

import framework as fw
from framework.vision import transforms as T

IMG = ((np.arange(30).reshape(5, 6) * 37) % 256).astype(np.uint8)
X = ((np.arange(20, dtype=np.float32).reshape(1, 1, 4, 5) ** 1.5) / 100)


def _close(got, ref, tol=1):
    assert got.shape == np.asarray(ref).shape
    assert np.abs(got.astype(np.int64) - np.asarray(ref, np.int64)).max() <= tol


def test_resize_image_bilinear_matches_pil():
    # Image.fromarray(IMG).resize((4, 3), Image.BILINEAR)
    _close(T.Resize((3, 4))(IMG), [[68, 51, 104, 156], [181, 96, 57, 103], [149, 188, 108, 50]])
    # one axis only (rows), and upscaling
    _close(T.Resize((2, 6))(IMG), [[141, 73, 52, 77, 114, 151], [154, 179, 158, 90, 46, 83]], 0)
    up = T.Resize((7, 6))(IMG)
    assert up.dtype == np.uint8 and up.shape == (7, 6)
    _close(up, [[0, 37, 74, 111, 148, 185], [127, 18, 55, 92, 129, 166],
                [212, 66, 30, 67, 104, 141], [188, 225, 6, 43, 80, 117],
                [164, 201, 165, 19, 56, 93], [139, 176, 213, 104, 31, 68],
                [120, 157, 194, 231, 12, 49]], 0)


def test_resize_image_nearest_matches_pil():
    got = T.Resize((3, 4), interpolation=T.InterpolationMode.NEAREST)(IMG)
    np.testing.assert_array_equal(got, [[0, 74, 111, 185], [188, 6, 43, 117],
                                        [120, 194, 231, 49]])


def test_resize_color_image_resizes_each_channel():
    rgb = np.stack([IMG, 255 - IMG, IMG // 2], axis=2)
    out = T.Resize((3, 4))(rgb)
    assert out.shape == (3, 4, 3) and out.dtype == np.uint8
    for c in range(3):
        np.testing.assert_array_equal(out[:, :, c], T.Resize((3, 4))(np.ascontiguousarray(rgb[:, :, c])))


def test_resize_tensor_matches_interpolate():
    t = T.Resize((2, 3))(fw.Variable(X))
    assert isinstance(t, fw.Variable) and t.dtype == np.float32 and t.shape == (1, 1, 2, 3)
    # interpolate(x, (2, 3), mode="bilinear", align_corners=False, antialias=True)
    np.testing.assert_allclose(t.data[0, 0], [[0.1043625, 0.1517317, 0.2082778],
                                              [0.4224017, 0.5054787, 0.5933605]], atol=1e-5)
    t = T.Resize((2, 3), antialias=False)(fw.Variable(X))
    np.testing.assert_allclose(t.data[0, 0], [[0.0634294, 0.1067434, 0.1630393],
                                              [0.4665299, 0.5583101, 0.6560737]], atol=1e-5)
    t = T.Resize((3, 7))(fw.Variable(X[0]))  # (C, H, W) upscaled
    np.testing.assert_allclose(t.data[0, 1], [0.2140156, 0.237949, 0.2686272, 0.3004474,
                                              0.3340549, 0.3686771, 0.396916], atol=1e-5)
    t = T.Resize((3, 7), interpolation="nearest")(fw.Variable(X))
    np.testing.assert_allclose(t.data[0, 0, 2], [0.3162278, 0.3162278, 0.3648287, 0.4156922,
                                                 0.4156922, 0.4687217, 0.523832], atol=1e-6)


def test_resize_int_keeps_aspect_ratio_and_max_size():
    img = np.zeros((30, 45, 3), np.uint8)
    assert T.Resize(20)(img).shape == (20, 30, 3)
    assert T.Resize([20])(img).shape == (20, 30, 3)
    assert T.Resize(20)(np.zeros((45, 31), np.uint8)).shape == (29, 20)  # int(20 * 45 / 31)
    assert T.Resize(20, max_size=25)(img).shape == (16, 25, 3)
    assert T.Resize((10, 12))(fw.Variable(np.zeros((2, 3, 30, 45), np.float32))).shape == (2, 3, 10, 12)
    same = np.zeros((20, 30), np.uint8)
    assert T.Resize(20)(same) is same
    with pytest.raises(ValueError, match="max_size"):
        T.Resize(20, max_size=20)
    with pytest.raises(ValueError, match="max_size"):
        T.Resize((20, 20), max_size=30)
    with pytest.raises(ValueError, match="interpolation"):
        T.Resize(20, interpolation="lanczos")
    with pytest.raises(ValueError, match="positive"):
        T.Resize(0)


def test_resize_constant_image_stays_constant():
    for mode in ("bilinear", "bicubic", "nearest"):
        out = T.Resize((7, 3), interpolation=mode)(np.full((5, 9), 200, np.uint8))
        np.testing.assert_array_equal(out, 200)
        t = T.Resize((7, 3), interpolation=mode)(fw.Variable(np.full((1, 5, 9), 0.5, np.float32)))
        np.testing.assert_allclose(t.data, 0.5, atol=1e-6)


def test_resize_against_pil():
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    for _ in range(10):
        h, w, oh, ow = (int(v) for v in rng.integers(1, 30, 4))
        img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        ref = np.asarray(Image.fromarray(img).resize((ow, oh), Image.BILINEAR))
        _close(T.Resize((oh, ow))(img), ref)
        ref = np.asarray(Image.fromarray(img).resize((ow, oh), Image.NEAREST))
        np.testing.assert_array_equal(T.Resize((oh, ow), interpolation=0)(img), ref)
    pil = Image.fromarray(IMG)
    _close(T.Resize((3, 4))(pil), np.asarray(pil.resize((4, 3), Image.BILINEAR)))
