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
    "synchronize", "check_device", "device", "is_available", "device_count",
    "current_device", "device_object",
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


def is_array(x):
    """True for a numpy or cupy ndarray (cupy is not imported to check)."""
    return isinstance(x, np.ndarray) or is_cupy_array(x)


def as_numpy(x):
    """Return ``x`` as a numpy array (copies a cupy array to the host).

    ``x`` may be a numpy or cupy array, a Variable or Parameter (its data), a number or
    a list; the package's one array-to-host conversion.
    """
    data = getattr(x, "data", x) if hasattr(x, "creator") or (
        not is_array(x) and is_array(getattr(x, "data", None))) else x
    if isinstance(data, np.ndarray):
        return data
    if np.isscalar(data):
        return np.asarray(data)
    if is_cupy_array(data) or (hasattr(data, "__cuda_array_interface__")
                               and callable(getattr(data, "get", None))):
        return data.get()  # any device array that copies itself to the host
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


class device:
    """A device as PyTorch names it: ``device("cpu")``, ``device("cuda:1")``, ``device("cuda", 1)``.

    ``"gpu"`` and ``"gpu:N"`` (zeronn's config strings) are accepted too. Creating one
    checks only the spelling; moving data there checks that the GPU answers.

    Args:
        type: ``"cpu"``, ``"cuda"``, ``"gpu"`` with an optional ``":N"``, or a device.
        index: the GPU number, when not given in ``type``.

    Attributes:
        type: ``"cpu"`` or ``"cuda"``.
        index: the GPU number, or None (the CPU, or "the current GPU").

    Raises:
        DeviceError: an unknown spelling, or an index given twice.
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):  # noqa: A002 - PyTorch's argument name
        if isinstance(type, device):
            type, given = type.type, type.index
        else:
            if not isinstance(type, str):
                raise DeviceError(f"device() expects a string such as 'cpu' or 'cuda:0', got "
                                  f"{type!r}")
            kind, _ = parse_device(type)
            given = int(type.rsplit(":", 1)[1]) if ":" in type else None
            type = "cpu" if kind == "cpu" else "cuda"
        if index is not None and given is not None:
            raise DeviceError(f"device(): the index is given twice ({given} in the string, "
                              f"{index} as index)")
        index = given if index is None else int(index)
        if type == "cpu" and index not in (None, 0):
            raise DeviceError(f"device('cpu') takes no GPU index, got {index}")
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "index", None if type == "cpu" else index)

    def __setattr__(self, name, value):
        raise AttributeError("a device is immutable; make a new one with framework.device(...)")

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type={self.type!r})"
        return f"device(type={self.type!r}, index={self.index})"

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except DeviceError:
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return device, (str(self),)


_CPU = device("cpu")


def device_object(x):
    """The :class:`device` holding array (or Variable) ``x``."""
    data = getattr(x, "data", x) if hasattr(x, "creator") else x
    if is_cupy_array(data):
        return device("cuda", data.device.id)
    return _CPU


def is_available():
    """True when a CUDA GPU answers through cupy (PyTorch's ``torch.cuda.is_available``)."""
    return gpu_available()


def device_count():
    """The number of usable CUDA GPUs (0 without cupy or a driver)."""
    if not gpu_available():
        return 0
    return int(_cupy().cuda.runtime.getDeviceCount())


def current_device():
    """The index of the current GPU.

    Raises:
        DeviceError: no GPU is usable (the reason is in the message).
    """
    _require_gpu("cuda")
    return int(_cupy().cuda.Device().id)


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
