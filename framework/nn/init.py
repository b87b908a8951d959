"""Parameter initialization (PyTorch's ``torch.nn.init`` names and semantics).

Every function fills ``param.data`` in place (keeping its shape, dtype and device)
and returns the parameter, so ``model.apply(fn)`` can re-initialize a whole model.

Randomness: all draws come from numpy's global generator (``np.random``), so
``np.random.seed(s)`` before building a model makes its initial weights reproducible.
The values are drawn on the host and copied to the parameter's device.
"""
import math

import numpy as np

from framework import backend
from framework.core import Variable

__all__ = [
    "calculate_gain", "zeros_", "ones_", "constant_", "normal_", "uniform_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
    "trunc_normal_", "eye_", "calculate_fan_in_and_fan_out", "orthogonal_", "dirac_",
]

_LINEAR_FAMILY = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (PyTorch's table).

    Args:
        nonlinearity: "linear", "conv*", "sigmoid", "tanh", "relu", "leaky_relu", "selu".
        param: the negative slope for "leaky_relu" (default 0.01).

    Raises:
        ValueError: an unknown nonlinearity or a bad slope.
    """
    if nonlinearity in _LINEAR_FAMILY:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"negative_slope {param!r} is not a number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}; expected one of "
                     f"{list(_LINEAR_FAMILY) + ['tanh', 'relu', 'leaky_relu', 'selu']}")


def _array(param):
    if isinstance(param, Variable):
        if param.data is None:
            raise ValueError("cannot initialize a parameter whose data is None")
        return param.data
    if isinstance(param, np.ndarray) or backend.is_cupy_array(param):
        return param
    raise TypeError(f"nn.init functions take a Parameter or an ndarray, "
                    f"got {type(param).__name__}")


def _fill(param, values):
    arr = _array(param)
    if backend.is_cupy_array(arr):
        values = backend.to_device(np.asarray(values), backend.device_of(arr))
    arr[...] = values
    return param


def calculate_fan_in_and_fan_out(shape):
    """``(fan_in, fan_out)`` of a weight shape: (out, in, *kernel) as PyTorch lays it out.

    Raises:
        ValueError: fewer than 2 dimensions.
    """
    shape = tuple(shape.shape if hasattr(shape, "shape") else shape)
    if len(shape) < 2:
        raise ValueError(f"fan in and fan out need at least 2 dimensions, got shape {shape}")
    receptive = 1
    for s in shape[2:]:
        receptive *= s
    return shape[1] * receptive, shape[0] * receptive


def _fan(arr, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(arr.shape)
    return fan_in if mode == "fan_in" else fan_out


def zeros_(param):
    """Fill with 0."""
    return _fill(param, 0)


def ones_(param):
    """Fill with 1."""
    return _fill(param, 1)


def constant_(param, val):
    """Fill with ``val``."""
    return _fill(param, val)


def eye_(param):
    """Fill a 2-D parameter with the identity matrix."""
    arr = _array(param)
    if arr.ndim != 2:
        raise ValueError(f"eye_ needs a 2-D parameter, got shape {arr.shape}")
    return _fill(param, np.eye(*arr.shape))


def uniform_(param, a=0.0, b=1.0):
    """Fill with draws from U(a, b)."""
    arr = _array(param)
    return _fill(param, np.random.uniform(a, b, size=arr.shape))


def normal_(param, mean=0.0, std=1.0):
    """Fill with draws from N(mean, std^2)."""
    arr = _array(param)
    return _fill(param, np.random.normal(mean, std, size=arr.shape))


def trunc_normal_(param, mean=0.0, std=1.0, a=-2.0, b=2.0):
    """Fill with N(mean, std^2) draws redrawn until they fall in [a, b]."""
    arr = _array(param)
    values = np.random.normal(mean, std, size=arr.shape)
    bad = (values < a) | (values > b)
    while bad.any():
        values[bad] = np.random.normal(mean, std, size=int(bad.sum()))
        bad = (values < a) | (values > b)
    return _fill(param, values)


def xavier_uniform_(param, gain=1.0):
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(_array(param).shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(param, -bound, bound)


def xavier_normal_(param, gain=1.0):
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = calculate_fan_in_and_fan_out(_array(param).shape)
    return normal_(param, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(param, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan), gain from ``nonlinearity``
    (``a`` is the leaky-relu slope). PyTorch's layers use it with a = sqrt(5)."""
    fan = _fan(_array(param), mode)
    if fan == 0:
        raise ValueError(f"cannot initialize a parameter with zero {mode}")
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(param, -bound, bound)


def kaiming_normal_(param, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """He normal: N(0, std^2) with std = gain / sqrt(fan)."""
    fan = _fan(_array(param), mode)
    if fan == 0:
        raise ValueError(f"cannot initialize a parameter with zero {mode}")
    return normal_(param, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan))


def orthogonal_(param, gain=1.0, generator=None):
    """Fill with a (semi-)orthogonal matrix times ``gain`` (Saxe et al., PyTorch's recipe).

    The trailing dimensions are flattened: a (rows, cols) matrix with rows = shape[0].
    It is the Q of the QR decomposition of a standard normal draw (of its transpose when
    rows < cols), with each column's sign fixed by the sign of R's diagonal, so the
    result is uniform over orthogonal matrices. Rows are orthonormal when
    rows <= cols, columns otherwise. An empty parameter is left as it is.

    Raises:
        ValueError: fewer than 2 dimensions.
    """
    arr = _array(param)
    if arr.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are supported, "
                         f"got shape {tuple(arr.shape)}")
    if arr.size == 0:
        return param
    rows = arr.shape[0]
    cols = arr.size // rows
    flat = np.random.normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(param, (gain * q).reshape(arr.shape))


def dirac_(param, groups=1):
    """Fill a 3-, 4- or 5-D convolution weight with the Dirac delta: the convolution then
    passes its input channels through (``groups`` blocks of output channels, each
    passing through as many input channels as it can).

    Raises:
        ValueError: not 3-, 4- or 5-D, or dim 0 not divisible by ``groups``.
    """
    arr = _array(param)
    if arr.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: only tensors with 3, 4, or 5 dimensions are supported, "
                         f"got shape {tuple(arr.shape)}")
    if groups < 1 or arr.shape[0] % groups:
        raise ValueError(f"dirac_: dim 0 ({arr.shape[0]}) must be divisible by groups "
                         f"({groups})")
    per_group = arr.shape[0] // groups
    values = np.zeros(arr.shape)
    center = tuple(k // 2 for k in arr.shape[2:])
    for g in range(groups):
        for d in range(min(per_group, arr.shape[1])):
            values[(g * per_group + d, d) + center] = 1
    return _fill(param, values)
