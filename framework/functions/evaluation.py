"""Evaluation helpers without gradients: accuracy, argmax, one_hot."""
import numpy as np

from framework import backend
from framework.core.variable import Variable

__all__ = ["accuracy", "argmax", "one_hot"]


def _data(x):
    return x.data if isinstance(x, Variable) else x


def argmax(x, axis=None):
    """Indices of the maxima along ``axis`` (all elements when None), as an array."""
    x = _data(x)
    return backend.get_array_module(x).argmax(x, axis=axis)


def accuracy(y, t):
    """The fraction of rows whose highest score is the label (DeZero's ``accuracy``).

    Args:
        y: scores, shape (N, C).
        t: integer labels, shape (N,).

    Returns:
        A Variable holding a 0-d float array (``y``'s floating dtype, else float64), with
        no graph.

    Raises:
        ValueError: the shapes do not fit.
    """
    y, t = _data(y), _data(t)
    if y.ndim != 2 or t.shape != y.shape[:1]:
        raise ValueError(
            f"accuracy: expected scores y (N, C) and labels t (N,), got shapes {y.shape} "
            f"and {t.shape}")
    xp = backend.get_array_module(y)
    dtype = y.dtype if y.dtype.kind == "f" else np.float64
    correct = (y.argmax(axis=1) == t.reshape(-1))
    return Variable(xp.asarray(correct.mean(), dtype=dtype), requires_grad=False)


def one_hot(t, num_classes=-1, dtype=np.int64):
    """Encode integer labels as one-hot rows (PyTorch's ``one_hot``).

    Args:
        t: integer labels of any shape.
        num_classes: the number of classes; -1 means ``max(t) + 1``.
        dtype: the dtype of the result (int64 as torch; pass a float dtype for targets).

    Returns:
        An array of shape ``t.shape + (num_classes,)``.

    Raises:
        ValueError: non-integer labels, negative labels, or labels >= num_classes.
    """
    t = _data(t)
    xp = backend.get_array_module(t)
    t = xp.asarray(t)
    if not np.issubdtype(t.dtype, np.integer):
        raise ValueError(f"one_hot: labels must be integers, got dtype {t.dtype}")
    lo = int(t.min()) if t.size else 0
    hi = int(t.max()) if t.size else -1
    if num_classes == -1:
        num_classes = hi + 1
    if lo < 0 or hi >= num_classes:
        raise ValueError(
            f"one_hot: labels must lie in [0, {num_classes}), got values from {lo} to {hi}")
    return (t[..., None] == xp.arange(num_classes)).astype(dtype)
