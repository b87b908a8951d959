"""Fisher's iris data set: 150 flowers, 4 measurements, 3 species; in the package."""
import numpy as np

from framework.data import ArrayDataset, read_csv
from framework.errors import DataError
from plugins.datasets._common import fixed_split, package_data

__all__ = ["Iris"]

_SPLIT_SEED = 0
_TEST_FRACTION = 0.25


class Iris(ArrayDataset):
    """The iris data set (UCI, as bundled with scikit-learn), features unscaled.

    The split is fixed at 75/25: 38 samples, stratified by species (13, 13, 12) and
    chosen with seed 0, form the test set; the other 112 form the training set.

    Args:
        train: the training part (True) or the test part (False).
        transform: applied to each feature vector (once, at construction).
        target_transform: applied to each label (once, at construction).

    Shape:
        x: ``(4,)`` float32 (sepal length, sepal width, petal length, petal width in
        cm); t: int64 class in 0..2.
    """

    def __init__(self, train=True, transform=None, target_transform=None):
        raw = package_data("iris.csv")
        header = raw.split(b"\n", 1)[0].decode("ascii").split(",")
        if len(header) < 3 or not header[0].strip().isdigit():
            raise DataError(f"iris.csv has an unexpected first line {header!r}; expected "
                            "'150,4,setosa,versicolor,virginica'")
        table = read_csv(raw, skip_rows=1, dtype=np.float64)
        labels = table[:, 4].astype(np.int64)
        train_idx, test_idx = fixed_split(labels, _TEST_FRACTION, _SPLIT_SEED)
        idx = train_idx if train else test_idx
        super().__init__(table[idx, :4].astype(np.float32), labels[idx],
                         transform=transform, target_transform=target_transform)
        self.classes = tuple(name.strip() for name in header[2:])
        self.train = bool(train)
