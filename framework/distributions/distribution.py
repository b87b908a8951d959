"""PyTorch's ``torch.distributions.Distribution``: shapes, argument checks, sampling.

Parameters are tensors (Variables) and every density is built from differentiable tensor
operations, so ``log_prob``, ``entropy`` and ``rsample`` carry gradients back to them;
``sample`` draws from the framework's generator (``framework.manual_seed``) and records
no graph.
"""
import builtins
import math

import numpy as np

from framework import backend, tensors
from framework import tensor_methods  # noqa: F401  (attaches gather, logsumexp, ... to Variable)
from framework.core.size import Size
from framework.core.variable import Variable


def as_param(value, like=None):
    """A tensor for a parameter: tensors stay as they are (their graph with them);
    numbers and arrays become floating tensors (on ``like``'s device when given)."""
    if isinstance(value, Variable):
        return value
    arr = np.asarray(value) if not backend.is_cupy_array(value) else value
    if arr.dtype.kind != "f":
        dtype = like.dtype if like is not None and like.dtype.kind == "f" else \
            tensors.get_default_dtype()
        arr = arr.astype(dtype)
    elif arr.dtype == np.float64 and not isinstance(value, np.ndarray) \
            and not backend.is_cupy_array(value):
        arr = arr.astype(like.dtype if like is not None and like.dtype.kind == "f"
                         else tensors.get_default_dtype())
    if like is not None:
        arr = backend.get_array_module(like.data).asarray(arr)
    return Variable(arr, requires_grad=False)


def broadcast_all(*values):
    """The values as tensors of one broadcast shape (``torch.distributions.utils``'s);
    numbers take the dtype and device of the first tensor among them."""
    like = next((v for v in values if isinstance(v, Variable)), None)
    vs = [as_param(v, like) for v in values]
    shape = np.broadcast_shapes(*(v.shape for v in vs))
    return tuple(v if v.shape == shape else v.expand(*shape) for v in vs)


def _describe(value):
    return f"Tensor of shape {tuple(value.shape)}" if isinstance(value, Variable) \
        else repr(value)


class Distribution:
    """The base class: ``batch_shape`` (independent distributions side by side) and
    ``event_shape`` (the shape of one draw), argument validation, and the interface
    (``sample``, ``rsample``, ``log_prob``, ``entropy``, ``cdf``, ``mean``, ...)."""

    has_rsample = False
    has_enumerate_support = False
    _validate_args = True  # PyTorch validates by default

    @staticmethod
    def set_default_validate_args(value):
        if value not in (True, False):
            raise ValueError("set_default_validate_args expects True or False")
        Distribution._validate_args = value

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape = Size(tuple(batch_shape))
        self._event_shape = Size(tuple(event_shape))
        if validate_args is not None:
            self._validate_args = bool(validate_args)

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    def _extended_shape(self, sample_shape=()):
        if isinstance(sample_shape, (builtins.int, np.integer)):
            sample_shape = (builtins.int(sample_shape),)
        return Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    # ------------------------------------------------------------------ interface
    def sample(self, sample_shape=()):
        """A draw of shape ``sample_shape + batch_shape + event_shape``, no graph."""
        from framework.core.config import no_grad
        with no_grad():
            return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape=()):
        raise NotImplementedError(f"{type(self).__name__} has no reparameterised sample")

    def sample_n(self, n):
        return self.sample((n,))

    def log_prob(self, value):
        raise NotImplementedError

    def cdf(self, value):
        raise NotImplementedError

    def icdf(self, value):
        raise NotImplementedError

    def entropy(self):
        raise NotImplementedError

    def enumerate_support(self, expand=True):
        raise NotImplementedError

    def perplexity(self):
        return self.entropy().exp()

    @property
    def mean(self):
        raise NotImplementedError

    @property
    def mode(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self):
        raise NotImplementedError

    @property
    def stddev(self):
        return self.variance.sqrt()

    # ------------------------------------------------------------------ checks
    def _check_param(self, name, ok, constraint):
        if not self._validate_args:
            return
        if not bool(np.all(_to_numpy(ok))):
            value = getattr(self, name)
            raise ValueError(
                f"Expected parameter {name} ({_describe(value)}) of distribution {self!r} "
                f"to satisfy the constraint {constraint}, but found invalid values:\n{value}")

    def _support_ok(self, arr):
        """Where ``arr`` lies in the support (overridden by each distribution)."""
        xp = backend.get_array_module(arr)
        return ~xp.isnan(arr)

    def _support_name(self):
        return "Real()"

    def _validate_sample(self, value):
        """The checks of PyTorch's ``_validate_sample``: a tensor, a shape that broadcasts
        against ``batch_shape + event_shape``, values in the support."""
        if not self._validate_args:
            return
        if not isinstance(value, Variable):
            raise ValueError("The value argument to log_prob must be a Tensor")
        event_dim = len(self._event_shape)
        if event_dim and tuple(value.shape[-event_dim:]) != tuple(self._event_shape):
            raise ValueError(f"The right-most size of value must match event_shape: "
                             f"{tuple(value.shape)} vs {tuple(self._event_shape)}.")
        actual = tuple(value.shape)
        expected = tuple(self._batch_shape) + tuple(self._event_shape)
        for i, j in zip(reversed(actual), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ValueError(f"Value is not broadcastable with batch_shape+event_shape: "
                                 f"{actual} vs {expected}.")
        arr = value.data
        if not bool(np.all(_to_numpy(self._support_ok(arr)))):
            raise ValueError(
                f"Expected value argument ({_describe(value)}) to be within the support "
                f"({self._support_name()}) of the distribution {self!r}, but found invalid "
                f"values:\n{value}")

    def __repr__(self):
        names = [n for n in getattr(self, "arg_constraints", ()) if n in self.__dict__]
        parts = []
        for n in names:
            v = self.__dict__[n]
            parts.append(f"{n}: {v.data.item() if v.size == 1 else v.size()}")
        return f"{type(self).__name__}({', '.join(parts)})"


def _to_numpy(arr):
    return arr.get() if backend.is_cupy_array(arr) else np.asarray(arr)


def draw_uniform(shape, like):
    """Uniform [0, 1) draws from the framework's generator, as an array of ``like``'s
    floating dtype and device."""
    arr = tensors.generator().random(tuple(shape))
    return _on(arr, like)


def draw_normal(shape, like):
    arr = tensors.generator().standard_normal(tuple(shape))
    return _on(arr, like)


def _on(arr, like):
    dtype = like.dtype if like.dtype.kind == "f" else tensors.get_default_dtype()
    arr = arr.astype(dtype)
    return backend.get_array_module(like).asarray(arr)


LOG_SQRT_2PI = math.log(math.sqrt(2.0 * math.pi))
