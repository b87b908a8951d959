"""The example data set: Gaussian blobs in the plane, generated from a seed."""
import numpy as np

from framework.data import TensorDataset

__all__ = ["ExampleBlobs"]


class ExampleBlobs(TensorDataset):
    """Points drawn around ``num_classes`` centres spaced evenly on a circle.

    The centres depend only on ``num_classes`` and ``radius``; the points on ``seed``
    and on ``train``, so the training and test splits are different draws of the same
    distribution.

    Args:
        train: the training split (True) or the test split (False).
        n_samples: points per split.
        num_classes: number of blobs (classes).
        radius: distance of the centres from the origin.
        std: standard deviation of each blob.
        seed: seed of the draw.

    Raises:
        ValueError: a count below 1 or a negative std.

    Shape:
        a sample is ``(x, t)``: ``x`` float32 ``(2,)``, ``t`` an int64 class index.
    """

    def __init__(self, train=True, n_samples=300, num_classes=3, radius=3.0, std=0.6,
                 seed=0):
        if int(n_samples) < 1 or int(num_classes) < 1:
            raise ValueError(f"example_blobs: n_samples and num_classes must be >= 1, "
                             f"got n_samples={n_samples}, num_classes={num_classes}")
        if std < 0:
            raise ValueError(f"example_blobs: std must be >= 0, got {std}")
        angles = 2 * np.pi * np.arange(num_classes) / num_classes
        self.centers = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
        self.num_classes = int(num_classes)
        # A separate stream per split: the same seed never yields the same points twice.
        rng = np.random.default_rng([int(seed), 0 if train else 1])
        t = rng.integers(0, num_classes, size=int(n_samples))
        x = self.centers[t] + std * rng.standard_normal((int(n_samples), 2))
        super().__init__(x.astype(np.float32), t.astype(np.int64))
