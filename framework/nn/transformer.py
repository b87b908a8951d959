"""TransformerEncoderLayer and TransformerEncoder (PyTorch's submodules and semantics)."""
import copy

import numpy as np

from framework.nn import functional as NF
from framework.nn.attention import MultiheadAttention
from framework.nn.containers import ModuleList
from framework.nn.dropout import Dropout
from framework.nn.layer_norm import LayerNorm
from framework.nn.linear import Linear
from framework.nn.module import Module

__all__ = ["TransformerEncoderLayer", "TransformerEncoder", "generate_square_subsequent_mask"]

_ACTIVATIONS = {"relu": NF.relu, "gelu": NF.gelu}


def generate_square_subsequent_mask(sz, dtype=np.float32):
    """The causal float mask (sz, sz): 0 on and below the diagonal, -inf above."""
    return np.triu(np.full((sz, sz), -np.inf, dtype=dtype), k=1)


class TransformerEncoderLayer(Module):
    """Self-attention and a feed-forward block, each with a residual connection and a
    LayerNorm (after by default, before with ``norm_first=True``).

    Args:
        d_model: the feature size.
        nhead: attention heads.
        dim_feedforward: the hidden size of the feed-forward block (2048).
        dropout: dropout after attention, inside and after the feed-forward block (0.1).
        activation: "relu" (default), "gelu" or a callable (a Module is registered).
        layer_norm_eps: the LayerNorms' eps.
        batch_first: (N, L, E) instead of (L, N, E).
        norm_first: pre-norm instead of post-norm.
        bias: biases in the linear layers and the LayerNorms.
        dtype: parameter dtype (float32).

    Submodules (PyTorch's names): ``self_attn``, ``linear1``, ``dropout``, ``linear2``,
    ``norm1``, ``norm2``, ``dropout1``, ``dropout2``.

    Forward ``(src, src_mask=None, src_key_padding_mask=None, is_causal=False)``:
        the masks as in :class:`MultiheadAttention`; the output is shaped like ``src``.
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise ValueError(f"TransformerEncoderLayer: activation must be 'relu', 'gelu' "
                                 f"or a callable, got {activation!r}")
            activation = _ACTIVATIONS[activation]
        elif not callable(activation):
            raise ValueError(f"TransformerEncoderLayer: activation must be 'relu', 'gelu' or "
                             f"a callable, got {activation!r}")
        self.activation = activation
        if device is not None:
            self.to(device)

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))


class TransformerEncoder(Module):
    """A stack of ``num_layers`` copies of ``encoder_layer`` (deep copies: each has its
    own parameters), then an optional final ``norm``.

    Args:
        encoder_layer: a TransformerEncoderLayer to copy.
        num_layers: how many copies.
        norm: an optional Module applied to the output.
        enable_nested_tensor, mask_check: accepted for PyTorch code (no effect).

    Submodules: ``layers`` (a ModuleList), ``norm``.

    Forward ``(src, mask=None, src_key_padding_mask=None, is_causal=None)``.
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"TransformerEncoder: num_layers must be a positive int, got "
                             f"{num_layers!r}")
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)
