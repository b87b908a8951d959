"""``torch.nn.parallel``: ``DataParallel`` on one device, and the multi-process
``DistributedDataParallel`` of :mod:`framework.distributed`.

``DataParallel`` splits a batch over several GPUs of one process in PyTorch; here a
process drives one device, so it wraps the module on that device (``model.module`` as in
PyTorch, state_dict keys with the ``module.`` prefix) and refuses a list of several
devices with a line saying what to use instead (one process per device under mpiexec).
"""
from framework.nn.module import Module

__all__ = ["DataParallel", "data_parallel", "DistributedDataParallel"]


def _check_devices(device_ids, where):
    ids = list(device_ids) if device_ids is not None else []
    if len(ids) > 1:
        raise ValueError(f"{where}: device_ids={ids!r}: one process drives one device here; "
                         f"for data-parallel training start one process per device with "
                         f"mpiexec (or train.py --nproc N) and wrap the model in "
                         f"framework.distributed.DistributedDataParallel")


class DataParallel(Module):
    """Wrap ``module`` (``model.module``); its forward is the module's.

    Raises:
        ValueError: ``device_ids`` naming more than one device.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        _check_devices(device_ids, "DataParallel")
        self.module = module
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0,
                  module_kwargs=None):
    """``module(inputs)`` (one device; see :class:`DataParallel`)."""
    _check_devices(device_ids, "data_parallel")
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    return module(*inputs, **(module_kwargs or {}))


def __getattr__(name):
    if name == "DistributedDataParallel":
        from framework.distributed import DistributedDataParallel
        return DistributedDataParallel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
