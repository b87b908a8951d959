"""Samplers: the order in which a DataLoader visits a dataset's indices.

As in PyTorch, a sampler is an iterable of indices (a batch sampler: of lists of
indices) with a ``__len__``. The random samplers here are reproducible: each pass's
order is ``np.random.default_rng([seed, epoch])``'s, where ``seed`` is fixed at
construction (from ``seed``, else ``generator``, else numpy's global random state) and
``epoch`` counts the passes (or is set with ``set_epoch``). ``state_dict()`` holds
``{seed, epoch}`` so that a DataLoader restored mid-epoch lists the same order again.
"""
import numbers

import numpy as np

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "DistributedSampler"]


def _nonneg_int(owner, name, value, low=0):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{owner}: {name} should be an integer >= {low}, but got {value!r}")
    return int(value)


def _seed_from(seed, generator, owner):
    """The sampler's base seed: ``seed``, else one drawn from ``generator`` (a numpy
    Generator, a framework.Generator or anything with ``initial_seed()``), else from
    numpy's global state."""
    if seed is not None:
        return _nonneg_int(owner, "seed", seed)
    if generator is None:
        return int(np.random.randint(0, 2**31 - 1))
    if isinstance(generator, np.random.Generator) or hasattr(generator, "integers"):
        # (framework.Generator too): drawn from its stream, as PyTorch's samplers do
        return int(generator.integers(0, 2**31 - 1))
    if hasattr(generator, "initial_seed"):
        return int(generator.initial_seed()) % (2**63)
    raise TypeError(f"{owner}: generator should be a numpy.random.Generator (e.g. "
                    f"np.random.default_rng(0)), got {type(generator).__name__}")


class Sampler:
    """Base class: subclasses implement ``__iter__`` (indices) and usually ``__len__``.

    Args:
        data_source: accepted for PyTorch compatibility and ignored.
    """

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class _EpochState:
    """Seeded per-pass orders, ``set_epoch`` and ``state_dict`` (see the module doc)."""

    _advance = True  # a pass moves to the next epoch's order (DistributedSampler: no)

    def set_epoch(self, epoch):
        """Make the next pass use epoch ``epoch``'s order."""
        self.epoch = _nonneg_int(type(self).__name__, "epoch", epoch)

    def _rng(self):
        rng = np.random.default_rng([self.seed, self.epoch])
        if self._advance:
            self.epoch += 1
        return rng

    def state_dict(self):
        """``{"seed": int, "epoch": int}``: the order of the next pass."""
        return {"seed": self.seed, "epoch": self.epoch}

    def load_state_dict(self, state):
        """Restore :meth:`state_dict`'s values.

        Raises:
            ValueError: missing keys or values that are not non-negative integers.
        """
        owner = type(self).__name__
        if not isinstance(state, dict) or not {"seed", "epoch"} <= set(state):
            raise ValueError(f"{owner}: a sampler state needs the keys 'seed' and 'epoch', "
                             f"got {state!r}")
        self.seed = _nonneg_int(owner, "seed", state["seed"])
        self.epoch = _nonneg_int(owner, "epoch", state["epoch"])


