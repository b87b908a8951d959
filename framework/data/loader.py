"""DataLoader: batches of a dataset, reshuffled each epoch, resumable mid-epoch, loaded
in the main process or in worker processes.

The order of epoch ``e`` is ``np.random.default_rng([seed, e]).permutation(n)`` when
shuffling and ``0..n-1`` otherwise, so it depends on nothing but ``(seed, e)``: a loader
restored with :meth:`DataLoader.load_state_dict` in a new process yields exactly the
batches the interrupted one had still to yield. A ``sampler`` / ``batch_sampler`` of
:mod:`framework.data.sampler` gives its own order; its state is saved with the loader's.
"""
import numbers

import numpy as np

from framework import backend
from framework.core import Variable
from framework.data.dataset import array_source
from framework.data.sampler import BatchSampler, RandomSampler, SequentialSampler, _seed_from
from framework.data.worker import WorkerPool, worker_seed
from framework.errors import CheckpointError, ConfigError, DataError

__all__ = ["DataLoader", "default_collate"]


def default_collate(samples):
    """Stack a list of samples into a batch.

    Tuples and lists become a tuple with one batch per field (a namedtuple stays its
    type), dicts a dict, arrays and numbers one stacked array (``np.stack``), and
    strings a list of the strings, as PyTorch collates them; the rules apply at every
    nesting level.

    Samples that hold tensors (Variables, e.g. from ``vision.transforms.ToTensor``) are
    collated as PyTorch does: every array, tensor and number field becomes a tensor
    (ints int64, floats float64) with ``requires_grad=False``. Samples of numpy arrays
    and numbers give numpy arrays.

    Raises:
        DataError: tuple or list samples with different numbers of fields.
    """
    return _collate(samples, _holds_tensor(samples[0]))


def _holds_tensor(sample):
    if isinstance(sample, Variable):
        return True
    if isinstance(sample, (tuple, list)):
        return any(_holds_tensor(s) for s in sample)
    if isinstance(sample, dict):
        return any(_holds_tensor(s) for s in sample.values())
    return False


def _collate(samples, tensors):
    first = samples[0]
    if isinstance(first, (str, bytes)):
        return list(samples)
    if isinstance(first, (tuple, list)):
        sizes = {len(s) for s in samples}
        if len(sizes) != 1:
            raise DataError(f"default_collate: the samples of a batch must have the same "
                            f"number of fields, got sizes {sorted(sizes)}; hint: pad them "
                            f"or pass a collate_fn")
        fields = [_collate([s[k] for s in samples], tensors) for k in range(len(first))]
        if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple
            return type(first)(*fields)
        return tuple(fields)
    if isinstance(first, dict):
        return {key: _collate([s[key] for s in samples], tensors) for key in first}
    if not tensors:
        return np.stack([np.asarray(s) for s in samples])
    if isinstance(first, Variable):
        xp = backend.get_array_module(first.data)
        return Variable(xp.stack([s.data for s in samples]), requires_grad=False)
    if isinstance(first, bool):
        return Variable(np.array(samples, dtype=np.bool_), requires_grad=False)
    if isinstance(first, numbers.Integral) and not isinstance(first, np.generic):
        return Variable(np.array(samples, dtype=np.int64), requires_grad=False)
    if isinstance(first, float):
        return Variable(np.array(samples, dtype=np.float64), requires_grad=False)
    return Variable(np.stack([np.asarray(s) for s in samples]), requires_grad=False)


def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"DataLoader: {name}={value!r} is invalid; expected true or false")
    return bool(value)


def _check_int(name, value, low):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
        raise ConfigError(f"DataLoader: {name}={value!r} is invalid; expected an int >= {low}")
    return int(value)


class _Fetch:
    """``fetch(indices) -> batch``: one fancy-index per array for array-backed datasets,
    otherwise ``collate_fn([dataset[i] for i in indices])``. Picklable, so that worker
    processes run the same code as the main process."""

    def __init__(self, dataset, collate_fn):
        self.dataset = dataset
        self.collate_fn = collate_fn
        self.source = None if collate_fn is not None else array_source(dataset)
        self.current_index = None

    def __call__(self, indices):
        if self.source is not None:
            arrays, base = self.source
            idx = np.asarray(indices, dtype=np.int64)
            self.current_index = idx.tolist()
            return tuple(a[base[idx] if base is not None else idx] for a in arrays)
        samples = []
        for i in indices:
            self.current_index = int(i)
            try:
                samples.append(self.dataset[int(i)])
            except Exception as exc:
                exc.add_note(f"(raised while the DataLoader loaded sample index {int(i)})")
                raise
        self.current_index = [int(i) for i in indices]
        return (self.collate_fn or default_collate)(samples)


