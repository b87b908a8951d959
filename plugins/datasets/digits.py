"""The digits data set: 1797 handwritten 8x8 digits, shipped inside the package."""
import numpy as np

from framework.data import ArrayDataset
from plugins.datasets._common import check_target, fixed_split, read_package_csv, use_image_targets

__all__ = ["Digits"]

_SPLIT_SEED = 0
_TEST_FRACTION = 0.2


class Digits(ArrayDataset):
    """UCI optdigits as bundled with scikit-learn: 8x8 grey images of 0-9.

    The split is fixed: 20% of the samples, stratified by class and chosen with seed
    0, form the test set (360 samples); the other 1437 form the training set.

    Args:
        train: the training part (True) or the test part (False).
        transform: applied to each image (once, at construction).
        target_transform: applied to each label (once, at construction).
        target: ``"label"`` (the class) or ``"image"`` (the image itself, for
            autoencoders).

    Shape:
        x: ``(1, 8, 8)`` float32 in ``[0, 1]`` (pixel / 16); t: int64 class in 0..9.
    """

    classes = tuple(str(d) for d in range(10))

    def __init__(self, train=True, transform=None, target_transform=None, target="label"):
        check_target("digits", target)
        table = read_package_csv("digits.csv.gz")
        labels = table[:, 64].astype(np.int64)
        train_idx, test_idx = fixed_split(labels, _TEST_FRACTION, _SPLIT_SEED)
        idx = train_idx if train else test_idx
        images = (table[idx, :64] / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
        super().__init__(images, labels[idx], transform=transform,
                         target_transform=target_transform)
        if target == "image":
            use_image_targets(self)
        self.train = bool(train)
