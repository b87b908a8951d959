"""SyncBatchNorm: batch normalization whose statistics cover every process's batch.

In training, each process sums its per-channel values and squares; one allreduce of
``[sum, sum of squares, count]`` gives the mean and variance of the whole global
batch, so N processes with batch B normalise exactly as one process with batch N·B.
The backward pass allreduces the two per-channel sums it needs (of ``gy`` and of
``gy * x_hat``) the same way. Outside training, or in a group of one, it is an
ordinary BatchNorm.
"""
import numpy as np

from framework import backend
from framework.core import Function, Variable
from framework.nn import Module
from framework.nn._utils import is_training
from framework.nn.normalization import BatchNorm1d, BatchNorm2d, _BatchNorm
from framework.distributed.group import get_communicator

__all__ = ["SyncBatchNorm", "convert_sync_batchnorm"]


def _reduce_axes(ndim):
    return (0,) if ndim == 2 else (0,) + tuple(range(2, ndim))


def _channel_shape(ndim, c):
    return (1, c) + (1,) * (ndim - 2)


class _SyncBatchNormFunction(Function):
    """``y = gamma * (x - mean) / sqrt(var + eps) + beta`` with global batch stats."""

    def __init__(self, comm, eps, running_mean, running_var, momentum):
        self.comm = comm
        self.eps = eps
        self.running_mean, self.running_var = running_mean, running_var
        self.momentum = momentum

    def forward(self, x, gamma, beta):
        xp = backend.get_array_module(x)
        axes = _reduce_axes(x.ndim)
        c = x.shape[1]
        local = xp.empty(2 * c + 1, dtype=np.float64)
        xd = x.astype(np.float64, copy=False)
        local[:c] = xd.sum(axis=axes)
        local[c:2 * c] = (xd * xd).sum(axis=axes)
        local[2 * c] = x.size // c
        total = self.comm.allreduce(local, "sum")
        n = float(total[2 * c])
        mean = total[:c] / n
        var = xp.maximum(total[c:2 * c] / n - mean * mean, 0.0)
        if self.running_mean is not None:
            m = self.momentum
            unbiased = var * (n / (n - 1.0)) if n > 1 else var
            self.running_mean[...] = (1 - m) * self.running_mean + m * mean
            self.running_var[...] = (1 - m) * self.running_var + m * unbiased
        shape = _channel_shape(x.ndim, c)
        inv_std = (1.0 / xp.sqrt(var + self.eps)).astype(x.dtype)
        self.x_hat = (x - mean.astype(x.dtype).reshape(shape)) * inv_std.reshape(shape)
        self.inv_std = inv_std
        self.n = n
        return gamma.reshape(shape) * self.x_hat + beta.reshape(shape)

    def backward(self, gy):
        gy_data = gy.data
        x, gamma, beta = self.inputs
        xp = backend.get_array_module(gy_data)
        axes = _reduce_axes(gy_data.ndim)
        c = gy_data.shape[1]
        shape = _channel_shape(gy_data.ndim, c)
        local_gbeta = gy_data.sum(axis=axes)
        local_ggamma = (gy_data * self.x_hat).sum(axis=axes)
        sums = self.comm.allreduce(
            xp.concatenate([local_gbeta, local_ggamma]).astype(np.float64), "sum")
        mean_gy = (sums[:c] / self.n).astype(gy_data.dtype).reshape(shape)
        mean_gy_xhat = (sums[c:] / self.n).astype(gy_data.dtype).reshape(shape)
        scale = (gamma.data * self.inv_std).reshape(shape)
        gx = scale * (gy_data - mean_gy - self.x_hat * mean_gy_xhat)
        # Parameter gradients stay local: DistributedDataParallel averages them.
        return (Variable(gx, requires_grad=False),
                Variable(local_ggamma.astype(gamma.dtype), requires_grad=False),
                Variable(local_gbeta.astype(beta.dtype), requires_grad=False))


class SyncBatchNorm(_BatchNorm):
    """Batch normalization over ``(N, C)``, ``(N, C, L)`` or ``(N, C, H, W)`` input
    with statistics synchronised across the process group in training.

    Args: as ``nn.BatchNorm1d``.
    """

    _expected_dims = (2, 3, 4)

    def forward(self, x):
        comm = get_communicator()
        if comm.size == 1 or not is_training(self) or not self.affine:
            return super().forward(x)
        self._check_input(x)
        if self.track_running_stats:
            self.num_batches_tracked += 1
            momentum = (1.0 / float(self.num_batches_tracked) if self.momentum is None
                        else self.momentum)
            mean, var = self.running_mean, self.running_var
        else:
            momentum, mean, var = 0.0, None, None
        return _SyncBatchNormFunction(comm, self.eps, mean, var, momentum)(
            x, self.weight, self.bias)

    @classmethod
    def convert_sync_batchnorm(cls, module):
        """Return ``module`` with every BatchNorm1d/2d replaced by a SyncBatchNorm that
        holds the same parameters and buffers (PyTorch's classmethod)."""
        return convert_sync_batchnorm(module)


def _converted(bn):
    sync = SyncBatchNorm(bn.num_features, eps=bn.eps, momentum=bn.momentum,
                         affine=bn.affine, track_running_stats=bn.track_running_stats)
    for name in ("weight", "bias"):
        if bn._parameters.get(name) is not None:
            setattr(sync, name, bn._parameters[name])
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        sync._buffers[name] = bn._buffers.get(name)
    sync.train(bn.training)
    return sync


def convert_sync_batchnorm(module):
    """See :meth:`SyncBatchNorm.convert_sync_batchnorm`."""
    if not isinstance(module, Module):
        raise TypeError(f"convert_sync_batchnorm takes an nn.Module, got "
                        f"{type(module).__name__}")
    if isinstance(module, (BatchNorm1d, BatchNorm2d)) and not isinstance(module, SyncBatchNorm):
        return _converted(module)
    for name, child in list(module.named_children()):
        new = convert_sync_batchnorm(child)
        if new is not child:
            setattr(module, name, new)
    return module