class DataLoader:
    """Iterate over ``dataset`` in batches (PyTorch's ``DataLoader``).

    Batches of ``(x, t)`` samples are tuples ``(X, T)`` of stacked arrays; a dataset of
    single arrays gives single arrays. For a :class:`~framework.data.TensorDataset` (or
    a Subset of one) without ``collate_fn`` each batch is one fancy-index per array.

    Each completed pass advances :attr:`epoch`, and the next pass is shuffled anew. A
    pass that is abandoned part-way is started again from its first batch by the next
    ``iter()``, unless a position was restored with :meth:`load_state_dict`.

    With ``num_workers > 0`` batches are loaded by that many worker processes (at most
    ``prefetch_factor`` batches each requested ahead) and yielded in the same order, with
    the same content, as with ``num_workers=0``. Worker ``i`` seeds ``random`` and
    ``np.random`` from ``(seed, epoch, i)`` (see :func:`framework.data.get_worker_info`),
    then calls ``worker_init_fn(i)``. An exception in a worker is raised in the main
    process with its type, naming the sample index and the worker's traceback. The
    workers stop when the pass ends, raises, or is abandoned (``break``), and on Ctrl-C.

    Args:
        dataset: a map-style dataset (``__getitem__`` and ``__len__``).
        batch_size: samples per batch (the last one may be smaller).
        shuffle: reshuffle the order every epoch.
        sampler: an iterable of indices giving the order (then ``shuffle`` stays False).
        batch_sampler: an iterable of index lists, one per batch (then ``batch_size``,
            ``shuffle``, ``sampler`` and ``drop_last`` keep their defaults).
        num_workers: worker processes; 0 loads in the main process.
        collate_fn: turns a list of samples into a batch (default :func:`default_collate`).
        pin_memory: accepted for PyTorch compatibility; batches are numpy arrays, so it
            has no effect (use ``device`` to move them).
        drop_last: drop the last batch when it is smaller than ``batch_size``.
        timeout: seconds to wait for a worker's batch (0: wait as long as it takes,
            while the workers are alive).
        worker_init_fn: called in each worker with its id, after seeding.
        generator: a ``numpy.random.Generator`` the seed is drawn from when ``seed`` is None.
        persistent_workers: keep the workers between passes.
        seed: seed of the shuffle order; None draws one (from ``generator``, else from
            numpy's global random state) once, at construction.
        prefetch_factor: batches requested ahead per worker (default 2 with workers).
        multiprocessing_context: a start method name or context (default ``fork`` where
            available).
        device: None or ``"cpu"`` (batches stay numpy arrays), or ``"gpu"``,
            ``"gpu:N"``, ``"cuda"``, ``"cuda:N"`` (each array is moved there).

    Raises:
        ConfigError (a ValueError): a bad argument, or options that exclude each other.
        DeviceError: an unknown device, or a GPU that is not usable.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, generator=None, persistent_workers=False, seed=None, *,
                 prefetch_factor=None, multiprocessing_context=None, device=None):
        self.dataset = dataset
        self.batch_size = _check_int("batch_size", batch_size, 1)
        self.shuffle = _check_bool("shuffle", shuffle)
        self.drop_last = _check_bool("drop_last", drop_last)
        self.num_workers = _check_int("num_workers", num_workers, 0)
        self.pin_memory = _check_bool("pin_memory", pin_memory)
        self.persistent_workers = _check_bool("persistent_workers", persistent_workers)
        if collate_fn is not None and not callable(collate_fn):
            raise ConfigError(f"DataLoader: collate_fn={collate_fn!r} is not callable")
        if worker_init_fn is not None and not callable(worker_init_fn):
            raise ConfigError(f"DataLoader: worker_init_fn={worker_init_fn!r} is not callable")
        if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or timeout < 0:
            raise ConfigError(f"DataLoader: timeout={timeout!r} is invalid; expected a number "
                              f"of seconds >= 0")
        if self.num_workers == 0:
            if prefetch_factor is not None:
                raise ConfigError("DataLoader: prefetch_factor needs num_workers > 0 (it "
                                  "bounds the batches each worker loads ahead)")
            if self.persistent_workers:
                raise ConfigError("DataLoader: persistent_workers=True needs num_workers > 0")
        self.prefetch_factor = 2 if prefetch_factor is None else \
            _check_int("prefetch_factor", prefetch_factor, 1)
        if sampler is not None and self.shuffle:
            raise ConfigError("DataLoader: sampler option is mutually exclusive with "
                              "shuffle; shuffle in the sampler (e.g. RandomSampler) instead")
        if batch_sampler is not None and (self.batch_size != 1 or self.shuffle
                                          or sampler is not None or self.drop_last):
            raise ConfigError("DataLoader: batch_sampler option is mutually exclusive with "
                              "batch_size, shuffle, sampler, and drop_last")
        self.collate_fn = collate_fn
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.generator = generator
        try:
            self.seed = _seed_from(seed, generator, "DataLoader")
        except ValueError:
            raise ConfigError(f"DataLoader: seed={seed!r} is invalid; expected an int "
                              f">= 0") from None
        # sampler / batch_sampler given by the user drive the order; otherwise the
        # loader's own (seed, epoch) order, which these attributes describe.
        self._custom_order = sampler is not None or batch_sampler is not None
        if sampler is None:
            sampler = (RandomSampler(dataset, seed=self.seed) if self.shuffle
                       else SequentialSampler(dataset))
        self.sampler = sampler
        self.batch_sampler = batch_sampler if batch_sampler is not None else \
            BatchSampler(sampler, self.batch_size, self.drop_last)
        self._user_batch_sampler = batch_sampler is not None
        self._fetch = _Fetch(dataset, collate_fn)
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
        self._order_state = None  # a custom sampler's state when the current pass began
        self._pool = None      # persistent workers
        self._shard = (0, 1)   # (rank, world size) of data-parallel training

    # -- sizes ----------------------------------------------------------------------
    def __len__(self):
        """The number of batches in one epoch."""
        if self._custom_order:
            return len(self.batch_sampler)
        n = len(self.dataset)
        world = self._shard[1]
        bs = self.batch_size * world
        # shard() drops a last global batch too small to give every process a sample
        return n // bs if self.drop_last or n % bs < world else -(-n // bs)

    def shard(self, rank, world_size):
        """Load only process ``rank``'s part of each batch, for data-parallel training.

        The epoch's order is cut into global batches of ``world_size * batch_size``
        samples (``batch_size`` is per process) and process ``rank`` takes the
        ``rank``-th of ``world_size`` near-equal parts of each, so the processes
        together see exactly the batches one process with ``world_size * batch_size``
        would, and every process keeps the same position (resume stays exact). A last
        global batch with fewer samples than processes is dropped.

        Args:
            rank: this process's rank, ``0 <= rank < world_size``.
            world_size: the number of processes.

        Returns:
            self.

        Raises:
            ConfigError: the loader's order comes from a sampler (shard with
                ``DistributedSampler`` instead) or the rank does not fit.
        """
        world_size = _check_int("world_size", world_size, 1)
        rank = _check_int("rank", rank, 0)
        if rank >= world_size:
            raise ConfigError(f"DataLoader.shard: rank {rank} is not below world_size "
                              f"{world_size}")
        if self._custom_order and world_size > 1:
            raise ConfigError("DataLoader.shard: this loader's order comes from its sampler; "
                              "give it a DistributedSampler instead")
        self._shard = (rank, world_size)
        return self

    @property
    def epoch(self):
        """The epoch the next (or current) pass belongs to, counted from 0."""
        return self._epoch

    # -- order ----------------------------------------------------------------------
    def epoch_order(self, epoch=None):
        """Return the sample order of ``epoch`` (default: the current one) as an array.

        Raises:
            ConfigError: the order comes from a ``sampler`` / ``batch_sampler`` (ask it).
        """
        if self._custom_order:
            raise ConfigError("DataLoader.epoch_order: this loader's order comes from its "
                              "sampler; iterate loader.sampler instead")
        epoch = self._epoch if epoch is None else epoch
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return np.random.default_rng([self.seed, int(epoch)]).permutation(n)

    def set_epoch(self, epoch):
        """Make the next pass epoch ``epoch`` from its first batch (as torch's samplers);
        a sampler with ``set_epoch`` (e.g. DistributedSampler) is set to it as well."""
        self._epoch = _check_int("epoch", epoch, 0)
        self._position = 0
        self._resume = False
        if self._custom_order:
            target = self.batch_sampler if self._user_batch_sampler else self.sampler
            if hasattr(target, "set_epoch"):
                target.set_epoch(self._epoch)

    def _order_source(self):
        return self.batch_sampler if self._user_batch_sampler else self.sampler

    def _batches(self, epoch):
        """The index arrays of ``epoch``'s batches."""
        if not self._custom_order:
            order = self.epoch_order(epoch)
        else:
            source = self._order_source()
            saver = getattr(source, "state_dict", None)
            self._order_state = saver() if saver is not None else None
            if self._user_batch_sampler:
                return [np.asarray(list(b), dtype=np.int64) for b in source]
            order = np.fromiter((int(i) for i in source), dtype=np.int64)
        rank, world = self._shard
        bs = self.batch_size * world
        n_batches = len(order) // bs if self.drop_last else -(-len(order) // bs)
        batches = [order[b * bs:(b + 1) * bs] for b in range(n_batches)]
        if world > 1:
            batches = [np.array_split(b, world)[rank] for b in batches if len(b) >= world]
        return batches

    # -- state ----------------------------------------------------------------------
    def state_dict(self):
        """Return the loader's position as a dict of ints.

        Keys: ``seed``, ``epoch``, ``position`` (batches already yielded in that epoch),
        and ``batch_size``, ``num_samples`` (to check a resume against); with a custom
        sampler that has a ``state_dict``, also ``sampler`` (its state when the epoch
        began, so that a resume lists the same order).
        """
        epoch, position = self._epoch, self._position
        if position and position >= len(self):
            # Every batch was yielded; only the end-of-pass bookkeeping is pending.
            epoch, position = epoch + 1, 0
        state = {"seed": self.seed, "epoch": epoch, "position": position,
                 "batch_size": self.batch_size, "num_samples": len(self.dataset)}
        if self._custom_order:
            saver = getattr(self._order_source(), "state_dict", None)
            if position and self._order_state is not None:
                state["sampler"] = self._order_state
            elif saver is not None:
                state["sampler"] = saver()
        return state

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
        if state.get("sampler") is not None:
            loader = getattr(self._order_source(), "load_state_dict", None)
            if loader is not None:
                try:
                    loader(state["sampler"])
                except (ValueError, TypeError, KeyError) as exc:
                    raise CheckpointError(f"DataLoader state: the sampler's state does not "
                                          f"fit: {exc}") from None
        self.seed = values["seed"]
        if not self._custom_order and isinstance(self.sampler, RandomSampler):
            self.sampler.seed = self.seed
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
        batches = self._batches(epoch)
        if self.num_workers == 0:
            loaded = (self._fetch(idx) for idx in batches[start:])
            pool = None
        else:
            pool = self._pool or self._start_pool(epoch)
            loaded = pool.run(batches, start, pass_id, self.prefetch_factor, self.timeout)
        try:
            for b, batch in enumerate(loaded, start):
                if self._move is not None:
                    batch = _map_arrays(self._move, batch)
                if pass_id == self._pass_id:
                    self._position = b + 1
                yield batch
        finally:
            loaded.close()
            if pool is not None and not self.persistent_workers:
                pool.shutdown()
        if pass_id == self._pass_id:
            self._epoch = epoch + 1
            self._position = 0

    def _start_pool(self, epoch):
        seeds = [worker_seed(self.seed, epoch, i) for i in range(self.num_workers)]
        pool = WorkerPool(self.dataset, self._fetch, self.num_workers, seeds,
                          self.worker_init_fn, self.multiprocessing_context)
        if self.persistent_workers:
            self._pool = pool
        return pool

    def __repr__(self):
        return (f"{type(self).__name__}(dataset={type(self.dataset).__name__}"
                f"[{len(self.dataset)}], batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed}, "
                f"num_workers={self.num_workers}, device={self.device!r})")


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
    if isinstance(batch, Variable):
        return Variable(fn(batch.data), requires_grad=batch.requires_grad)
    return fn(batch)
