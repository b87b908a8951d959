"""``fw.save`` / ``fw.load``: any nesting of containers, arrays and tensors, without pickle.

The native format is one ``.npz`` archive written atomically by
:func:`framework.serialization.save_npz`: every array is an entry, and a JSON metadata
entry describes the structure around them (dicts with any JSON-able keys, lists,
tuples, numbers, strings, None, numpy scalars). Reading never unpickles.

``fw.load`` also reads

- PyTorch's ``.pt`` / ``.pth`` files (the zip format of ``torch.save`` since 1.6) without
  torch, through a restricted unpickler (:mod:`framework.torch_pickle`);
- ``.safetensors`` files, through the ``safetensors`` package's numpy API (``fw.save``
  writes one when the path ends in ``.safetensors``: a flat dict of arrays).
"""
import os
import tempfile
import zipfile
from collections import OrderedDict

import numpy as np

from framework import backend
from framework.core import Parameter, Variable
from framework.errors import CheckpointError
from framework.serialization import METADATA_KEY, atomic_write, load_npz, save_npz

__all__ = ["save", "load"]

FORMAT = "zeronn.save"
VERSION = 1


# ---------------------------------------------------------------------- encoding
class _Encoder:
    """Turns an object tree into a JSON tree plus ``{key: array}``."""

    def __init__(self):
        self.arrays = {}

    def _array(self, value, tag, **extra):
        key = f"a{len(self.arrays)}"
        self.arrays[key] = backend.as_numpy(value)
        return {"t": tag, "k": key, **extra}

    def encode(self, obj, where="obj"):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):  # int subclasses (x.size, IntEnum) as plain ints
            return int(obj)
        if isinstance(obj, float):
            return float(obj)
        if isinstance(obj, Variable):
            if obj.data is None:
                raise TypeError(f"fw.save: {where} is a tensor without data")
            tag = "parameter" if isinstance(obj, Parameter) else "tensor"
            return self._array(obj.data, tag, g=bool(obj.requires_grad))
        if isinstance(obj, np.ndarray) or backend.is_cupy_array(obj):
            if obj.dtype.hasobject:
                raise TypeError(f"fw.save: {where} is an object array, which would need "
                                f"pickle; convert it to a numeric dtype")
            return self._array(obj, "array")
        if isinstance(obj, np.generic):
            return self._array(np.asarray(obj), "scalar")
        if isinstance(obj, backend.device):
            return {"t": "device", "v": str(obj)}
        if isinstance(obj, dict):
            tag = "odict" if isinstance(obj, OrderedDict) else "dict"
            keys = [self.encode(k, f"{where} key {k!r}") for k in obj]
            for k, enc in zip(obj, keys):
                if isinstance(enc, dict):
                    raise TypeError(f"fw.save: dict key {k!r} in {where} must be a string, "
                                    f"number, bool or None")
            return {"t": tag, "k": keys,
                    "v": [self.encode(v, f"{where}[{k!r}]") for k, v in obj.items()]}
        if isinstance(obj, (list, tuple)):
            return {"t": "list" if isinstance(obj, list) else "tuple",
                    "v": [self.encode(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
        raise TypeError(
            f"fw.save: {where} is a {type(obj).__name__}, which cannot be saved without "
            f"pickle; save dicts, lists, tuples, arrays, tensors, numbers, strings or None "
            f"(e.g. model.state_dict(), not the model)")


def _decode(node, arrays, place, path):
    if not isinstance(node, dict):
        return node
    tag = node.get("t")
    if tag in ("array", "tensor", "parameter", "scalar"):
        key = node.get("k")
        if key not in arrays:
            raise CheckpointError(f"{path}: the structure names array {key!r}, which the "
                                  f"file does not hold; the file is damaged")
        arr = place(arrays[key])
        if tag == "array":
            return arr
        if tag == "scalar":
            return arr[()]
        cls = Parameter if tag == "parameter" else Variable
        out = cls(arr, requires_grad=False)
        if node.get("g") and arr.dtype.kind in "fc":
            out.requires_grad = True
        return out
    if tag == "device":
        return backend.device(node["v"])
    if tag in ("dict", "odict"):
        keys, values = node.get("k", []), node.get("v", [])
        out = OrderedDict() if tag == "odict" else {}
        for k, v in zip(keys, values):
            out[_decode(k, arrays, place, path)] = _decode(v, arrays, place, path)
        return out
    if tag in ("list", "tuple"):
        items = [_decode(v, arrays, place, path) for v in node.get("v", [])]
        return items if tag == "list" else tuple(items)
    raise CheckpointError(f"{path}: unknown entry type {tag!r} in the structure; the file "
                          f"is damaged or from a newer zeronn")


# ---------------------------------------------------------------------- placing
def _placer(map_location):
    """A function putting a loaded (host) array where ``map_location`` says."""
    if map_location is None:
        return lambda a: a
    if callable(map_location) and not isinstance(map_location, backend.device):
        raise TypeError("fw.load: map_location as a function is not supported; give a "
                        "device such as 'cpu' or 'cuda:0'")
    if isinstance(map_location, dict):
        raise TypeError("fw.load: map_location as a dict is not supported; give one device "
                        "such as 'cpu' or 'cuda:0'")
    device = str(map_location)
    backend.check_device(device)
    return lambda a: backend.to_device(a, device)


# ---------------------------------------------------------------------- public
def save(obj, f, _use_new_zipfile_serialization=True, pickle_protocol=None):
    """Save ``obj`` to the file ``f``, atomically (a crash leaves any old file intact).

    Args:
        obj: any nesting of dicts (keys: strings, numbers, bools, None), lists, tuples,
            arrays, tensors, Python and numpy numbers, strings and None; e.g. a
            ``state_dict()``, an optimizer's, or ``{"epoch": 3, "model": ...}``.
        f: the path, or a binary file object (``open(p, "wb")``, ``io.BytesIO``).
            ``.safetensors`` writes that format (a flat ``{str: array}`` dict); any other
            name (``.pt``, ``.pth``, ``.npz``) and file objects get zeronn's pickle-free
            ``.npz``, which ``fw.load`` reads back whatever the name.

    Raises:
        TypeError: something that would need pickle (a Module, an arbitrary object).
        FileNotFoundError: the folder does not exist.
    """
    path = f if hasattr(f, "write") else os.fspath(f)
    if isinstance(path, str) and path.endswith(".safetensors"):
        return _save_safetensors(obj, path)
    enc = _Encoder()
    tree = enc.encode(obj)  # refuses what needs pickle before anything is written
    save_npz(path, enc.arrays, {"format": FORMAT, "version": VERSION, "tree": tree})
    return None


def load(f, map_location=None, weights_only=None, mmap=None, **kwargs):
    """Load what :func:`save` wrote, a PyTorch ``.pt``/``.pth`` file, or ``.safetensors``.

    Args:
        f: the path, or a binary file object open for reading.
        map_location: None (where saved: the CPU), or a device (``"cpu"``,
            ``"cuda:0"``) to put every array on.
        weights_only: accepted for PyTorch's signature; loading never runs code either
            way (PyTorch files go through a restricted unpickler).

    Returns:
        The saved structure; tensors come back as tensors, arrays as arrays. From a
        PyTorch file, every tensor is a tensor (``model.load_state_dict`` takes them).

    Raises:
        FileNotFoundError: no file at ``f``.
        CheckpointError: a damaged file, an unknown format, or a PyTorch file whose
            pickle refers to anything but tensors, storages and plain containers (the
            name is given; nothing is executed).
    """
    if hasattr(f, "read"):  # an open binary file: its bytes, whatever its position came from
        name = os.path.basename(str(getattr(f, "name", "") or "file"))
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, name)
            with open(path, "wb") as fh:
                fh.write(f.read())
            return load(path, map_location=map_location)
    path = os.fspath(f)
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot load {path}: it is a folder")
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: {path}")
    place = _placer(map_location)
    if path.endswith(".safetensors"):
        return _load_safetensors(path, place)
    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head.startswith(b"PK"):
        if head[:1] == b"\x80":
            raise CheckpointError(
                f"{path}: a PyTorch file in the legacy (pre-1.6) pickle format, which is "
                f"read only as a zip archive; re-save it with torch 1.6 or newer "
                f"(torch.save(torch.load(p), p))")
        raise CheckpointError(f"{path}: not a zeronn, PyTorch or safetensors file (it "
                              f"starts with {head[:4]!r})")
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except zipfile.BadZipFile as exc:
        raise CheckpointError(f"{path}: a damaged zip archive ({exc})") from None
    if any(n.endswith("data.pkl") for n in names) and METADATA_KEY + ".npy" not in names:
        from framework.torch_pickle import load_torch_zip
        return load_torch_zip(path, place)
    arrays, meta = load_npz(path)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        if meta is None:  # a plain .npz of named arrays: its dict
            return {k: place(v) for k, v in arrays.items()}
        raise CheckpointError(f"{path}: an .npz file not written by fw.save (no "
                              f"{FORMAT!r} structure); read it with np.load")
    return _decode(meta.get("tree"), arrays, place, path)


# ---------------------------------------------------------------------- safetensors
def _save_safetensors(obj, path):
    from safetensors.numpy import save as st_save
    if not isinstance(obj, dict):
        raise TypeError(f"fw.save: .safetensors holds a flat dict of arrays, got "
                        f"{type(obj).__name__}")
    flat = {}
    for k, v in obj.items():
        if not isinstance(k, str):
            raise TypeError(f"fw.save: .safetensors keys must be strings, got {k!r}")
        if isinstance(v, Variable):
            v = v.data
        if not (isinstance(v, np.ndarray) or backend.is_cupy_array(v)):
            raise TypeError(f"fw.save: .safetensors values must be arrays or tensors; "
                            f"{k!r} is a {type(v).__name__}")
        flat[k] = np.ascontiguousarray(backend.as_numpy(v))
    data = st_save(flat)
    atomic_write(path, lambda fh: fh.write(data))


def _load_safetensors(path, place):
    from safetensors.numpy import load_file
    try:
        arrays = load_file(path)
    except Exception as exc:  # safetensors raises its own error types for bad headers
        raise CheckpointError(f"{path}: not a readable safetensors file "
                              f"({type(exc).__name__}: {exc})") from None
    return OrderedDict((k, Variable(place(v), requires_grad=False)) for k, v in arrays.items())
