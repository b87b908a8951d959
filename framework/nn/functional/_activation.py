"""Activations and dropout with PyTorch's names, arguments and defaults."""
import warnings

import numpy as np

import framework.functions as F
from framework.functions.noise import Dropout, keep_mask
from framework.functions.smooth_activation import elu as _elu
from framework.functions.smooth_activation import gelu as _gelu
from framework.functions.smooth_activation import silu as _silu
from framework.functions.smooth_activation import softplus as _softplus
from framework.nn.functional._common import (as_input, check_probability, dim_index,
                                             xp_of)

__all__ = ["relu", "relu6", "leaky_relu", "elu", "gelu", "silu", "softplus", "hardtanh",
           "sigmoid", "tanh", "softmax", "log_softmax", "dropout", "dropout1d", "dropout2d"]


def relu(input, inplace=False):  # noqa: A002 - PyTorch's argument name
    """``max(input, 0)``. ``inplace`` is accepted; the result is always a new tensor."""
    return F.relu(input)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):  # noqa: A002
    """Clamp to ``[min_val, max_val]``; the gradient is 1 inside, 0 outside.

    Raises:
        ValueError: ``min_val > max_val``.
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val={min_val} is greater than max_val={max_val}")
    return F.clip(input, min_val, max_val)


def relu6(input, inplace=False):  # noqa: A002
    """``min(max(input, 0), 6)``."""
    return hardtanh(input, 0.0, 6.0)


def leaky_relu(input, negative_slope=0.01, inplace=False):  # noqa: A002
    """``input`` where positive, ``negative_slope * input`` elsewhere (PyTorch's 0.01)."""
    return F.leaky_relu(input, negative_slope)


def elu(input, alpha=1.0, inplace=False):  # noqa: A002
    """``input`` where positive, ``alpha * (exp(input) - 1)`` elsewhere."""
    return _elu(input, alpha)


def gelu(input, approximate="none"):  # noqa: A002
    """``input * Phi(input)`` (``approximate="tanh"`` for the tanh form)."""
    return _gelu(input, approximate)


def silu(input, inplace=False):  # noqa: A002
    """``input * sigmoid(input)``."""
    return _silu(input)


def softplus(input, beta=1.0, threshold=20.0):  # noqa: A002
    """``log(1 + exp(beta * input)) / beta``, linear where ``beta * input > threshold``."""
    return _softplus(input, beta, threshold)


def sigmoid(input):  # noqa: A002
    return F.sigmoid(input)


def tanh(input):  # noqa: A002
    return F.tanh(input)


def _softmax_dim(name, x, dim, dtype):
    if dtype is not None and np.dtype(dtype) != x.dtype:
        raise NotImplementedError(
            f"{name}: dtype={dtype} differs from the input's {x.dtype}; convert the input "
            f"first (e.g. x.double()) and call {name} without dtype")
    if dim is None:
        # PyTorch's legacy implicit choice (it warns; giving dim is the fix).
        return 0 if x.ndim in (0, 1, 3) else 1
    return dim_index(name, dim, x.ndim)


def softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """Softmax along ``dim``.

    Raises:
        IndexError: ``dim`` out of range.
        NotImplementedError: a ``dtype`` other than the input's.
    """
    x = as_input(input)
    return F.softmax(x, axis=_softmax_dim("softmax", x, dim, dtype))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    """``log(softmax(input, dim))`` computed stably (as ``x - logsumexp(x)``)."""
    x = as_input(input)
    return F.log_softmax(x, axis=_softmax_dim("log_softmax", x, dim, dtype))


def dropout(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Zero elements with probability ``p`` and scale the rest by ``1/(1-p)``.

    Unlike ``framework.functions.dropout`` this follows ``training`` only (PyTorch): it
    drops when ``training=True`` whatever the global mode, and is the identity when
    ``training=False``. Draws from numpy's global generator.

    Raises:
        ValueError: ``p`` outside [0, 1].
    """
    p = check_probability("dropout", p)
    x = as_input(input)
    if not training or p == 0.0:
        return x
    return Dropout(p)(x)


def _channel_dropout(name, input, p, training, feature_dims):  # noqa: A002
    p = check_probability(name, p)
    x = as_input(input)
    if x.ndim not in (feature_dims + 1, feature_dims + 2):
        raise ValueError(f"{name}: expected a {feature_dims + 2}-D (N, C, ...) or "
                         f"{feature_dims + 1}-D unbatched input, got shape {tuple(x.shape)}")
    if not training or p == 0.0:
        return x
    xp = xp_of(x)
    # One draw per channel, broadcast over the spatial axes.
    mask_shape = x.shape[:x.ndim - feature_dims] + (1,) * feature_dims
    keep = keep_mask(xp, mask_shape, p)
    scale = 0.0 if p >= 1.0 else 1.0 / (1.0 - p)
    return x * xp.multiply(keep, x.dtype.type(scale), dtype=x.dtype)


def dropout1d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Zero whole channels of an (N, C, L) (or (C, L)) input with probability ``p``."""
    return _channel_dropout("dropout1d", input, p, training, 1)


def dropout2d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Zero whole channels of an (N, C, H, W) input with probability ``p``.

    The survivors are scaled by ``1/(1-p)``; the identity when ``training=False``. A 3-D
    input is taken as (N, C, L), as PyTorch does today (with its warning; ``dropout1d``
    says so without one).

    Any other input of at least 2 dims drops (n, c) entries whole, as PyTorch does with
    its deprecation warning: a 2-D (N, C) input (dropout after an RNN, as in PyTorch's
    mnist_rnn example) drops single elements, as ``dropout`` would.

    Raises:
        ValueError: ``p`` outside [0, 1], or an input of fewer than 2 dims.
    """
    ndim = len(getattr(input, "shape", ()))
    if ndim == 2 or ndim > 4:
        warnings.warn(f"dropout2d: a {ndim}-D input is deprecated in PyTorch (an error in a "
                      f"future release there); whole (n, c) entries are dropped as PyTorch "
                      f"does today; use dropout for a 2-D input", UserWarning, stacklevel=2)
        return _channel_dropout("dropout2d", input, p, training, ndim - 2)
    if ndim == 3:
        warnings.warn("dropout2d: a 3-D input is taken as (N, C, L) and whole (n, c) rows are "
                      "dropped, as PyTorch does; use dropout1d for that, or add the batch "
                      "axis (x[None]) for an unbatched (C, H, W) image", UserWarning,
                      stacklevel=2)
        return _channel_dropout("dropout2d", input, p, training, 1)
    return _channel_dropout("dropout2d", input, p, training, 2)
