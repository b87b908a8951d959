"""DeZero's data loaders (``from framework import dataloaders``; also ``fw.DataLoader``).

``DataLoader(dataset, batch_size, shuffle=True, gpu=False)`` iterates once over the
data set per ``for`` loop, in mini-batches ``(x, t)`` of stacked arrays, shuffled with
numpy's global generator at each reset (DeZero's default and behaviour; PyTorch's
``framework.data.DataLoader`` does not shuffle by default).  ``SeqDataLoader`` yields,
for truncated backprop through time, ``batch_size`` streams that start evenly spaced in
the data and advance one step per batch.
"""
import math

import numpy as np

from framework import backend

__all__ = ["DataLoader", "SeqDataLoader"]


class DataLoader:
    """Mini-batches ``(x, t)`` of a data set.

    Args:
        dataset: anything with ``len`` and ``dataset[i] -> (x, t)``.
        batch_size: samples per batch (the last one may be smaller).
        shuffle: a new random order at each pass (numpy's global generator).
        gpu: batches as cupy arrays.

    Raises:
        ValueError: a batch size below 1.
    """

    def __init__(self, dataset, batch_size, shuffle=True, gpu=False):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be an int >= 1, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.data_size = len(dataset)
        self.max_iter = math.ceil(self.data_size / self.batch_size)
        self.gpu = gpu
        self.reset()

    def reset(self):
        """Start a new pass (a new order when shuffling)."""
        self.iteration = 0
        if self.shuffle:
            self.index = np.random.permutation(len(self.dataset))
        else:
            self.index = np.arange(len(self.dataset))

    def __iter__(self):
        return self

    def _xp(self):
        if not self.gpu:
            return np
        backend._require_gpu()  # a clear DeviceError when no GPU answers
        return backend._cupy()

    def _batch(self, batch_index):
        batch = [self.dataset[i] for i in batch_index]
        xp = self._xp()
        x = xp.array([example[0] for example in batch])
        t = xp.array([example[1] for example in batch])
        return x, t

    def __next__(self):
        if self.iteration >= self.max_iter:
            self.reset()
            raise StopIteration
        i, bs = self.iteration, self.batch_size
        x, t = self._batch(self.index[i * bs:(i + 1) * bs])
        self.iteration += 1
        return x, t

    def next(self):
        return self.__next__()

    def __len__(self):
        return self.max_iter

    def to_cpu(self):
        self.gpu = False

    def to_gpu(self):
        self.gpu = True


class SeqDataLoader(DataLoader):
    """Batches of ``batch_size`` time-series streams (never shuffled).

    Batch ``k`` holds samples ``(i * (N // batch_size) + k) % N`` for
    ``i = 0 .. batch_size-1``.
    """

    def __init__(self, dataset, batch_size, gpu=False):
        super().__init__(dataset=dataset, batch_size=batch_size, shuffle=False, gpu=gpu)

    def __next__(self):
        if self.iteration >= self.max_iter:
            self.reset()
            raise StopIteration
        jump = self.data_size // self.batch_size
        batch_index = [(i * jump + self.iteration) % self.data_size
                       for i in range(self.batch_size)]
        x, t = self._batch(batch_index)
        self.iteration += 1
        return x, t
