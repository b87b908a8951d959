"""DistributedDataParallel: one model trained by every process of the group.

Each process holds a full replica. At wrap time rank 0's parameters and buffers are
broadcast, so every replica starts equal. After each ``backward()`` the gradients of
all replicas are averaged with one allreduce of a flat buffer per dtype, so they are
equal when ``backward()`` returns (as PyTorch's DDP) and every optimizer step keeps
the replicas — and the optimizers' states — identical. With the loss a mean over each
process's batch of B, the averaged gradient is the gradient of the mean over all
``world_size * B`` samples: training on N processes with batch B equals training on one
with batch N·B.
"""
import contextlib
import weakref

import numpy as np

from framework import backend
from framework.core import Variable, engine
from framework.core.config import Config
from framework.nn import Module
from framework.distributed.group import get_communicator

__all__ = ["DistributedDataParallel"]


class DistributedDataParallel(Module):
    """Wrap ``module`` for data-parallel training over the current process group.

    Args:
        module: the model; ``self.module`` holds it (its ``state_dict`` keys, as in
            PyTorch, get a ``module.`` prefix on the wrapper).
        broadcast_buffers: send rank 0's buffers (e.g. BatchNorm running statistics)
            to every rank before each training forward (PyTorch's default).

    Raises:
        TypeError: ``module`` is not an ``nn.Module``.
    """

    def __init__(self, module, broadcast_buffers=True):
        if not isinstance(module, Module):
            raise TypeError(f"DistributedDataParallel wraps an nn.Module, got "
                            f"{type(module).__name__}")
        super().__init__()
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        comm = get_communicator()
        self.__dict__["_comm"] = comm
        self.__dict__["_pending"] = False
        self.__dict__["_sync_enabled"] = True
        self.__dict__["_flat"] = {}
        self._broadcast_state()
        me = weakref.ref(self)

        def after_backward():
            ddp = me()
            if ddp is not None:
                ddp._after_backward()
        def before_forward(module, args):
            ddp = me()
            if ddp is not None:
                ddp._before_forward()
        # The inner module's own pre-hook marks the step, so calling either the wrapper
        # or the module itself (as the trainer does) takes part in the averaging.
        handles = (engine.register_post_backward_hook(after_backward),
                   module.register_forward_pre_hook(before_forward))
        self.__dict__["_handles"] = handles
        weakref.finalize(self, _remove_all, handles)

    @property
    def world_size(self):
        return self._comm.size

    def _broadcast_state(self):
        if self._comm.size == 1:
            return
        for _, p in self.module.named_parameters():
            self._comm.broadcast(p.data, src=0)
        self._broadcast_buffer_values()

    def _broadcast_buffer_values(self):
        for _, b in self.module.named_buffers():
            if b is not None:
                self._comm.broadcast(b, src=0)

    def forward(self, *args, **kwargs):
        return self.module(*args, **kwargs)

    def _before_forward(self):
        if self._comm.size > 1 and self.module.training and Config.enable_backprop:
            if self.broadcast_buffers:
                self._broadcast_buffer_values()
            self.__dict__["_pending"] = True

    def detach_from_module(self):
        """Stop averaging: remove the hooks this wrapper put on the module."""
        _remove_all(self._handles)

    @contextlib.contextmanager
    def no_sync(self):
        """Skip the gradient averaging inside the block (gradient accumulation: the
        first N-1 backward passes accumulate locally, the last one syncs the sum)."""
        old = self._sync_enabled
        self.__dict__["_sync_enabled"] = False
        try:
            yield
        finally:
            self.__dict__["_sync_enabled"] = old

    def _after_backward(self):
        if not self._pending or not self._sync_enabled:
            return
        self.__dict__["_pending"] = False
        self.sync_gradients()

    def sync_gradients(self):
        """Average every parameter's gradient over the group (one allreduce per dtype).

        A parameter without a gradient on any rank keeps ``grad = None``; one with a
        gradient on some ranks only gets the average with zeros for the others.
        """
        comm = self._comm
        if comm.size == 1:
            return
        groups = {}
        for p in self.module.parameters():
            if p.requires_grad:
                groups.setdefault(np.dtype(p.dtype), []).append(p)
        for dtype, params in groups.items():
            self._sync_group(comm, dtype, params)

    def _sync_group(self, comm, dtype, params):
        xp = backend.get_array_module(params[0].data)
        total = sum(p.size for p in params)
        key = (dtype, total, xp.__name__)
        flat = self._flat.get(key)
        if flat is None:  # one buffer per dtype, reused every step; after the gradients,
            # one slot per parameter counts the ranks that had one
            flat = xp.empty(total + len(params), dtype=dtype)
            self._flat[key] = flat
        offset = 0
        for p in params:
            n = p.size
            if p.grad is None:
                flat[offset:offset + n] = 0
            else:
                flat[offset:offset + n] = p.grad.data.reshape(-1)
            offset += n
        flat[total:] = xp.asarray([0 if p.grad is None else 1 for p in params], dtype=dtype)
        comm.allreduce_(flat, "sum")
        tail = flat[total:]
        if xp is not np:
            tail = backend.as_numpy(tail)
        flat[:total] /= comm.size
        offset = 0
        for i, p in enumerate(params):
            n = p.size
            if tail[i] > 0:
                values = flat[offset:offset + n].reshape(p.shape)
                if p.grad is None:
                    p.grad = Variable(values.copy(), requires_grad=False)
                else:
                    p.grad.data[...] = values
            offset += n

    def extra_repr(self):
        return f"world_size={self._comm.size}, backend={self._comm.backend!r}"


def _remove_all(handles):
    for h in handles:
        h.remove()

