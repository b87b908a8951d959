"""Transforms: per-sample results, and the whole-array form giving the same values."""
import numpy as np
import pytest

from framework.data import Compose, Flatten, Normalize, ToFloat
from framework.data.transforms import apply_transform


def test_to_float_casts_and_scales():
    x = np.array([[0, 255]], dtype=np.uint8)
    y = ToFloat(scale=1 / 255)(x)
    assert y.dtype == np.float32 and y.tolist() == [[0.0, 1.0]]
    assert ToFloat(np.float64)(x).dtype == np.float64
    with pytest.raises(ValueError, match="floating"):
        ToFloat(np.int32)


def test_normalize_per_channel_and_scalar():
    x = np.stack([np.full((2, 2), 1.0), np.full((2, 2), 3.0)]).astype(np.float32)
    y = Normalize([1.0, 2.0], [1.0, 0.5])(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y[0], 0.0)
    np.testing.assert_allclose(y[1], 2.0)
    np.testing.assert_allclose(Normalize(1.0, 2.0)(x)[1], 1.0)
    features = np.array([1.0, 2.0, 3.0], np.float32)  # 1-d: one statistic per feature
    np.testing.assert_allclose(Normalize([1, 2, 3], [1, 1, 1])(features), 0.0)
    assert Normalize(0, 1)(np.array([1], np.uint8)).dtype == np.float32
    with pytest.raises(ValueError, match="non-zero"):
        Normalize(0.0, [1.0, 0.0])


def test_flatten():
    assert Flatten()(np.zeros((1, 28, 28))).shape == (784,)


@pytest.mark.parametrize("transform", [
    ToFloat(scale=0.5),
    Normalize([0.5, 1.5, 2.0], [2.0, 1.0, 0.5]),
    Flatten(),
    Compose([ToFloat(), Normalize(3.0, 2.0), Flatten()]),
    Compose([ToFloat(), lambda s: s[::-1]]),  # a plain function runs per sample
])
def test_whole_array_equals_per_sample(transform):
    xs = np.random.default_rng(0).integers(0, 9, size=(5, 3, 2, 2)).astype(np.uint8)
    expected = np.stack([transform(x) for x in xs])
    got = apply_transform(transform, xs)
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert got.dtype == expected.dtype


def test_apply_transform_none_and_function():
    xs = np.arange(6).reshape(3, 2)
    assert apply_transform(None, xs) is xs
    np.testing.assert_array_equal(apply_transform(lambda s: s.sum(), xs), [1, 5, 9])


def test_reprs():
    text = repr(Compose([ToFloat(), Normalize(0.5, 0.25), Flatten()]))
    assert "ToFloat" in text and "Normalize(mean=0.5, std=0.25)" in text and "Flatten()" in text
