"""DataLoader: batches of a dataset, reshuffled each epoch, resumable mid-epoch.

The order of epoch ``e`` is ``np.random.default_rng([seed, e]).permutation(n)`` when
shuffling and ``0..n-1`` otherwise, so it depends on nothing but ``(seed, e)``: a loader
restored with :meth:`DataLoader.load_state_dict` in a new process yields exactly the
batches the interrupted one had still to yield.
"""
import numbers

import numpy as np

from framework.data.dataset import array_source
from framework.errors import CheckpointError, ConfigError, DataError

__all__ = ["DataLoader", "default_collate"]


def default_collate(samples):
    """Stack a list of samples into a batch.

    Tuples and lists become a tuple with one batch per field (a namedtuple stays its
    type), dicts a dict, arrays and numbers one stacked array (``np.stack``), and
    strings a list of the strings, as PyTorch collates them; the rules apply at every
    nesting level.

    Raises:
        DataError: tuple or list samples with different numbers of fields.
    """
    first = samples[0]
    if isinstance(first, (str, bytes)):
        return list(samples)
    if isinstance(first, (tuple, list)):
        sizes = {len(s) for s in samples}
        if len(sizes) != 1:
            raise DataError(f"default_collate: the samples of a batch must have the same "
                            f"number of fields, got sizes {sorted(sizes)}; hint: pad them "
                            f"or pass a collate_fn")
        fields = [default_collate([s[k] for s in samples]) for k in range(len(first))]
        if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple
            return type(first)(*fields)
        return tuple(fields)
    if isinstance(first, dict):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    return np.stack([np.asarray(s) for s in samples])


def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"DataLoader: {name}={value!r} is invalid; expected true or false")
    return bool(value)


def _check_int(name, value, low):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
        raise ConfigError(f"DataLoader: {name}={value!r} is invalid; expected an int >= {low}")
    return int(value)


