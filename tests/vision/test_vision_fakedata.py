"""datasets.FakeData: torchvision's random-image data set."""
import numpy as np
import pytest

import framework as fw
from framework.data import DataLoader
from framework.vision import datasets, transforms


def test_fakedata_items_are_deterministic_images():
    ds = datasets.FakeData(size=5, image_size=(3, 8, 6), num_classes=4)
    assert len(ds) == 5
    img, target = ds[2]
    assert img.shape == (8, 6, 3) and img.dtype == np.uint8
    assert isinstance(target, int) and 0 <= target < 4
    again, t2 = ds[2]
    np.testing.assert_array_equal(img, again)
    assert t2 == target
    assert not np.array_equal(img, ds[3][0])
    np.testing.assert_array_equal(ds[-1][0], ds[4][0])
    shifted = datasets.FakeData(size=5, image_size=(3, 8, 6), num_classes=4, random_offset=1)
    np.testing.assert_array_equal(shifted[1][0], ds[2][0])
    assert datasets.FakeData(size=2, image_size=(1, 5, 7))[0][0].shape == (5, 7)
    with pytest.raises(IndexError):
        ds[5]
    assert "FakeData" in datasets.__all__


def test_fakedata_as_in_the_dcgan_example():
    ds = datasets.FakeData(size=6, image_size=(3, 16, 16), transform=transforms.ToTensor(),
                           target_transform=lambda t: t + 100)
    img, target = ds[0]
    assert isinstance(img, fw.Variable) and img.shape == (3, 16, 16) and target >= 100
    x, y = next(iter(DataLoader(ds, batch_size=4)))
    assert x.shape == (4, 3, 16, 16) and y.shape == (4,)
    with pytest.raises(TypeError, match="callable"):
        datasets.FakeData(transform=3)
    with pytest.raises(ValueError, match="image_size"):
        datasets.FakeData(image_size=(8, 8))