class SequentialSampler(Sampler):
    """Indices ``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(_EpochState, Sampler):
    """A random permutation of the indices per pass (or draws with replacement).

    Args:
        data_source: the dataset.
        replacement: draw ``num_samples`` indices with replacement.
        num_samples: how many indices per pass (default ``len(data_source)``); without
            replacement, more than the length repeats whole permutations, as PyTorch.
        generator: a ``numpy.random.Generator`` the seed is drawn from.
        seed: the base seed (wins over ``generator``).

    Raises:
        ValueError: a non-positive num_samples or a non-bool replacement.
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None,
                 seed=None):
        if not isinstance(replacement, bool):
            raise ValueError(f"RandomSampler: replacement should be a boolean, but got "
                             f"{replacement!r}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        if num_samples is not None:
            _nonneg_int("RandomSampler", "num_samples", num_samples, low=1)
        self.generator = generator
        self.seed = _seed_from(seed, generator, "RandomSampler")
        self.epoch = 0

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n, count, rng = len(self.data_source), self.num_samples, self._rng()
        if self.replacement:
            return iter(rng.integers(0, n, size=count).tolist())
        reps = -(-count // n) if n else 0
        order = np.concatenate([rng.permutation(n) for _ in range(reps)]) if reps else []
        return iter(np.asarray(order, dtype=np.int64)[:count].tolist())

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(_EpochState, Sampler):
    """The given indices in a random order per pass.

    Args:
        indices: the indices to sample from.
        generator, seed: as :class:`RandomSampler`.
    """

    def __init__(self, indices, generator=None, seed=None):
        self.indices = list(indices)
        self.generator = generator
        self.seed = _seed_from(seed, generator, "SubsetRandomSampler")
        self.epoch = 0

    def __iter__(self):
        perm = self._rng().permutation(len(self.indices))
        return iter([self.indices[i] for i in perm])

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(_EpochState, Sampler):
    """Indices ``0..len(weights)-1`` drawn with probability proportional to ``weights``.

    Args:
        weights: non-negative weights, one per index (need not sum to 1).
        num_samples: how many indices per pass.
        replacement: draw with replacement (without: each index at most once, so
            ``num_samples`` must not exceed the number of non-zero weights).
        generator, seed: as :class:`RandomSampler`.

    Raises:
        ValueError: weights that are not a 1-d sequence of finite non-negative numbers
            with a positive sum, a bad num_samples, or too many samples without
            replacement.
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None, seed=None):
        self.num_samples = _nonneg_int("WeightedRandomSampler", "num_samples", num_samples,
                                       low=1)
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean, but "
                             f"got {replacement!r}")
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1 or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1-d sequence of "
                             f"finite non-negative numbers with a positive sum, got shape "
                             f"{w.shape} with min {w.min() if w.size else None}")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(f"WeightedRandomSampler: cannot draw {num_samples} samples "
                             f"without replacement from {np.count_nonzero(w)} non-zero weights")
        self.weights = w
        self.replacement = replacement
        self.generator = generator
        self.seed = _seed_from(seed, generator, "WeightedRandomSampler")
        self.epoch = 0

    def __iter__(self):
        p = self.weights / self.weights.sum()
        drawn = self._rng().choice(len(p), size=self.num_samples, replace=self.replacement,
                                   p=p)
        return iter(drawn.tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Group another sampler's indices into lists of ``batch_size``.

    Args:
        sampler: an iterable of indices (a Sampler or e.g. a range).
        batch_size: indices per batch (a positive integer).
        drop_last: drop the last batch when it is smaller.

    Raises:
        ValueError: a bad batch_size or a non-bool drop_last.
    """

    def __init__(self, sampler, batch_size, drop_last):
        self.batch_size = _nonneg_int("BatchSampler", "batch_size", batch_size, low=1)
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean, but got "
                             f"{drop_last!r}")
        self.sampler = sampler
        self.drop_last = drop_last

    def __iter__(self):
        batch = []
        for index in self.sampler:
            batch.append(int(index))
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def set_epoch(self, epoch):
        """Pass ``set_epoch`` on to the inner sampler (when it has one)."""
        if hasattr(self.sampler, "set_epoch"):
            self.sampler.set_epoch(epoch)

    def state_dict(self):
        """The inner sampler's state (None when it keeps none)."""
        inner = getattr(self.sampler, "state_dict", None)
        return {"sampler": inner() if inner is not None else None}

    def load_state_dict(self, state):
        """Restore the inner sampler's state from :meth:`state_dict`."""
        if state.get("sampler") is not None and hasattr(self.sampler, "load_state_dict"):
            self.sampler.load_state_dict(state["sampler"])


def _distributed_defaults():
    """(world size, rank) of an initialised ``framework.distributed`` group, else (1, 0).

    ``framework.distributed`` sits above ``framework.data``, so it is looked up where
    the process already imported it (a group can only exist after that import).
    """
    import sys  # noqa: PLC0415
    dist = sys.modules.get("framework.distributed")
    if dist is None or not dist.is_initialized():
        return 1, 0
    return int(dist.get_world_size()), int(dist.get_rank())


class DistributedSampler(_EpochState, Sampler):
    """Each process's share of the dataset (``torch.utils.data.distributed``'s rule).

    Every rank computes the same permutation (``seed`` + epoch; call ``set_epoch(epoch)``
    before each epoch to reshuffle), pads it by repeating its start (or trims it, with
    ``drop_last``) to a multiple of ``num_replicas``, and takes every
    ``num_replicas``-th index starting at ``rank``.

    Args:
        dataset: the dataset.
        num_replicas: the number of processes (default: the process group's size, 1
            without one).
        rank: this process's rank (default: the group's rank, 0 without one).
        shuffle: permute per epoch; otherwise ``0..n-1``.
        seed: the seed all ranks share.
        drop_last: drop the tail instead of padding.

    Raises:
        ValueError: rank outside ``[0, num_replicas)`` or a bad num_replicas or seed.
    """

    _advance = False  # PyTorch: the order changes only through set_epoch

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        world, own = _distributed_defaults()
        num_replicas = world if num_replicas is None else num_replicas
        rank = own if rank is None else rank
        self.num_replicas = _nonneg_int("DistributedSampler", "num_replicas", num_replicas, 1)
        if isinstance(rank, bool) or not isinstance(rank, numbers.Integral) \
                or not 0 <= rank < self.num_replicas:
            raise ValueError(f"DistributedSampler: invalid rank {rank!r}, rank should be in "
                             f"the interval [0, {self.num_replicas - 1}]")
        self.rank = int(rank)
        self.dataset = dataset
        self.shuffle = bool(shuffle)
        self.seed = _nonneg_int("DistributedSampler", "seed", seed)
        self.drop_last = bool(drop_last)
        self.epoch = 0
        n = len(dataset)
        if self.drop_last and n % self.num_replicas != 0:
            self.num_samples = -(-(n - self.num_replicas) // self.num_replicas)
        else:
            self.num_samples = -(-n // self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            indices = self._rng().permutation(n).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            padding = self.total_size - len(indices)
            if padding <= len(indices):
                indices += indices[:padding]
            elif indices:
                indices += (indices * -(-padding // len(indices)))[:padding]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples
