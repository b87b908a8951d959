"""DeZero's layers (``import framework.layers as L``), thin on ``framework.nn``.

A :class:`Layer` is an ``nn.Module`` with DeZero's spellings (``params()``,
``cleargrads()``, ``to_cpu()``, ``to_gpu()``, ``save_weights``, ``load_weights``), so
DeZero-style models and PyTorch-style modules mix freely.  The layers keep DeZero's
parameter names (``W``, ``b``), layouts (Linear's ``W`` is ``(in, out)``) and
initialization drawn from numpy's global generator at the moment DeZero draws it (at
construction when the input size is given, else at the first call), so the book's
``np.random.seed(0)`` gives the book's numbers.  "Size known at the first call" is
:mod:`framework.nn.lazy`, the mechanism of PyTorch's ``nn.LazyLinear`` too.
"""
import numpy as np

import framework.functions as F
from framework import backend
from framework.core import Parameter
from framework.nn.lazy import LazyModuleMixin
from framework.nn.module import Module
from framework.nn.state import StateDictError, load_state_dict
from framework.serialization import load_npz

__all__ = ["Layer", "Linear", "Conv2d", "Deconv2d", "RNN", "LSTM", "EmbedID", "BatchNorm"]


def _pair(x, name):
    if isinstance(x, (int, np.integer)):
        return int(x), int(x)
    if isinstance(x, tuple) and len(x) == 2:
        return tuple(int(v) for v in x)
    raise ValueError(f"{name} must be an int or a pair (h, w), got {x!r}")


def _scaled_normal(xp, shape, dtype, scale):
    """``randn(*shape).astype(dtype) * scale`` computed in ``dtype`` (DeZero's numpy 1
    arithmetic: the scale was cast to the array's dtype, so float32 stays float32)."""
    dtype = np.dtype(dtype)
    return xp.random.randn(*shape).astype(dtype) * dtype.type(scale)


class Layer(Module):
    """DeZero's Layer: a Module with DeZero's method names.

    Parameters and sub-layers are registered by attribute assignment (as DeZero's
    ``__setattr__`` does); ``params()`` yields every parameter of the tree.
    """

    @property
    def _params(self):
        """The names of this layer's parameters and sub-layers (DeZero's attribute)."""
        return {name for name, v in list(self._parameters.items()) + list(self._modules.items())
                if v is not None}

    def params(self):
        """Yield every Parameter of this layer and its sub-layers (DeZero's name)."""
        yield from self.parameters()

    def load_weights(self, path, strict=True):
        """Load weights saved by ``save_weights``, or a DeZero ``.npz`` (``l1/W`` keys).

        Parameters that have no data yet (a layer not called yet) take the saved
        arrays, as in DeZero.

        Raises:
            FileNotFoundError: no file at ``path``.
            CheckpointError: keys or shapes that do not fit (named); the layer is then
                unchanged.
        """
        arrays, _meta = load_npz(path)
        arrays = {key.replace("/", "."): value for key, value in arrays.items()}
        try:
            return load_state_dict(self, arrays, strict)
        except StateDictError as exc:
            raise StateDictError(f"{path}: {exc}", exc.missing_keys, exc.unexpected_keys,
                                 exc.mismatched) from None


class _Lazy(LazyModuleMixin, Layer):
    """A DeZero layer that draws its weights at the first call when no size was given."""

    def _init_or_defer(self, known):
        if known:
            self._init_W()
        else:
            self._register_lazy()

    def initialize_parameters(self, x, *args):
        if self.W.data is None:
            self._take_size(x)
            self._init_W(backend.get_array_module(x))


class Linear(_Lazy):
    """DeZero's fully connected layer ``y = x W + b``.

    Args:
        out_size: output size.
        nobias: no bias when True.
        dtype: dtype of the parameters (float32).
        in_size: input size; None takes it from the first input (``x.shape[1]``).

    Attributes:
        W: ``(in_size, out_size)``, ``randn * sqrt(1/in_size)``; b: zeros or None.
    """

    def __init__(self, out_size, nobias=False, dtype=np.float32, in_size=None):
        super().__init__()
        self.in_size, self.out_size, self.dtype = in_size, out_size, dtype
        self.W = Parameter(None, name="W")
        self._init_or_defer(in_size is not None)
        if nobias:
            self.b = None
        else:
            self.b = Parameter(np.zeros(out_size, dtype=dtype), name="b")

    def _take_size(self, x):
        self.in_size = x.shape[1]

    def _init_W(self, xp=np):
        I, O = self.in_size, self.out_size
        self.W.data = _scaled_normal(xp, (I, O), self.dtype, np.sqrt(1 / I))

    def forward(self, x):
        return F.linear(x, self.W, self.b)

    def extra_repr(self):
        return f"in_size={self.in_size}, out_size={self.out_size}, nobias={self.b is None}"


class Conv2d(_Lazy):
    """DeZero's 2-D convolution layer.

    Args:
        out_channels: output channels.
        kernel_size, stride, pad: an int or a pair.
        nobias: no bias when True.
        dtype: dtype of the parameters (float32).
        in_channels: input channels; None takes them from the first input.

    Attributes:
        W: ``(out_channels, in_channels, kh, kw)``, ``randn * sqrt(1/(C*kh*kw))``.
    """

    _w_order = "oc"

    def __init__(self, out_channels, kernel_size, stride=1, pad=0, nobias=False,
                 dtype=np.float32, in_channels=None):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.pad = kernel_size, stride, pad
        self.dtype = dtype
        self.W = Parameter(None, name="W")
        self._init_or_defer(in_channels is not None)
        if nobias:
            self.b = None
        else:
            self.b = Parameter(np.zeros(out_channels, dtype=dtype), name="b")

    def _take_size(self, x):
        self.in_channels = x.shape[1]

    def _init_W(self, xp=np):
        C, OC = self.in_channels, self.out_channels
        KH, KW = _pair(self.kernel_size, "kernel_size")
        shape = (OC, C, KH, KW) if self._w_order == "oc" else (C, OC, KH, KW)
        self.W.data = _scaled_normal(xp, shape, self.dtype, np.sqrt(1 / (C * KH * KW)))

    def forward(self, x):
        return F.conv2d(x, self.W, self.b, self.stride, self.pad)

    def extra_repr(self):
        return (f"in_channels={self.in_channels}, out_channels={self.out_channels}, "
                f"kernel_size={self.kernel_size}, stride={self.stride}, pad={self.pad}")


class Deconv2d(Conv2d):
    """DeZero's transposed convolution; ``W`` is ``(in_channels, out_channels, kh, kw)``."""

    _w_order = "co"

    def forward(self, x):
        return F.deconv2d(x, self.W, self.b, self.stride, self.pad)


class RNN(Layer):
    """DeZero's Elman RNN: ``h = tanh(x2h(x) + h2h(h))``; call ``reset_state()`` between
    sequences.

    Args:
        hidden_size: the state's size.
        in_size: the input size; None takes it from the first input.
    """

    def __init__(self, hidden_size, in_size=None):
        super().__init__()
        self.x2h = Linear(hidden_size, in_size=in_size)
        # DeZero passes in_size here too; the matrix is (hidden, hidden) either way.
        self.h2h = Linear(hidden_size, in_size=None if in_size is None else hidden_size,
                          nobias=True)
        self.h = None

    def reset_state(self):
        self.h = None

    def forward(self, x):
        if self.h is None:
            h_new = F.tanh(self.x2h(x))
        else:
            h_new = F.tanh(self.x2h(x) + self.h2h(self.h))
        self.h = h_new
        return h_new


class LSTM(Layer):
    """DeZero's LSTM (gates f, i, o and the update u, each ``x2* + h2*``).

    Args:
        hidden_size: the state's size.
        in_size: the input size; None takes it from the first input.
    """

    def __init__(self, hidden_size, in_size=None):
        super().__init__()
        H, I = hidden_size, in_size
        self.x2f = Linear(H, in_size=I)
        self.x2i = Linear(H, in_size=I)
        self.x2o = Linear(H, in_size=I)
        self.x2u = Linear(H, in_size=I)
        self.h2f = Linear(H, in_size=H, nobias=True)
        self.h2i = Linear(H, in_size=H, nobias=True)
        self.h2o = Linear(H, in_size=H, nobias=True)
        self.h2u = Linear(H, in_size=H, nobias=True)
        self.reset_state()

    def reset_state(self):
        self.h = None
        self.c = None

    def forward(self, x):
        if self.h is None:
            f = F.sigmoid(self.x2f(x))
            i = F.sigmoid(self.x2i(x))
            o = F.sigmoid(self.x2o(x))
            u = F.tanh(self.x2u(x))
        else:
            f = F.sigmoid(self.x2f(x) + self.h2f(self.h))
            i = F.sigmoid(self.x2i(x) + self.h2i(self.h))
            o = F.sigmoid(self.x2o(x) + self.h2o(self.h))
            u = F.tanh(self.x2u(x) + self.h2u(self.h))
        c_new = i * u if self.c is None else f * self.c + i * u
        h_new = o * F.tanh(c_new)
        self.h, self.c = h_new, c_new
        return h_new


class EmbedID(Layer):
    """DeZero's embedding: ``W[x]`` with ``W`` ``(in_size, out_size)`` drawn ``randn``."""

    def __init__(self, in_size, out_size):
        super().__init__()
        self.W = Parameter(np.random.randn(in_size, out_size), name="W")

    def forward(self, x):
        return self.W[x]


class BatchNorm(LazyModuleMixin, Layer):
    """DeZero's batch normalization, sized by axis 1 of the first input.

    ``avg_mean`` and ``avg_var`` are Parameters without gradient (DeZero saves them with
    the weights); ``gamma`` and ``beta`` are learned.  ``F.batch_norm``'s defaults
    (decay 0.9, eps 2e-5).
    """

    def __init__(self):
        super().__init__()
        self.avg_mean = Parameter(None, name="avg_mean", requires_grad=False)
        self.avg_var = Parameter(None, name="avg_var", requires_grad=False)
        self.gamma = Parameter(None, name="gamma")
        self.beta = Parameter(None, name="beta")
        self._register_lazy()

    def initialize_parameters(self, x, *args):
        xp = backend.get_array_module(x)
        D, dt = x.shape[1], x.dtype
        for name, fill in (("avg_mean", 0), ("avg_var", 1), ("gamma", 1), ("beta", 0)):
            p = getattr(self, name)
            if p.data is None:
                p.data = xp.full(D, fill, dtype=dt)

    def forward(self, x):
        return F.batch_norm(x, self.gamma, self.beta, self.avg_mean.data, self.avg_var.data)
