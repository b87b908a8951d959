"""Embedding lookup: rows of a weight matrix picked by integer ids."""
import numpy as np

from framework import backend
from framework.core.function import Function
from framework.core.primitives import GetItemGrad
from framework.core.variable import Variable

__all__ = ["embed_id", "EmbedID"]


class EmbedID(Function):
    """``W[ids]``; the gradient is scatter-added into W's rows (repeats accumulate)."""

    def __init__(self, ids):
        self.ids = ids

    def forward(self, W):
        return W[self.ids]

    def backward(self, gy):
        W, = self.inputs
        # GetItemGrad scatters with backend.scatter_add and is itself differentiable.
        return GetItemGrad(self.ids, W.shape)(gy)


def embed_id(x, W):
    """Look up rows of ``W`` (DeZero's ``embed_id``).

    Args:
        x: integer ids of any shape (array, Variable or list), each in ``[0, V)``.
        W: ``(V, D)`` weight.

    Returns:
        A Variable of shape ``x.shape + (D,)``.

    Raises:
        TypeError: ``x`` does not hold integers.
        IndexError: an id is outside ``[0, V)``.
    """
    ids = x.data if isinstance(x, Variable) else x
    W_data = W.data if isinstance(W, Variable) else W
    xp = backend.get_array_module(W_data)
    ids = xp.asarray(ids)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"embed_id: ids must be integers, got dtype {ids.dtype}; "
                        f"convert them with .astype(int)")
    vocab = W_data.shape[0]
    if ids.size:
        lo, hi = int(ids.min()), int(ids.max())
        if lo < 0 or hi >= vocab:
            bad = lo if lo < 0 else hi
            raise IndexError(f"embed_id: id {bad} is out of range for W with {vocab} rows "
                             f"(expected 0 <= id < {vocab})")
    return EmbedID(ids.astype(np.intp, copy=False))(W)
