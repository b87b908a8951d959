"""Read PyTorch's ``.pt`` / ``.pth`` zip files without torch and without running code.

A ``torch.save`` file is a zip archive: ``<name>/data.pkl`` (a pickle of the saved
structure) and ``<name>/data/<key>`` (the raw bytes of each storage). The pickle is read
by :class:`RestrictedUnpickler`: ``find_class`` hands out only stand-ins for torch's
tensor and storage rebuild functions, dtypes, plain containers (``OrderedDict``,
``set``, ...) and numpy arrays of plain dtypes (``torch.save(np_array, f)``, which
PyTorch's own default ``weights_only`` load refuses). Any other global, ``os.system`` included, is refused by name before it is
imported, so a malicious file can never execute anything.
"""
import _compat_pickle
import io
import pickle
import zipfile
from collections import OrderedDict

import numpy as np

from framework.core import Parameter, Variable
from framework.errors import CheckpointError

__all__ = ["load_torch_zip", "RestrictedUnpickler"]

_STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "BFloat16Storage": "bfloat16", "LongStorage": np.int64, "IntStorage": np.int32,
    "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8,
    "BoolStorage": np.bool_, "ComplexFloatStorage": np.complex64,
    "ComplexDoubleStorage": np.complex128,
}
_TORCH_DTYPES = {
    "float32": np.float32, "float": np.float32, "float64": np.float64,
    "double": np.float64, "float16": np.float16, "half": np.float16,
    "bfloat16": "bfloat16", "int64": np.int64, "long": np.int64, "int32": np.int32,
    "int": np.int32, "int16": np.int16, "short": np.int16, "int8": np.int8,
    "uint8": np.uint8, "bool": np.bool_, "complex64": np.complex64,
    "complex128": np.complex128,
}


class _StorageType:
    """Stands for ``torch.FloatStorage`` & co.: only its dtype is used."""

    def __init__(self, dtype):
        self.dtype = dtype


class _TorchDtype:
    def __init__(self, dtype):
        self.dtype = dtype


class _Storage:
    def __init__(self, array, name):
        self.array = array
        self.name = name


def _bfloat16_to_float32(raw):
    """bfloat16 is the upper half of a float32: widen it (numpy has no bfloat16)."""
    return (raw.view(np.uint16).astype(np.uint32) << 16).view(np.float32)


def _rebuild_tensor(storage, storage_offset, size, stride, requires_grad=False,
                    backward_hooks=None, metadata=None, dtype=None):
    if not isinstance(storage, _Storage):
        raise CheckpointError(f"a tensor record refers to {type(storage).__name__}, "
                              f"expected a storage")
    base = storage.array
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    offset = int(storage_offset)
    if len(size) != len(stride) or offset < 0 or any(s < 0 for s in size + stride):
        raise CheckpointError(f"a tensor record has an invalid layout (size {size}, stride "
                              f"{stride}, offset {offset})")
    if 0 not in size:
        # The furthest element must lie inside the storage: as_strided trusts the layout.
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= base.size:
            raise CheckpointError(
                f"a tensor of size {size} and stride {stride} at offset {offset} reaches "
                f"element {last}, beyond storage {storage.name!r} of {base.size} elements; "
                f"the file is damaged")
        item = base.itemsize
        arr = np.lib.stride_tricks.as_strided(
            base[offset:], shape=size, strides=tuple(s * item for s in stride),
            writeable=False).copy()
    else:
        arr = np.zeros(size, dtype=base.dtype)
    t = Variable(arr, requires_grad=False)
    if requires_grad and arr.dtype.kind in "fc":
        t.requires_grad = True
    return t


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad,
                       backward_hooks, dtype, metadata=None):
    return _rebuild_tensor(storage, storage_offset, size, stride, requires_grad)


def _rebuild_parameter(data, requires_grad, backward_hooks, *state):
    return Parameter(data.data, requires_grad=bool(requires_grad))


def _ordered_dict(*args):
    return OrderedDict(*args)


def _codecs_encode(text, encoding="utf-8"):
    # Protocol-2 pickles store bytes as _codecs.encode(str, "latin1").
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1", "utf-8", "utf8"):
        raise CheckpointError(f"refusing _codecs.encode with encoding {encoding!r}")
    return text.encode(encoding)


def _size(values=()):
    return tuple(values)


def _np_reconstruct(subtype, shape, dtype):
    """numpy's pickle entry for arrays, for plain ``numpy.ndarray`` only: an empty array
    whose content the pickle's BUILD step then fills (``ndarray.__setstate__``)."""
    if subtype is not np.ndarray:
        raise pickle.UnpicklingError(f"refusing to rebuild an array of type {subtype!r}")
    return np.ndarray.__new__(np.ndarray, shape, dtype)


