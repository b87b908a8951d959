"""Array backends: numpy on the CPU, cupy on a GPU.

This is the only module that imports cupy, and it does so lazily: importing zeronn
never pays cupy's import time, and a machine without cupy (or with cupy but no
driver, no device, or no runtime compiler) simply reports the GPU as unavailable.
Its public names are also reachable as ``framework.cuda`` (DeZero's module name).
"""
import os
import re

import numpy as np

from framework.errors import DeviceError

__all__ = [
    "get_array_module", "as_numpy", "as_cupy", "is_cupy_array", "gpu_status",
    "gpu_available", "parse_device", "to_device", "device_of", "scatter_add",
    "synchronize", "check_device",
]

_gpu_status = None  # cached (available: bool, reason: str)


def is_cupy_array(x):
    """True when ``x`` is a cupy ndarray (checked without importing cupy)."""
    return type(x).__module__.startswith("cupy")


def _cupy():
    import cupy  # noqa: PLC0415 - lazy on purpose
    return cupy


def cupy_module():
    """The cupy module itself (imported on first use); ImportError where it is absent."""
    return _cupy()


def nccl_module():
    """cupy's NCCL bindings (``cupy.cuda.nccl``), for the distributed ``nccl`` backend."""
    from cupy.cuda import nccl  # noqa: PLC0415 - lazy on purpose
    return nccl


def get_array_module(x):
    """Return ``numpy`` or ``cupy``: the module that handles ``x``.

    ``x`` may be an array, a Variable, or anything else (numpy for the rest), and
    this works where cupy is not installed at all.
    """
    data = getattr(x, "data", x) if not isinstance(x, np.ndarray) else x
    if is_cupy_array(data):
        return _cupy()
    return np


def as_numpy(x):
    """Return ``x`` as a numpy array (copies a cupy array to the host)."""
    data = getattr(x, "data", x) if hasattr(x, "creator") else x
    if isinstance(data, np.ndarray):
        return data
    if np.isscalar(data):
        return np.asarray(data)
    if is_cupy_array(data):
        return data.get()
    return np.asarray(data)


def as_cupy(x, device_id=None):
    """Return ``x`` as a cupy array on GPU ``device_id`` (current device when None).

    Raises:
        DeviceError: no usable GPU (the reason is in the message).
    """
    _require_gpu()
    cupy = _cupy()
    data = getattr(x, "data", x) if hasattr(x, "creator") else x
    if device_id is None:
        return cupy.asarray(data)
    with cupy.cuda.Device(device_id):
        return cupy.asarray(data)


def gpu_status():
    """Return ``(available, reason)`` for the GPU backend, computed once.

    Checks, in order: ``ZERONN_DEVICE=cpu`` forcing the CPU, cupy importable, a
    driver and at least one device answering, and a JIT-compiled kernel running (a
    missing runtime compiler makes cupy import fine and fail on the first kernel).
    """
    global _gpu_status
    if _gpu_status is None:
        _gpu_status = _probe_gpu()
    return _gpu_status


def _probe_gpu():
    if os.environ.get("ZERONN_DEVICE", "").lower() == "cpu":
        return False, "the CPU is forced by ZERONN_DEVICE=cpu"
    try:
        cupy = _cupy()
    except ImportError as exc:
        return False, f"cupy is not installed ({exc}); install it with pip install -e '.[gpu]'"
    except Exception as exc:  # a broken cupy install can fail with anything at import
        return False, f"cupy failed to import: {exc!r}"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDARuntimeError without a driver
        return False, f"no usable CUDA driver or device: {exc}"
    if count == 0:
        return False, "no CUDA device is visible (check CUDA_VISIBLE_DEVICES)"
    try:
        float((cupy.arange(4, dtype=cupy.float32) * 2).sum())
    except Exception as exc:  # e.g. NVRTC missing: cupy loads but cannot compile kernels
        return False, f"a CUDA device is present but cupy cannot run kernels: {exc!r}"
    return True, f"{count} CUDA device(s)"


def gpu_available():
    """True when a GPU answers through cupy."""
    return gpu_status()[0]


def _require_gpu(device="gpu"):
    ok, reason = gpu_status()
    if not ok:
        raise DeviceError(f"device {device!r} was asked for but no GPU is usable: {reason}")


def __getattr__(name):
    # ``gpu_enable`` is DeZero's flag; computed on first access, not at import.
    if name == "gpu_enable":
        return gpu_available()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_DEVICE_RE = re.compile(r"^(cpu|gpu|cuda)(?::(\d+))?$")


def parse_device(device):
    """Parse a device string into ``("cpu", None)`` or ``("gpu", index)``.

    Accepts ``"cpu"``, ``"gpu"``, ``"gpu:N"``, ``"cuda"``, ``"cuda:N"`` (and None for
    the CPU).

    Raises:
        DeviceError: the string is none of those.
    """
    if device is None:
        return "cpu", None
    match = _DEVICE_RE.match(str(device).strip().lower())
    if match is None or (match.group(1) == "cpu" and match.group(2) is not None):
        raise DeviceError(
            f"unknown device {device!r}: expected 'cpu', 'gpu', 'gpu:N', 'cuda' or 'cuda:N'")
    if match.group(1) == "cpu":
        return "cpu", None
    return "gpu", int(match.group(2) or 0)


def check_device(device):
    """Parse ``device`` and, for a GPU, check that it is usable; return the parsed pair."""
    kind, index = parse_device(device)
    if kind == "gpu":
        _require_gpu(device)
        count = _cupy().cuda.runtime.getDeviceCount()
        if index >= count:
            raise DeviceError(f"device {device!r} does not exist: {count} GPU(s) found")
    return kind, index


def to_device(x, device):
    """Return array ``x`` on ``device`` (a device string); no copy when already there."""
    kind, index = parse_device(device)
    if kind == "cpu":
        return as_numpy(x)
    return as_cupy(x, index)


def device_of(x):
    """Return ``"cpu"`` or ``"gpu:N"`` for an array or Variable."""
    data = getattr(x, "data", x) if hasattr(x, "creator") else x
    if is_cupy_array(data):
        return f"gpu:{data.device.id}"
    return "cpu"


def scatter_add(a, indices, values):
    """``a[indices] += values`` with repeated indices accumulated, on either backend."""
    if is_cupy_array(a):
        import cupyx  # noqa: PLC0415
        cupyx.scatter_add(a, indices, values)
    else:
        np.add.at(a, indices, values)


def synchronize():
    """Wait for the GPU to finish queued work (no-op on the CPU); for timing."""
    if _gpu_status is not None and _gpu_status[0]:
        _cupy().cuda.Stream.null.synchronize()
