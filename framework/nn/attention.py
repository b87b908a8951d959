"""MultiheadAttention with PyTorch's parameters, masks and return values."""
import math

import numpy as np

import framework.functions as F
from framework.core import as_variable
from framework.nn import init
from framework.nn._utils import check_positive_int, is_training, resolve_dtype
from framework.nn.functional._attention import additive_mask, attention_weights
from framework.nn.functional._common import xp_of
from framework.nn.linear import Linear
from framework.nn.module import Module
from framework.nn.parameter import Parameter

__all__ = ["MultiheadAttention"]


class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads of size ``embed_dim // num_heads``.

    Args:
        embed_dim: E, the query's feature size and the output's.
        num_heads: heads (dividing E).
        dropout: dropout on the attention weights (training mode only).
        bias: learn ``in_proj_bias`` and ``out_proj.bias``.
        add_bias_kv, add_zero_attn: only False (True raises NotImplementedError).
        kdim, vdim: key and value feature sizes (default E); when they differ from E the
            projections are ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight``.
        batch_first: inputs and output are (N, L, E) instead of (L, N, E).
        dtype: parameter dtype (float32).

    Attributes:
        in_proj_weight: (3E, E) (q, k and v stacked), xavier-uniform; ``in_proj_bias``
            (3E,) zeros; ``out_proj``: a Linear(E, E) whose bias starts at zero.

    Forward ``(query, key, value, key_padding_mask=None, need_weights=True,
    attn_mask=None, average_attn_weights=True, is_causal=False)``:
        query (L, N, E), key (S, N, kdim), value (S, N, vdim) (batch_first: N first;
        unbatched: no N). ``attn_mask`` (L, S) or (N*num_heads, L, S) and
        ``key_padding_mask`` (N, S): bool masks where True means *not allowed*, or float
        masks added to the scores. Returns ``(attn_output, attn_weights)``: output shaped
        like the query; weights (N, L, S) averaged over heads, or (N, num_heads, L, S)
        with ``average_attn_weights=False``, or None with ``need_weights=False``.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        super().__init__()
        name = "MultiheadAttention"
        self.embed_dim = check_positive_int(embed_dim, "embed_dim", name)
        self.num_heads = check_positive_int(num_heads, "num_heads", name)
        if embed_dim % num_heads:
            raise ValueError(f"{name}: embed_dim={embed_dim} must be divisible by "
                             f"num_heads={num_heads}")
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError(f"{name}: add_bias_kv and add_zero_attn are not "
                                      f"supported; leave them False")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
                or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{name}: dropout must be in [0, 1], got {dropout!r}")
        self.kdim = embed_dim if kdim is None else check_positive_int(kdim, "kdim", name)
        self.vdim = embed_dim if vdim is None else check_positive_int(vdim, "vdim", name)
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout, self.batch_first = float(dropout), bool(batch_first)
        self.head_dim = embed_dim // num_heads
        dt = resolve_dtype(dtype, name)
        e = embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * e, e), dt))
            for n in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(n, None)
        else:
            self.register_parameter("in_proj_weight", None)
            self.q_proj_weight = Parameter(np.empty((e, e), dt))
            self.k_proj_weight = Parameter(np.empty((e, self.kdim), dt))
            self.v_proj_weight = Parameter(np.empty((e, self.vdim), dt))
        if bias:
            self.in_proj_bias = Parameter(np.empty(3 * e, dt))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(e, e, bias=bias, dtype=dt)
        self._reset_parameters()
        if device is not None:
            self.to(device)

    def _reset_parameters(self):
        """PyTorch's: xavier-uniform projections, zero biases; out_proj's weight keeps
        Linear's initialization."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for p in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(p)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def _project(self, query, key, value):
        e = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            if query is key and key is value:  # self-attention: one product for q, k, v
                qkv = F.linear_out_in(query, w, b)
                return qkv[..., :e], qkv[..., e:2 * e], qkv[..., 2 * e:]
            wq, wk, wv = w[:e], w[e:2 * e], w[2 * e:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return (F.linear_out_in(query, wq, bq), F.linear_out_in(key, wk, bk),
                F.linear_out_in(value, wv, bv))

    def _check(self, query, key, value):
        name = "MultiheadAttention"
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(f"{name}: query, key and value must all be 3-D (batched) or 2-D "
                             f"(unbatched), got shapes {tuple(query.shape)}, "
                             f"{tuple(key.shape)}, {tuple(value.shape)}")
        for what, x, size in (("query", query, self.embed_dim), ("key", key, self.kdim),
                              ("value", value, self.vdim)):
            if x.shape[-1] != size:
                raise ValueError(f"{name}: {what} has {x.shape[-1]} features on its last "
                                 f"axis, expected {size}")
        if key.shape[:-1] != value.shape[:-1]:
            raise ValueError(f"{name}: key {tuple(key.shape)} and value {tuple(value.shape)} "
                             f"must agree on every axis but the last")

    def _mask(self, attn_mask, key_padding_mask, n, length, source, dtype, xp):
        """The additive (N, heads or 1, L, S) mask from both masks, or None."""
        mask = None
        if attn_mask is not None:
            m = additive_mask(attn_mask, dtype, xp, allowed_is_true=False)
            if m.shape == (length, source):
                mask = m
            elif m.shape == (n * self.num_heads, length, source):
                mask = m.reshape(n, self.num_heads, length, source)
            else:
                raise ValueError(f"MultiheadAttention: attn_mask has shape {m.shape}, "
                                 f"expected ({length}, {source}) or "
                                 f"({n * self.num_heads}, {length}, {source})")
        if key_padding_mask is not None:
            k = additive_mask(key_padding_mask, dtype, xp, allowed_is_true=False)
            if k.shape != (n, source):
                raise ValueError(f"MultiheadAttention: key_padding_mask has shape {k.shape}, "
                                 f"expected ({n}, {source})")
            k = k.reshape(n, 1, 1, source)
            mask = k if mask is None else mask + k
        return mask

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        same = query is key and key is value
        query, key, value = as_variable(query), as_variable(key), as_variable(value)
        if same:
            key = value = query
        self._check(query, key, value)
        if is_causal and attn_mask is None:
            raise RuntimeError("MultiheadAttention: is_causal=True is a hint that attn_mask "
                               "is the causal mask; pass attn_mask as well (e.g. "
                               "nn.Transformer.generate_square_subsequent_mask(L))")
        unbatched = query.ndim == 2
        if unbatched:  # as a batch of one, batch axis first
            query, key, value = (F.unsqueeze(t, 0) for t in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = xp_of(query).asarray(key_padding_mask)[None]
        elif not self.batch_first:  # (L, N, E) -> (N, L, E)
            query, key, value = (F.swapaxes(t, 0, 1) for t in (query, key, value))
        if same:
            key = value = query
        n, length, source = query.shape[0], query.shape[1], key.shape[1]
        q, k, v = self._project(query, key, value)
        h, d = self.num_heads, self.head_dim

        def heads(t, steps):  # (N, T, E) -> (N, heads, T, head_dim)
            return F.transpose(F.reshape(t, (n, steps, h, d)), (0, 2, 1, 3))

        q, k, v = heads(q, length), heads(k, source), heads(v, source)
        mask = self._mask(attn_mask, key_padding_mask, n, length, source, q.dtype, xp_of(q))
        p = self.dropout if is_training(self) else 0.0
        attn = attention_weights(q, k, 1.0 / math.sqrt(d), mask, p)
        out = F.reshape(F.transpose(F.matmul(attn, v), (0, 2, 1, 3)), (n, length, h * d))
        out = self.out_proj(out)
        weights = None
        if need_weights:
            weights = F.mean(attn, axis=1) if average_attn_weights else attn
        if unbatched:
            out = F.squeeze(out, 0)
            weights = None if weights is None else F.squeeze(weights, 0)
        elif not self.batch_first:
            out = F.swapaxes(out, 0, 1)
        return out, weights

    def extra_repr(self):
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"
                + (f", dropout={self.dropout}" if self.dropout else "")
                + (", batch_first=True" if self.batch_first else ""))
