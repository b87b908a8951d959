"""The IDX format of MNIST-style data sets: read (gzip or raw) and write.

An IDX file is two zero bytes, a type code, the number of dimensions ``d``, ``d``
big-endian uint32 sizes, then the values in big-endian C order.
"""
import gzip
import os
import struct

import numpy as np

from framework.data.files import read_content
from framework.errors import DataError

__all__ = ["read_idx", "parse_idx", "write_idx"]

_TYPES = {
    0x08: np.dtype(np.uint8), 0x09: np.dtype(np.int8), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("=") if dt.itemsize > 1 else dt: code
          for code, dt in _TYPES.items()}


def parse_idx(content, name="<bytes>", copy=True):
    """Parse the (decompressed) bytes of an IDX file into an array.

    Args:
        content: the file's bytes.
        name: how to call the source in error messages (e.g. its path).
        copy: return an array independent of ``content``; with False a single-byte
            type is a read-only view of ``content`` (no copy of a large file).

    Returns:
        An array in native byte order with the file's element type.

    Raises:
        DataError: not IDX (bad magic or type code), or the size does not match the
            header (a truncated file).
    """
    if len(content) < 4 or content[0] != 0 or content[1] != 0 or content[2] not in _TYPES:
        raise DataError(f"{name} is not an IDX file: its first bytes are "
                        f"{bytes(content[:4])!r}, expected 00 00 <type> <ndim>")
    dtype, ndim = _TYPES[content[2]], content[3]
    header = 4 + 4 * ndim
    if len(content) < header:
        raise DataError(f"{name} is truncated: {len(content)} bytes, shorter than its "
                        f"{header}-byte IDX header")
    shape = struct.unpack(f">{ndim}I", bytes(content[4:header]))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(content) != expected:
        raise DataError(f"{name} has {len(content)} bytes but its IDX header {shape} "
                        f"needs {expected}; the file is truncated or corrupt")
    array = np.frombuffer(content, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=copy)


def read_idx(path):
    """Read an IDX file, gzip-compressed or raw (told apart by its first bytes).

    Raises:
        DataError: the file is missing, unreadable, corrupt or not IDX.
    """
    return parse_idx(read_content(path), name=os.fspath(path))


def write_idx(path, array, compress=None):
    """Write ``array`` as an IDX file (gzip when ``compress`` or ``path`` ends in .gz).

    Args:
        path: the file to write.
        array: an array of uint8, int8, int16, int32, float32 or float64.
        compress: gzip the file; None decides by the ``.gz`` suffix.

    Raises:
        ValueError: a dtype IDX cannot hold.
    """
    array = np.asarray(array)
    dtype = array.dtype.newbyteorder("=") if array.dtype.itemsize > 1 else array.dtype
    if dtype not in _CODES:
        raise ValueError(f"write_idx: dtype {array.dtype} has no IDX type code; expected "
                         "uint8, int8, int16, int32, float32 or float64")
    code = _CODES[dtype]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    body = np.ascontiguousarray(array, dtype=_TYPES[code]).tobytes()
    if compress is None:
        compress = os.fspath(path).endswith(".gz")
    data = header + body
    with open(path, "wb") as f:
        f.write(gzip.compress(data, mtime=0) if compress else data)