def _np_scalar(dtype, data=None):
    if not isinstance(dtype, np.dtype) or dtype.hasobject:
        raise pickle.UnpicklingError(f"refusing to rebuild a numpy scalar of dtype {dtype!r}")
    return np.frombuffer(data, dtype=dtype, count=1)[0]


def _np_dtype(spec, align=False, copy=False):
    return np.dtype(spec, align)


_NUMPY = {(module, name): fn for module in ("numpy.core.multiarray", "numpy._core.multiarray")
          for name, fn in (("_reconstruct", _np_reconstruct), ("scalar", _np_scalar))}

_ALLOWED = {
    **_NUMPY,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): _np_dtype,
    ("collections", "OrderedDict"): _ordered_dict,
    ("builtins", "set"): set,
    ("builtins", "frozenset"): frozenset,
    ("builtins", "complex"): complex,
    ("_codecs", "encode"): _codecs_encode,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    ("torch", "Size"): _size,
}


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that builds tensors and containers and refuses everything else.

    Args:
        file: the pickle stream.
        read_storage: ``read_storage(key, dtype, numel) -> ndarray`` for persistent ids.
    """

    def __init__(self, file, read_storage):
        super().__init__(file)
        self._read_storage = read_storage

    def find_class(self, module, name):
        # Protocol-2 pickles (torch's) spell Python 3 names the Python 2 way.
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        found = _ALLOWED.get((module, name))
        if found is not None:
            return found
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(_STORAGE_DTYPES[name])
        if module == "torch" and name in _TORCH_DTYPES:
            return _TorchDtype(_TORCH_DTYPES[name])
        raise pickle.UnpicklingError(
            f"refusing to load global '{module}.{name}': a PyTorch file may hold only "
            f"tensors, storages and plain containers, and zeronn never runs code from a "
            f"file (the name was not imported or called)")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r}")
        _, storage_type, key, _location, numel = pid[:5]
        dtype = getattr(storage_type, "dtype", None)
        if dtype is None:
            raise pickle.UnpicklingError(f"storage {key!r} has no known dtype")
        return _Storage(self._read_storage(str(key), dtype, int(numel)), str(key))


def load_torch_zip(path, place=lambda a: a):
    """Load a ``torch.save`` zip file: tensors become Variables (requires_grad as saved).

    Args:
        path: the ``.pt`` / ``.pth`` file.
        place: applied to every tensor's array (``map_location``).

    Raises:
        CheckpointError: a refused global (named), a damaged archive or storage, or a
            big-endian file.
    """
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        pkl = [n for n in names if n.endswith("/data.pkl") or n == "data.pkl"]
        if len(pkl) != 1:
            raise CheckpointError(f"{path}: expected one data.pkl in the archive, found "
                                  f"{len(pkl)}")
        prefix = pkl[0][:-len("data.pkl")]
        order = prefix + "byteorder"
        if order in names and zf.read(order).strip() not in (b"little", b""):
            raise CheckpointError(f"{path}: a big-endian PyTorch file is not supported")

        def read_storage(key, dtype, numel):
            entry = f"{prefix}data/{key}"
            if entry not in names:
                raise CheckpointError(f"{path}: storage {key!r} is missing from the archive")
            raw = zf.read(entry)
            if dtype == "bfloat16":
                arr = _bfloat16_to_float32(np.frombuffer(raw, dtype=np.uint16))
            else:
                arr = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))
            if arr.size < numel:
                raise CheckpointError(f"{path}: storage {key!r} holds {arr.size} elements, "
                                      f"the pickle says {numel}; the file is truncated")
            return arr

        try:
            obj = RestrictedUnpickler(io.BytesIO(zf.read(pkl[0])), read_storage).load()
        except pickle.UnpicklingError as exc:
            raise CheckpointError(f"{path}: {exc}") from None
        except (EOFError, ValueError, TypeError, AttributeError, IndexError) as exc:
            raise CheckpointError(f"{path}: the pickle in this PyTorch file is damaged "
                                  f"({type(exc).__name__}: {exc})") from None
    return _place_all(obj, place)


def _place_all(obj, place):
    if isinstance(obj, Variable):
        obj.data = place(obj.data)
        return obj
    if isinstance(obj, dict):
        for k in list(obj):
            obj[k] = _place_all(obj[k], place)
        return obj
    if isinstance(obj, list):
        return [_place_all(v, place) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_place_all(v, place) for v in obj)
    if isinstance(obj, (_StorageType, _TorchDtype, _Storage)):
        raise CheckpointError("a PyTorch file holds a bare storage or dtype; only tensors "
                              "and containers are supported")
    return obj
