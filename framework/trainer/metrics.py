"""Running averages of the loss and metrics over an epoch, weighted by batch size."""

import numpy as np

__all__ = ["MetricTracker"]


class MetricTracker:
    """Accumulate per-batch values into sample-weighted epoch averages.

    Args:
        *keys: the names tracked (others are added on first update).
        comm: a communicator of a multi-process run: :meth:`result` then sums every
            process's totals and counts (all processes must call it, with the same keys).
    """

    def __init__(self, *keys, comm=None):
        self.comm = comm
        self._keys = list(keys)
        self._total = {}
        self._count = {}
        self.reset()

    def reset(self):
        self._total = {k: 0.0 for k in self._keys}
        self._count = {k: 0 for k in self._keys}

    def update(self, key, value, n=1):
        if key not in self._total:
            self._keys.append(key)
            self._total[key] = 0.0
            self._count[key] = 0
        self._total[key] += float(value) * n
        self._count[key] += n

    def avg(self, key):
        count = self._count.get(key, 0)
        return self._total[key] / count if count else float("nan")

    def result(self):
        """``{key: average}`` for every key updated at least once, in insertion order
        (over every process's samples when the tracker has a ``comm``)."""
        total, count = self._total, self._count
        if self.comm is not None and self.comm.size > 1:
            total, count = self._summed()
        return {k: total[k] / count[k] for k in self._keys if count.get(k)}

    def _summed(self):
        keys = self._keys
        local = np.array([self._total.get(k, 0.0) for k in keys] +
                         [self._count.get(k, 0) for k in keys], dtype=np.float64)
        summed = self.comm.allreduce(local, "sum")
        n = len(keys)
        return ({k: float(summed[i]) for i, k in enumerate(keys)},
                {k: int(summed[n + i]) for i, k in enumerate(keys)})
