"""Running averages of the loss and metrics over an epoch, weighted by batch size."""

__all__ = ["MetricTracker"]


class MetricTracker:
    """Accumulate per-batch values into sample-weighted epoch averages.

    Args:
        *keys: the names tracked (others are added on first update).
    """

    def __init__(self, *keys):
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
        """``{key: average}`` for every key updated at least once, in insertion order."""
        return {k: self.avg(k) for k in self._keys if self._count.get(k)}
