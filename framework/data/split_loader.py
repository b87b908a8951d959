"""A DataLoader that holds out a validation part (pytorch-template's manner)."""
from framework.data.loader import DataLoader
from framework.data.split import split_validation

__all__ = ["SplitDataLoader"]


class SplitDataLoader(DataLoader):
    """Load the training part of ``dataset``; :meth:`split_validation` gives the rest.

    The validation samples are chosen at random once, with ``split_seed`` (default:
    ``seed``, or 0 when that is None, so the split stays the same across runs and
    resumes), and never appear in the training batches.  A separate ``split_seed``
    keeps the split fixed while ``seed`` varies (a sweep over seeds validates every
    trial on the same samples).

    Args:
        dataset: the dataset to split and load.
        batch_size, shuffle, drop_last, seed, device, collate_fn, num_workers,
            pin_memory, timeout, worker_init_fn, persistent_workers, prefetch_factor,
            multiprocessing_context: as for :class:`~framework.data.DataLoader` (for the
            training part; the validation loader loads with the same workers settings).
        validation_split: a fraction in ``[0, 1)`` or an int count in
            ``[0, len(dataset))`` of samples to hold out; 0 for none.
        split_seed: seed of the validation split; None: ``seed``'s split.

    Raises:
        ConfigError: a bad ``validation_split`` or loader argument.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, validation_split=0.0,
                 drop_last=False, seed=None, device=None, collate_fn=None, num_workers=0,
                 pin_memory=False, timeout=0, worker_init_fn=None, persistent_workers=False,
                 prefetch_factor=None, multiprocessing_context=None, split_seed=None):
        if split_seed is None:
            split_seed = 0 if seed is None else seed
        train, valid = split_validation(dataset, validation_split, seed=split_seed)
        self._worker_args = dict(num_workers=num_workers, pin_memory=pin_memory,
                                 timeout=timeout, worker_init_fn=worker_init_fn,
                                 persistent_workers=persistent_workers,
                                 prefetch_factor=prefetch_factor,
                                 multiprocessing_context=multiprocessing_context)
        super().__init__(train, batch_size=batch_size, shuffle=shuffle,
                         drop_last=drop_last, collate_fn=collate_fn, seed=seed,
                         device=device, **self._worker_args)
        self.full_dataset = dataset
        self.validation_split = validation_split
        self.split_seed = split_seed
        self.valid_dataset = valid

    def split_validation(self):
        """Return a DataLoader over the held-out samples, or None when there are none.

        It has the same batch size, collate function, device and worker settings, and neither
        shuffles nor drops the last batch.
        """
        if self.valid_dataset is None:
            return None
        return DataLoader(self.valid_dataset, batch_size=self.batch_size, shuffle=False,
                          drop_last=False, collate_fn=self.collate_fn, seed=self.seed,
                          device=self.device, **self._worker_args)
