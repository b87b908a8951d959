"""Sample transforms: Compose, ToFloat, Normalize, Flatten.

Each transform is a callable on one sample, like torchvision's. The classes here also
have ``batch(x)``, the same transform applied to a stack of samples along a new axis 0,
so an array-backed dataset can preprocess all its samples in one vectorised call
(:func:`apply_transform`). A plain function works as a transform too; it is then
applied sample by sample.
"""
import numpy as np

__all__ = ["Compose", "ToFloat", "Normalize", "Flatten", "apply_transform"]


class Compose:
    """Apply ``transforms`` one after the other.

    Args:
        transforms: a sequence of callables.
    """

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def batch(self, xs):
        """Apply every transform to the stacked samples ``xs``."""
        for t in self.transforms:
            xs = apply_transform(t, xs)
        return xs

    def __repr__(self):
        inner = "".join(f"\n    {t!r}," for t in self.transforms)
        return f"Compose([{inner}\n])"


class ToFloat:
    """Cast to a floating dtype, optionally multiplying by ``scale`` (e.g. ``1/255``).

    Args:
        dtype: the floating dtype (default float32, the framework's data dtype).
        scale: a factor applied after the cast, or None.
    """

    def __init__(self, dtype=np.float32, scale=None):
        self.dtype = np.dtype(dtype)
        if not np.issubdtype(self.dtype, np.floating):
            raise ValueError(f"ToFloat: dtype must be a floating type, got {self.dtype}")
        self.scale = scale

    def __call__(self, x):
        x = np.asarray(x).astype(self.dtype, copy=False)
        if self.scale is not None:
            x = x * self.dtype.type(self.scale)
        return x

    batch = __call__

    def __repr__(self):
        return f"ToFloat(dtype={self.dtype.name}, scale={self.scale})"


class Normalize:
    """``(x - mean) / std`` per channel (axis 0 of a sample) or for all values.

    Args:
        mean: a scalar, or one value per channel (per feature for 1-d samples).
        std: same form as ``mean``; must be non-zero.

    Shape:
        a sample ``(C, ...)``; ``mean`` and ``std`` of shape ``()`` or ``(C,)``.
    """

    def __init__(self, mean, std):
        self.mean = np.asarray(mean, dtype=np.float64)
        self.std = np.asarray(std, dtype=np.float64)
        if self.mean.ndim > 1 or self.std.ndim > 1:
            raise ValueError(f"Normalize: mean and std must be scalars or 1-d, got "
                             f"shapes {self.mean.shape} and {self.std.shape}")
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std must be non-zero, got {self.std.tolist()}")

    def _apply(self, x, sample_ndim):
        x = np.asarray(x)
        dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float32
        # Per-channel statistics line up with the sample's first axis.
        tail = (1,) * max(sample_ndim - 1, 0)
        mean = self.mean.reshape(self.mean.shape + tail) if self.mean.ndim else self.mean
        std = self.std.reshape(self.std.shape + tail) if self.std.ndim else self.std
        return ((x - mean.astype(dtype)) / std.astype(dtype)).astype(dtype, copy=False)

    def __call__(self, x):
        return self._apply(x, np.ndim(x))

    def batch(self, xs):
        """Normalize stacked samples ``(N, C, ...)``."""
        return self._apply(xs, np.ndim(xs) - 1)

    def __repr__(self):
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class Flatten:
    """Flatten a sample to 1-d, e.g. ``(1, 28, 28)`` to ``(784,)``."""

    def __call__(self, x):
        return np.asarray(x).reshape(-1)

    def batch(self, xs):
        """Flatten stacked samples to ``(N, -1)``."""
        xs = np.asarray(xs)
        return xs.reshape(len(xs), -1)

    def __repr__(self):
        return "Flatten()"


def apply_transform(transform, xs):
    """Apply a per-sample ``transform`` to every sample of the array ``xs``.

    Args:
        transform: None (returns ``xs``), an object with a ``batch`` method (called once
            on the whole array), or a per-sample callable (called per sample; the
            results are stacked).
        xs: the samples, ``(N, ...)``.

    Returns:
        The transformed samples as one array ``(N, ...)``.
    """
    if transform is None:
        return xs
    batch = getattr(transform, "batch", None)
    if callable(batch):
        return batch(xs)
    return np.stack([np.asarray(transform(x)) for x in xs]) if len(xs) else xs