class DataLoader:
    """Iterate over ``dataset`` in batches (PyTorch's ``DataLoader`` manners).

    Batches of ``(x, t)`` samples are tuples ``(X, T)`` of stacked arrays; a dataset of
    single arrays gives single arrays. For a :class:`~framework.data.TensorDataset` (or
    a Subset of one) without ``collate_fn`` each batch is one fancy-index per array.

    Each completed pass advances :attr:`epoch`, and the next pass is shuffled anew. A
    pass that is abandoned part-way is started again from its first batch by the next
    ``iter()``, unless a position was restored with :meth:`load_state_dict`.

    Args:
        dataset: a map-style dataset (``__getitem__`` and ``__len__``).
        batch_size: samples per batch (the last one may be smaller).
        shuffle: reshuffle the order every epoch.
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        collate_fn: turns a list of samples into a batch (default :func:`default_collate`).
        seed: seed of the shuffle order; None draws one from numpy's global random
            state once, at construction (so ``np.random.seed`` makes it reproducible).
        device: None or ``"cpu"`` (batches stay numpy arrays), or ``"gpu"``,
            ``"gpu:N"``, ``"cuda"``, ``"cuda:N"`` (each array is moved there).

    Raises:
        ConfigError: a bad ``batch_size``, ``shuffle``, ``drop_last`` or ``seed``.
        DeviceError: an unknown device, or a GPU that is not usable.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False,
                 collate_fn=None, seed=None, *, device=None):
        self.dataset = dataset
        self.batch_size = _check_int("batch_size", batch_size, 1)
        self.shuffle = _check_bool("shuffle", shuffle)
        self.drop_last = _check_bool("drop_last", drop_last)
        if collate_fn is not None and not callable(collate_fn):
            raise ConfigError(f"DataLoader: collate_fn={collate_fn!r} is not callable")
        self.collate_fn = collate_fn
        if seed is None:
            seed = int(np.random.randint(0, 2**31 - 1))
        self.seed = _check_int("seed", seed, 0)
        self.device = device
        self._move = None
        if device is not None and device != "cpu":
            from framework.backend import check_device  # noqa: PLC0415 - lazy: GPU only
            if check_device(device)[0] != "cpu":
                from framework.backend import to_device  # noqa: PLC0415
                self._move = lambda a: to_device(a, device)
        self._epoch = 0
        self._position = 0
        self._resume = False   # True after load_state_dict: next pass resumes mid-epoch
        self._pass_id = 0      # only the newest iterator updates the position

    # -- sizes ----------------------------------------------------------------------
    def __len__(self):
        """The number of batches in one epoch."""
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    @property
    def epoch(self):
        """The epoch the next (or current) pass belongs to, counted from 0."""
        return self._epoch

    # -- order ----------------------------------------------------------------------
    def epoch_order(self, epoch=None):
        """Return the sample order of ``epoch`` (default: the current one) as an array."""
        epoch = self._epoch if epoch is None else epoch
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return np.random.default_rng([self.seed, int(epoch)]).permutation(n)

    def set_epoch(self, epoch):
        """Make the next pass epoch ``epoch`` from its first batch (as torch's samplers)."""
        self._epoch = _check_int("epoch", epoch, 0)
        self._position = 0
        self._resume = False

    # -- state ----------------------------------------------------------------------
    def state_dict(self):
        """Return the loader's position as a dict of ints.

        Keys: ``seed``, ``epoch``, ``position`` (batches already yielded in that epoch),
        and ``batch_size``, ``num_samples`` (to check a resume against).
        """
        epoch, position = self._epoch, self._position
        if position and position >= len(self):
            # Every batch was yielded; only the end-of-pass bookkeeping is pending.
            epoch, position = epoch + 1, 0
        return {"seed": self.seed, "epoch": epoch, "position": position,
                "batch_size": self.batch_size, "num_samples": len(self.dataset)}

    def load_state_dict(self, state):
        """Restore a position saved by :meth:`state_dict`; the next pass resumes there.

        Raises:
            CheckpointError: missing or non-integer keys, or a mid-epoch position saved
                with another batch size or dataset length.
        """
        missing = [k for k in ("seed", "epoch", "position") if k not in state]
        if missing:
            raise CheckpointError(f"DataLoader state is missing {missing}; expected the "
                                  f"keys of DataLoader.state_dict(), got {sorted(state)}")
        values = {}
        for key in ("seed", "epoch", "position", "batch_size", "num_samples"):
            if key in state:
                value = state[key]
                if not isinstance(value, numbers.Integral) or isinstance(value, bool) \
                        or value < 0:
                    raise CheckpointError(f"DataLoader state {key}={value!r} is invalid; "
                                          "expected an int >= 0")
                values[key] = int(value)
        position = values["position"]
        if position:
            saved = (values.get("batch_size", self.batch_size),
                     values.get("num_samples", len(self.dataset)))
            if saved != (self.batch_size, len(self.dataset)):
                raise CheckpointError(
                    f"DataLoader state was saved mid-epoch (position {position}) with "
                    f"batch_size={saved[0]} and {saved[1]} samples, but this loader has "
                    f"batch_size={self.batch_size} and {len(self.dataset)} samples; hint: "
                    "resume with the same batch size and data, or from an epoch's end")
            if position > len(self):
                raise CheckpointError(f"DataLoader state position={position} is past the "
                                      f"epoch's {len(self)} batches")
        self.seed = values["seed"]
        self._epoch = values["epoch"]
        self._position = position
        self._resume = True

    # -- iteration ------------------------------------------------------------------
    def __iter__(self):
        self._pass_id += 1
        if not self._resume:
            self._position = 0
        self._resume = False
        return self._iterate(self._pass_id, self._epoch, self._position)

    def _iterate(self, pass_id, epoch, start):
        order = self.epoch_order(epoch)
        n_batches = len(self)
        source = None if self.collate_fn is not None else array_source(self.dataset)
        if source is not None:
            arrays, base = source
            if base is not None:
                order = base[order]
        bs, move = self.batch_size, self._move
        for b in range(start, n_batches):
            idx = order[b * bs:(b + 1) * bs]
            if source is not None:
                batch = tuple(a[idx] for a in arrays)
                if move is not None:
                    batch = tuple(move(a) for a in batch)
            else:
                batch = self._collate([self.dataset[int(i)] for i in idx])
            if pass_id == self._pass_id:
                self._position = b + 1
            yield batch
        if pass_id == self._pass_id:
            self._epoch = epoch + 1
            self._position = 0

    def _collate(self, samples):
        batch = (self.collate_fn or default_collate)(samples)
        if self._move is None:
            return batch
        return _map_arrays(self._move, batch)

    def __repr__(self):
        return (f"{type(self).__name__}(dataset={type(self.dataset).__name__}"
                f"[{len(self.dataset)}], batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed}, "
                f"device={self.device!r})")


def _map_arrays(fn, batch):
    """Apply ``fn`` to every array of a collated batch; other leaves stay as they are."""
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):  # a namedtuple
        return type(batch)(*(_map_arrays(fn, b) for b in batch))
    if isinstance(batch, (tuple, list)):
        return type(batch)(_map_arrays(fn, b) for b in batch)
    if isinstance(batch, dict):
        return {k: _map_arrays(fn, v) for k, v in batch.items()}
    if isinstance(batch, (str, bytes)):
        return batch
    return fn(batch)
