"""Batch and instance normalization layers with PyTorch's parameters, buffers and
running statistics.

Running statistics follow PyTorch: ``running = (1 - momentum)*running + momentum*batch``
with the unbiased batch variance; ``momentum=None`` gives the cumulative average
(``momentum = 1/num_batches_tracked``).  The arithmetic is ``F.batch_norm`` with
``decay = 1 - momentum``.  Instance normalization normalizes each sample's channels
over their spatial axes (``nn.functional.instance_norm``); by default it learns no
affine parameters and keeps no running statistics, as in PyTorch.
"""
import warnings

import numpy as np

import framework.functions as F
from framework import backend
from framework.core.config import using_config
from framework.nn import functional as NF
from framework.nn import init
from framework.nn._utils import check_positive_int, is_training, resolve_dtype
from framework.nn.module import Module
from framework.nn.parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _NormBase(Module):
    """Parameters (``weight``, ``bias``) and running-statistics buffers of the norms."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        self.num_features = check_positive_int(num_features, "num_features", name)
        if not (isinstance(eps, (int, float)) and eps > 0):
            raise ValueError(f"{name}: eps must be a positive number, got {eps!r}")
        if momentum is not None and not (isinstance(momentum, (int, float))
                                         and 0.0 <= momentum <= 1.0):
            raise ValueError(f"{name}: momentum must be in [0, 1] or None, got {momentum!r}")
        self.eps, self.momentum = float(eps), momentum
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        dt = resolve_dtype(dtype, name)
        if self.affine:
            self.weight = Parameter(np.ones(num_features, dtype=dt))
            self.bias = Parameter(np.zeros(num_features, dtype=dt))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype=dt))
            self.register_buffer("running_var", np.ones(num_features, dtype=dt))
            self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        if device is not None:
            self.to(device)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean[...] = 0
            self.running_var[...] = 1
            self.num_batches_tracked[...] = 0

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    _expected_dims = ()

    def _check_input(self, x):
        if x.ndim not in self._expected_dims:
            raise ValueError(f"{type(self).__name__}: expected a {' or '.join(map(str, self._expected_dims))}"
                             f"-D input, got shape {tuple(x.shape)}")
        if x.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}: input has {x.shape[1]} channels on "
                             f"axis 1, expected num_features={self.num_features}")

    def forward(self, x):
        self._check_input(x)
        xp = backend.get_array_module(x.data if hasattr(x, "creator") else x)
        training = is_training(self)
        use_batch_stats = training or not self.track_running_stats
        if self.affine:
            gamma, beta = self.weight, self.bias
        else:
            gamma = xp.ones(self.num_features, dtype=x.dtype)
            beta = xp.zeros(self.num_features, dtype=x.dtype)
        if use_batch_stats:
            per_channel = x.size // self.num_features
            if per_channel <= 1:
                # One value has no variance: the output would be beta whatever x is.
                raise ValueError(
                    f"{type(self).__name__}: expected more than 1 value per channel when "
                    f"using batch statistics, got input of shape {tuple(x.shape)}; hint: "
                    f"use a batch of 2 or more (e.g. DataLoader(drop_last=True)) or eval()")
        if training and self.track_running_stats:
            self.num_batches_tracked += 1
            momentum = (1.0 / float(self.num_batches_tracked) if self.momentum is None
                        else self.momentum)
            mean, var = self.running_mean, self.running_var
        elif use_batch_stats:
            # Batch statistics without tracking: F.batch_norm updates scratch arrays.
            momentum = 0.0
            mean = xp.zeros(self.num_features, dtype=x.dtype)
            var = xp.ones(self.num_features, dtype=x.dtype)
        else:
            momentum, mean, var = 0.0, self.running_mean, self.running_var
        shape = x.shape
        if x.ndim == 3:  # (N, C, L): F.batch_norm takes 2-D or 4-D
            x = x.reshape(shape[0], shape[1], shape[2], 1)
        with using_config("train", use_batch_stats):
            y = F.batch_norm(x, gamma, beta, mean, var, decay=1.0 - momentum, eps=self.eps)
        return y.reshape(shape) if len(shape) == 3 else y


class BatchNorm1d(_BatchNorm):
    """Batch normalization over a ``(N, C)`` or ``(N, C, L)`` input.

    Args:
        num_features: C.
        eps: added to the variance (1e-5, PyTorch's default).
        momentum: weight of the new batch in the running statistics (0.1), or None
            for a cumulative average.
        affine: learn ``weight`` (ones) and ``bias`` (zeros).
        track_running_stats: keep ``running_mean``, ``running_var`` and
            ``num_batches_tracked`` buffers and use them in eval mode.
        dtype: floating dtype of parameters and running statistics (float32).

    Shape:
        ``(N, C)`` or ``(N, C, L)``, unchanged.
    """

    _expected_dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization over a ``(N, C, H, W)`` input, per channel.

    Args: as :class:`BatchNorm1d`.

    Shape:
        ``(N, C, H, W)``, unchanged.
    """

    _expected_dims = (4,)


class _InstanceNorm(_NormBase):
    _spatial_dims = 0

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype)
        if device is not None:
            self.to(device)

    def forward(self, x):
        name, unbatched = type(self).__name__, self._spatial_dims + 1
        if x.ndim not in (unbatched, unbatched + 1):
            raise ValueError(f"{name}: expected a {unbatched}-D (C, ...) or "
                             f"{unbatched + 1}-D (N, C, ...) input, got shape "
                             f"{tuple(x.shape)}")
        axis = x.ndim - unbatched
        if x.shape[axis] != self.num_features:
            if self.affine:
                raise ValueError(f"{name}: input of shape {tuple(x.shape)} has "
                                 f"{x.shape[axis]} channels on axis {axis}, expected "
                                 f"num_features={self.num_features}")
            warnings.warn(f"{name}: input of shape {tuple(x.shape)} has {x.shape[axis]} "
                          f"channels on axis {axis}, not num_features={self.num_features}; "
                          f"num_features is unused without affine=True", stacklevel=2)
        if x.ndim == unbatched:
            return self._normalize(x.reshape((1,) + tuple(x.shape))).reshape(x.shape)
        return self._normalize(x)

    def _normalize(self, x):
        use_input_stats = is_training(self) or not self.track_running_stats
        momentum = self.momentum if self.momentum is not None else 0.0
        return NF.instance_norm(x, self.running_mean, self.running_var, self.weight,
                                self.bias, use_input_stats, momentum, self.eps)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization: each channel of each sample of ``(N, C, L)`` normalized
    over its L values.

    Args:
        num_features: C.
        eps: added to the variance (1e-5).
        momentum: weight of the new batch in the running statistics (0.1).
        affine: learn per-channel ``weight`` (ones) and ``bias`` (zeros); off by default.
        track_running_stats: keep ``running_mean``, ``running_var`` (and
            ``num_batches_tracked``, which stays 0, as in PyTorch) and normalize with
            them in eval mode; off by default.
        dtype: floating dtype of parameters and running statistics (float32).

    Shape:
        ``(N, C, L)`` or ``(C, L)``, unchanged.

    Raises:
        ValueError: an input of another rank, a single value per channel in training,
            or (with ``affine``) a channel count other than ``num_features`` (without
            ``affine`` that is only a warning, as in PyTorch).
    """

    _spatial_dims = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of ``(N, C, H, W)``: each channel of each sample over its
    H x W values (style transfer's normalization).

    Args: as :class:`InstanceNorm1d`.

    Shape:
        ``(N, C, H, W)`` or ``(C, H, W)``, unchanged.
    """

    _spatial_dims = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization of ``(N, C, D, H, W)``: each channel of each sample over
    its D x H x W values.

    Args: as :class:`InstanceNorm1d`.

    Shape:
        ``(N, C, D, H, W)`` or ``(C, D, H, W)``, unchanged.
    """

    _spatial_dims = 3
