"""The spiral toy data set of "Deep Learning from Scratch 3" (DeZero), generated."""
import numpy as np

from framework.data import ArrayDataset
from framework.datasets import make_spiral  # one generator: DeZero's, in framework
from framework.errors import ConfigError

__all__ = ["Spiral", "make_spiral"]


class Spiral(ArrayDataset):
    """Three interleaved spirals of 2-d points (DeZero's ``Spiral``), 100 per class.

    Args:
        train: seed 1984 (True) or 2020 (False), as DeZero; ``seed`` overrides it.
        transform: applied to each point (once, at construction).
        target_transform: applied to each label (once, at construction).
        num_per_class: points per class.
        num_classes: number of spirals.
        seed: the generator's seed (None for DeZero's per-split seed).
        noise: standard deviation of the angle noise.

    Raises:
        ConfigError: a non-positive ``num_per_class`` or ``num_classes``.

    Shape:
        x: ``(2,)`` float32; t: int64 class in ``0..num_classes-1``.
    """

    def __init__(self, train=True, transform=None, target_transform=None,
                 num_per_class=100, num_classes=3, seed=None, noise=0.2):
        for name, value in (("num_per_class", num_per_class), ("num_classes", num_classes)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) \
                    or value < 1:
                raise ConfigError(f"spiral: {name}={value!r} is invalid; expected an "
                                  "int >= 1")
        if seed is None:
            seed = 1984 if train else 2020
        x, t = make_spiral(num_per_class, num_classes, seed, noise)
        super().__init__(x, t, transform=transform, target_transform=target_transform)
        self.classes = tuple(str(c) for c in range(num_classes))
        self.train = bool(train)
