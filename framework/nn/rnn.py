"""Recurrent layers RNN, LSTM and GRU, with PyTorch's parameter names, shapes and results.

Parameters per layer ``k`` (``_reverse`` suffix for the backward direction):
``weight_ih_l{k}`` (G*H, in), ``weight_hh_l{k}`` (G*H, H), ``bias_ih_l{k}`` and
``bias_hh_l{k}`` (G*H,), with G = 1 for RNN, 4 for LSTM (gates i, f, g, o) and 3 for
GRU (gates r, z, n), all initialized U(-1/sqrt(H), 1/sqrt(H)).  The input projection of
a whole sequence is one matrix product; only the recurrent part loops over time steps.
"""
import math

import numpy as np

import framework.functions as F
from framework import backend
from framework.core import as_variable
from framework.functions.split import separate, split_axis
from framework.nn import init
from framework.nn._utils import check_positive_int, is_training, resolve_dtype
from framework.nn.module import Module
from framework.nn.parameter import Parameter

__all__ = ["RNN", "LSTM", "GRU", "lstm_update", "gru_update"]


def lstm_update(gates, c, n):
    """One LSTM step from the summed pre-activations ``gates`` (N, 4n) (order i, f, g, o)
    and the cell state ``c``: returns ``(h, c)``."""
    i, f, g, o = split_axis(gates, 4, axis=1)
    i, f, g, o = F.sigmoid(i), F.sigmoid(f), F.tanh(g), F.sigmoid(o)
    c = f * c + i * g
    return o * F.tanh(c), c


def gru_update(xw, hw, h, n):
    """One GRU step from the input projection ``xw`` and the hidden projection ``hw``
    (both (N, 3n) with their biases, order r, z, n): PyTorch's
    ``n = tanh(xw_n + r * hw_n)``, ``h' = (1 - z) * n + z * h``."""
    xr, xz, xn = split_axis(xw, 3, axis=1)
    hr, hz, hn = split_axis(hw, 3, axis=1)
    r = F.sigmoid(xr + hr)
    z = F.sigmoid(xz + hz)
    cand = F.tanh(xn + r * hn)
    return cand + z * (h - cand)


