"""Single-step recurrent cells RNNCell, LSTMCell and GRUCell (PyTorch's parameters).

Parameters: ``weight_ih`` (G*H, input_size), ``weight_hh`` (G*H, H), ``bias_ih`` and
``bias_hh`` (G*H,), G = 1, 4 (i, f, g, o) or 3 (r, z, n), initialized
U(-1/sqrt(H), 1/sqrt(H)). The gate arithmetic is the recurrent layers' own.
"""
import math

import numpy as np

import framework.functions as F
from framework import backend
from framework.core import as_variable
from framework.nn import init
from framework.nn._utils import check_positive_int, resolve_dtype
from framework.nn.module import Module
from framework.nn.parameter import Parameter
from framework.nn.rnn import gru_update, lstm_update

__all__ = ["RNNCell", "LSTMCell", "GRUCell"]


class _CellBase(Module):
    _gates = 1

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        self.input_size = check_positive_int(input_size, "input_size", name)
        self.hidden_size = check_positive_int(hidden_size, "hidden_size", name)
        self.bias = bool(bias)
        dt = resolve_dtype(dtype, name)
        gh = self._gates * hidden_size
        self.weight_ih = Parameter(np.empty((gh, input_size), dt))
        self.weight_hh = Parameter(np.empty((gh, hidden_size), dt))
        if self.bias:
            self.bias_ih = Parameter(np.empty((gh,), dt))
            self.bias_hh = Parameter(np.empty((gh,), dt))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()
        if device is not None:
            self.to(device)

    def reset_parameters(self):
        """Draw every parameter from U(-1/sqrt(H), 1/sqrt(H)) in registration order."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _input(self, x):
        """(N, in) or unbatched (in,) -> a 2-D Variable and whether it was unbatched."""
        x = as_variable(x)
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(f"{type(self).__name__}: expected an input (N, {self.input_size}) "
                             f"or ({self.input_size},), got shape {tuple(x.shape)}")
        return (F.reshape(x, (1, x.shape[0])), True) if x.ndim == 1 else (x, False)

    def _state(self, h, x, unbatched, what="hx"):
        if h is None:
            xp = backend.get_array_module(x.data)
            return as_variable(xp.zeros((x.shape[0], self.hidden_size), dtype=x.dtype))
        h = as_variable(h)
        expected = (self.hidden_size,) if unbatched else (x.shape[0], self.hidden_size)
        if tuple(h.shape) != expected:
            raise ValueError(f"{type(self).__name__}: {what} has shape {tuple(h.shape)}, "
                             f"expected {expected}")
        return F.reshape(h, (1, self.hidden_size)) if unbatched else h

    def _projections(self, x, h):
        return (F.linear_out_in(x, self.weight_ih, self.bias_ih),
                F.linear_out_in(h, self.weight_hh, self.bias_hh))

    @staticmethod
    def _output(h, unbatched):
        return F.reshape(h, (h.shape[1],)) if unbatched else h

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity!r}"
        return text


class RNNCell(_CellBase):
    """``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    Args:
        input_size, hidden_size: feature sizes.
        bias: learn ``bias_ih`` and ``bias_hh``.
        nonlinearity: "tanh" (default) or "relu".

    Shape:
        input (N, input_size) or (input_size,); hx like the output (zeros when None);
        returns h' (N, hidden_size) or (hidden_size,).
    """

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got "
                             f"{nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):  # noqa: A002 - PyTorch's argument name
        x, unbatched = self._input(input)
        h = self._state(hx, x, unbatched)
        xw, hw = self._projections(x, h)
        pre = xw + hw
        h = F.tanh(pre) if self.nonlinearity == "tanh" else F.relu(pre)
        return self._output(h, unbatched)


class LSTMCell(_CellBase):
    """One LSTM step, gates (input, forget, cell, output).

    Shape:
        input (N, input_size) or (input_size,); hx a pair ``(h, c)`` (zeros when None);
        returns ``(h', c')``.
    """

    _gates = 4

    def forward(self, input, hx=None):  # noqa: A002
        x, unbatched = self._input(input)
        if hx is None:
            hx = (None, None)
        elif not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise ValueError("LSTMCell: hx must be a pair (h_0, c_0) or None")
        h = self._state(hx[0], x, unbatched, "h_0")
        c = self._state(hx[1], x, unbatched, "c_0")
        xw, hw = self._projections(x, h)
        h, c = lstm_update(xw + hw, c, self.hidden_size)
        return self._output(h, unbatched), self._output(c, unbatched)


class GRUCell(_CellBase):
    """One GRU step, gates (reset, update, new), PyTorch's equations.

    Shape:
        input (N, input_size) or (input_size,); hx (zeros when None); returns h'.
    """

    _gates = 3

    def forward(self, input, hx=None):  # noqa: A002
        x, unbatched = self._input(input)
        h = self._state(hx, x, unbatched)
        xw, hw = self._projections(x, h)
        return self._output(gru_update(xw, hw, h, self.hidden_size), unbatched)
