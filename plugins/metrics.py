"""The built-in metrics: each factory returns a callable ``(output, target) -> float``."""
import numpy as np

from framework import backend
from framework.plugin import hookimpl

__all__ = ["Accuracy", "TopKAccuracy", "register_metrics"]


def _arrays(output, target):
    out = backend.as_numpy(getattr(output, "data", output))
    tgt = backend.as_numpy(getattr(target, "data", target))
    return out, tgt


class Accuracy:
    """Fraction of samples whose arg-max output equals the integer target."""

    __name__ = "accuracy"

    def __call__(self, output, target):
        out, tgt = _arrays(output, target)
        return float((out.argmax(axis=1) == tgt.reshape(-1)).mean())


class TopKAccuracy:
    """Fraction of samples whose target is among the ``k`` largest outputs.

    Args:
        k: how many of the top outputs count (a positive integer).
    """

    def __init__(self, k=3):
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise ValueError(f"top_k_accuracy: k must be a positive integer, got {k!r}")
        self.k = k
        self.__name__ = f"top_{k}_accuracy"

    def __call__(self, output, target):
        out, tgt = _arrays(output, target)
        k = min(self.k, out.shape[1])
        top = np.argpartition(-out, k - 1, axis=1)[:, :k]
        return float((top == tgt.reshape(-1, 1)).any(axis=1).mean())


@hookimpl
def register_metrics(register):
    register("accuracy", Accuracy, description="top-1 classification accuracy")
    register("top_k_accuracy", TopKAccuracy, description="top-k classification accuracy (k=3)")