class _RNNBase(Module):
    _gates = 1

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        self.input_size = check_positive_int(input_size, "input_size", name)
        self.hidden_size = check_positive_int(hidden_size, "hidden_size", name)
        self.num_layers = check_positive_int(num_layers, "num_layers", name)
        if not isinstance(dropout, (int, float)) or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{name}: dropout must be in [0, 1], got {dropout!r}")
        self.bias, self.batch_first = bool(bias), bool(batch_first)
        self.dropout, self.bidirectional = float(dropout), bool(bidirectional)
        dt = resolve_dtype(dtype, name)
        gh = self._gates * hidden_size
        dirs = 2 if bidirectional else 1
        for layer in range(num_layers):
            layer_in = input_size if layer == 0 else hidden_size * dirs
            for suffix in ("", "_reverse")[:dirs]:
                tag = f"l{layer}{suffix}"
                setattr(self, f"weight_ih_{tag}", Parameter(np.empty((gh, layer_in), dt)))
                setattr(self, f"weight_hh_{tag}", Parameter(np.empty((gh, hidden_size), dt)))
                if self.bias:
                    setattr(self, f"bias_ih_{tag}", Parameter(np.empty((gh,), dt)))
                    setattr(self, f"bias_hh_{tag}", Parameter(np.empty((gh,), dt)))
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self):
        """Draw every parameter from U(-1/sqrt(H), 1/sqrt(H)) in registration order."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def flatten_parameters(self):
        """PyTorch's cuDNN weight packing: nothing to do here (the weights are used as
        they are), kept so that scripts calling it after ``load_state_dict`` run."""
        return None

    def _weights(self, layer, suffix):
        tag = f"l{layer}{suffix}"
        get = self._parameters.get
        return (get(f"weight_ih_{tag}"), get(f"weight_hh_{tag}"), get(f"bias_ih_{tag}"),
                get(f"bias_hh_{tag}"))

    def _cell(self, xw_t, h, state, w_hh, b_hh):
        raise NotImplementedError

    def _run_direction(self, x, layer, suffix, h, state, reverse):
        """One layer in one direction over ``x`` (T, N, in); returns outputs and final state."""
        w_ih, w_hh, b_ih, b_hh = self._weights(layer, suffix)
        steps, batch = x.shape[0], x.shape[1]
        xw = F.linear(x.reshape(steps * batch, x.shape[2]), w_ih.T, b_ih)
        # One node hands out the time steps (indexing xw[t] per step would scatter each
        # step's gradient into a full (T, N, G*H) array).
        xw = separate(xw.reshape(steps, batch, w_ih.shape[0]), axis=0)
        outputs = [None] * steps
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        for t in order:
            h, state = self._cell(xw[t], h, state, w_hh, b_hh)
            outputs[t] = h
        return F.stack(outputs, axis=0), h, state

    def _initial(self, hx, batch, dtype, xp):
        """Split the (L*D, N, H) initial states into per-layer-direction lists."""
        n = self.num_layers * (2 if self.bidirectional else 1)
        expected = (n, batch, self.hidden_size)
        if hx is None:
            return [as_variable(xp.zeros(expected[1:], dtype=dtype)) for _ in range(n)]
        hx = as_variable(hx)
        if tuple(hx.shape) != expected:
            raise ValueError(f"{type(self).__name__}: initial state has shape "
                             f"{tuple(hx.shape)}, expected {expected} (layers*directions, "
                             f"batch, hidden_size)")
        return [hx[i] for i in range(n)]

    def _forward(self, x, hx):
        name = type(self).__name__
        x = as_variable(x)
        unbatched = x.ndim == 2
        if x.ndim not in (2, 3):
            raise ValueError(f"{name}: expected a 3-D input (or 2-D unbatched), got shape "
                             f"{tuple(x.shape)}")
        if unbatched:
            x = F.unsqueeze(x, 1)
            hx = tuple(None if h is None else F.unsqueeze(as_variable(h), 1) for h in hx)
        elif self.batch_first:
            x = x.transpose(1, 0, 2)
        if x.shape[2] != self.input_size:
            raise ValueError(f"{name}: input has {x.shape[2]} features on its last axis, "
                             f"expected input_size={self.input_size}")
        xp = backend.get_array_module(x.data)
        batch = x.shape[1]
        inits = [self._initial(h, batch, x.dtype, xp) for h in hx]
        dirs = 2 if self.bidirectional else 1
        finals = [[] for _ in hx]
        for layer in range(self.num_layers):
            outs = []
            for d, suffix in enumerate(("", "_reverse")[:dirs]):
                idx = layer * dirs + d
                h0 = inits[0][idx]
                s0 = inits[1][idx] if len(inits) > 1 else None
                out, h, s = self._run_direction(x, layer, suffix, h0, s0, reverse=d == 1)
                outs.append(out)
                finals[0].append(h)
                if len(inits) > 1:
                    finals[1].append(s)
            x = outs[0] if dirs == 1 else F.concat(outs, axis=2)
            if self.dropout and layer < self.num_layers - 1 and is_training(self):
                x = F.dropout(x, self.dropout)
        states = tuple(F.stack(f, axis=0) for f in finals)
        if unbatched:
            x = F.squeeze(x, 1)
            states = tuple(F.squeeze(s, 1) for s in states)
        elif self.batch_first:
            x = x.transpose(1, 0, 2)
        return x, states

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        for key, default in (("bias", True), ("batch_first", False), ("dropout", 0.0),
                             ("bidirectional", False)):
            if getattr(self, key) != default:
                text += f", {key}={getattr(self, key)}"
        return text


class RNN(_RNNBase):
    """Elman RNN: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``.

    Args:
        input_size, hidden_size: feature sizes.
        num_layers: stacked layers (>= 1).
        nonlinearity: "tanh" (default) or "relu".
        bias: learn ``bias_ih_l*`` and ``bias_hh_l*``.
        batch_first: input and output are (N, T, *) instead of (T, N, *).
        dropout: dropout between layers (training only).
        bidirectional: add a reverse direction (outputs concatenated).
        dtype: parameter dtype (float32).

    Returns (forward):
        ``(output, h_n)``: output (T, N, D*H) (batch_first: (N, T, D*H)),
        h_n (num_layers*D, N, H).
    """

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh",
                 bias=True, batch_first=False, dropout=0.0, bidirectional=False, device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype)

    def _cell(self, xw_t, h, state, w_hh, b_hh):
        pre = xw_t + F.linear_out_in(h, w_hh, b_hh)
        return (F.tanh(pre) if self.nonlinearity == "tanh" else F.relu(pre)), None

    def forward(self, input, hx=None):  # noqa: A002 - PyTorch's argument name
        out, (h_n,) = self._forward(input, (hx,))
        return out, h_n


class LSTM(_RNNBase):
    """Long short-term memory, PyTorch's gate order (input, forget, cell, output).

    Args: as :class:`RNN` (without ``nonlinearity``).

    Returns (forward ``(input, (h_0, c_0))``, states optional):
        ``(output, (h_n, c_n))``: output (T, N, D*H) (batch_first: (N, T, D*H)),
        h_n and c_n (num_layers*D, N, H).
    """

    _gates = 4

    def _cell(self, xw_t, h, c, w_hh, b_hh):
        return lstm_update(xw_t + F.linear_out_in(h, w_hh, b_hh), c, self.hidden_size)

    def forward(self, input, hx=None):  # noqa: A002 - PyTorch's argument name
        if hx is None:
            hx = (None, None)
        elif not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise ValueError("LSTM: hx must be a pair (h_0, c_0) or None")
        out, (h_n, c_n) = self._forward(input, tuple(hx))
        return out, (h_n, c_n)


class GRU(_RNNBase):
    """Gated recurrent unit, PyTorch's gate order (reset, update, new) and equations:
    ``r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)``, ``z`` likewise,
    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``.

    Args: as :class:`RNN` (without ``nonlinearity``).

    Returns (forward ``(input, h_0)``, ``h_0`` optional):
        ``(output, h_n)``: output (T, N, D*H) (batch_first: (N, T, D*H)),
        h_n (num_layers*D, N, H).
    """

    _gates = 3

    def _cell(self, xw_t, h, state, w_hh, b_hh):
        return gru_update(xw_t, F.linear_out_in(h, w_hh, b_hh), h, self.hidden_size), None

    def forward(self, input, hx=None):  # noqa: A002 - PyTorch's argument name
        out, (h_n,) = self._forward(input, (hx,))
        return out, h_n
