"""Scaled dot-product attention (PyTorch's ``scaled_dot_product_attention``)."""
import math

import numpy as np

import framework.functions as F
from framework.core.primitives import swapaxes
from framework.functions.noise import Dropout
from framework.nn.functional._common import as_input, check_probability, data_of, xp_of

__all__ = ["scaled_dot_product_attention"]


def additive_mask(mask, dtype, xp, allowed_is_true):
    """A float mask to add to attention scores: 0 where attending, -inf where not.

    Args:
        mask: a bool array (``allowed_is_true`` says which value lets a position take
            part: True in scaled_dot_product_attention, False in MultiheadAttention) or a
            float array, returned as it is (added to the scores).
    """
    m = xp.asarray(data_of(mask))
    if m.dtype == np.bool_:
        blocked = ~m if allowed_is_true else m
        return xp.where(blocked, -np.inf, 0.0).astype(dtype)
    if m.dtype.kind != "f":
        raise TypeError(f"attention masks must be bool or float, got dtype {m.dtype}")
    return m.astype(dtype, copy=False)


def attention_weights(q, k, scale, mask, dropout_p):
    """``softmax(q k^T * scale + mask)`` then dropout (when ``dropout_p > 0``)."""
    scores = F.matmul(q, swapaxes(k, -1, -2)) * scale
    if mask is not None:
        scores = scores + mask
    attn = F.softmax(scores, axis=-1)
    if dropout_p > 0.0:
        attn = Dropout(dropout_p)(attn)
    return attn


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """``softmax(query @ key^T * scale + mask) @ value``.

    Args:
        query: (..., L, E); key: (..., S, E); value: (..., S, Ev).
        attn_mask: broadcastable to (..., L, S): bool (True takes part) or float (added).
        dropout_p: dropout on the attention weights (applied whenever > 0, as PyTorch).
        is_causal: mask out keys after each query (a lower-triangular mask).
        scale: the score factor, ``1 / sqrt(E)`` by default.

    Returns:
        (..., L, Ev).

    Raises:
        ValueError: both ``attn_mask`` and ``is_causal``, or shapes that do not fit.
        NotImplementedError: ``enable_gqa=True``.
    """
    if enable_gqa:
        raise NotImplementedError("scaled_dot_product_attention: enable_gqa=True is not "
                                  "supported; repeat key and value over the head groups")
    q, k, v = as_input(query), as_input(key), as_input(value)
    if q.ndim < 2 or k.shape[-1] != q.shape[-1] or k.shape[-2] != v.shape[-2]:
        raise ValueError(f"scaled_dot_product_attention: expected query (..., L, E), key "
                         f"(..., S, E), value (..., S, Ev), got {tuple(q.shape)}, "
                         f"{tuple(k.shape)}, {tuple(v.shape)}")
    dropout_p = check_probability("scaled_dot_product_attention", dropout_p)
    xp = xp_of(q)
    mask = None
    if is_causal:
        if attn_mask is not None:
            raise ValueError("scaled_dot_product_attention: give attn_mask or is_causal, "
                             "not both")
        attn_mask = xp.tril(xp.ones((q.shape[-2], k.shape[-2]), dtype=bool))
    if attn_mask is not None:
        mask = additive_mask(attn_mask, q.dtype, xp, allowed_is_true=True)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    return F.matmul(attention_weights(q, k, scale, mask, dropout_p), v)
