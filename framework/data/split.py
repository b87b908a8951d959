"""Splitting a dataset into random, non-overlapping subsets."""
import math
import numbers

import numpy as np

from framework.data.dataset import Subset
from framework.errors import ConfigError

__all__ = ["random_split", "split_validation"]


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _counts(lengths, n):
    if all(_is_int(v) for v in lengths):
        counts = [int(v) for v in lengths]
        if any(c < 0 for c in counts) or sum(counts) != n:
            raise ConfigError(f"random_split: lengths {counts} must be non-negative and "
                              f"sum to the dataset's length {n} (sum is {sum(counts)})")
        return counts
    if not all(_is_real(v) for v in lengths):
        raise ConfigError(f"random_split: lengths must be all counts or all fractions, "
                          f"got {list(lengths)!r}")
    fractions = [float(v) for v in lengths]
    if any(not 0.0 <= f <= 1.0 for f in fractions) or not math.isclose(
            sum(fractions), 1.0, abs_tol=1e-6):
        raise ConfigError(f"random_split: fractions {fractions} must lie in [0, 1] and "
                          f"sum to 1 (sum is {sum(fractions)})")
    counts = [math.floor(n * f) for f in fractions]
    # The rounding remainder goes one sample at a time to the first subsets (as torch).
    for i in range(n - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


def random_split(dataset, lengths, seed=None, *, generator=None):
    """Split ``dataset`` into random non-overlapping :class:`Subset` s.

    Args:
        dataset: the dataset to split.
        lengths: counts summing to ``len(dataset)``, or fractions summing to 1 (the
            rounding remainder goes to the first subsets, one each).
        seed: an int for a reproducible split; None for a fresh random one. A
            generator here (PyTorch's third argument) counts as ``generator``.
        generator: a ``framework.Generator`` or numpy Generator to draw the
            permutation from (``generator=torch.Generator().manual_seed(42)``).

    Returns:
        A list of Subsets, one per entry of ``lengths``.

    Raises:
        ConfigError: lengths that are neither valid counts nor valid fractions.
    """
    lengths = list(lengths)
    if not lengths:
        raise ConfigError("random_split: lengths is empty; expected at least one length")
    n = len(dataset)
    counts = _counts(lengths, n)
    if seed is not None and hasattr(seed, "permutation"):
        seed, generator = None, seed
    rng = generator if generator is not None else np.random.default_rng(seed)
    perm = np.asarray(rng.permutation(n))
    bounds = np.cumsum([0] + counts)
    return [Subset(dataset, perm[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def split_validation(dataset, validation_split, seed=0):
    """Hold out a random part of ``dataset`` for validation.

    Args:
        dataset: the dataset to split.
        validation_split: a fraction in ``[0, 1)`` of the samples, or an int count in
            ``[0, len(dataset))``; 0 means no validation set.
        seed: seed of the random choice (fixed by default, so a resumed run validates
            on the same samples).

    Returns:
        ``(train, valid)``: Subsets with their indices in ascending order, or
        ``(dataset, None)`` when ``validation_split`` is 0.

    Raises:
        ConfigError: ``validation_split`` is not such a fraction or count.
    """
    n = len(dataset)
    if _is_int(validation_split):
        n_valid = int(validation_split)
        if not 0 <= n_valid < n:
            raise ConfigError(
                f"validation_split={validation_split!r} is not a valid count: expected an "
                f"int in [0, {n}) (the dataset has {n} samples) or a fraction in [0, 1)")
    elif _is_real(validation_split) and 0.0 <= float(validation_split) < 1.0:
        n_valid = int(round(n * float(validation_split)))
        if n_valid >= n:
            raise ConfigError(f"validation_split={validation_split!r} leaves no training "
                              f"samples out of {n}; expected a smaller fraction")
    else:
        raise ConfigError(
            f"validation_split={validation_split!r} is invalid: expected a fraction in "
            f"[0, 1) or an int count in [0, {n}); hint: 0.1 holds out 10% of the samples")
    if n_valid == 0:
        return dataset, None
    perm = np.random.default_rng(seed).permutation(n)
    valid = np.sort(perm[:n_valid])
    train = np.sort(perm[n_valid:])
    return Subset(dataset, train), Subset(dataset, valid)
