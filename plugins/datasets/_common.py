"""Helpers of the built-in data sets: package data and fixed train/test splits."""
from importlib import resources

import numpy as np

from framework.data import read_csv
from framework.errors import DataError

__all__ = ["package_data", "read_package_csv", "fixed_split", "check_target", "use_image_targets",
           "TARGETS"]

#: What a sample's target can be: the class label, or the image itself (autoencoders).
TARGETS = ("label", "image")


def package_data(filename):
    """Return the bytes of ``plugins/datasets/data/<filename>`` (works from a wheel).

    Raises:
        DataError: the file is not in the installed package.
    """
    try:
        return resources.files("plugins.datasets").joinpath("data", filename).read_bytes()
    except (FileNotFoundError, OSError) as exc:
        raise DataError(f"the package data file plugins/datasets/data/{filename} is "
                        f"missing ({exc}); hint: reinstall zeronn, whose wheel ships it"
                        ) from exc


def read_package_csv(filename, skip_rows=0):
    """Read a numeric CSV (gzip or plain) from the package data into a float64 array."""
    return read_csv(package_data(filename), skip_rows=skip_rows, dtype=np.float64)


def fixed_split(labels, test_fraction, seed):
    """Return ``(train_idx, test_idx)``: a seeded split stratified by ``labels``.

    The test part has ``ceil(test_fraction * N)`` samples, shared among the classes
    in proportion to their sizes (largest remainders get the extra ones); within each
    class the samples are chosen at random with ``seed``. Both index arrays are in
    ascending order.
    """
    labels = np.asarray(labels)
    n = len(labels)
    n_test = int(np.ceil(test_fraction * n))
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * (n_test / n)
    quota = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - quota), kind="stable")
    quota[order[:n_test - quota.sum()]] += 1
    rng = np.random.default_rng(seed)
    test = np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:q]
                           for c, q in zip(classes, quota)])
    mask = np.zeros(n, dtype=bool)
    mask[test] = True
    return np.flatnonzero(~mask), np.flatnonzero(mask)


def check_target(name, target):
    """Raise ValueError unless ``target`` is one of :data:`TARGETS`."""
    if target not in TARGETS:
        raise ValueError(f"{name}: target must be 'label' or 'image' (for autoencoders), "
                         f"got {target!r}")


def use_image_targets(dataset):
    """Make every sample's target its own (transformed) input, for reconstruction."""
    dataset.arrays = (dataset.arrays[0], dataset.arrays[0])
