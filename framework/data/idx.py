"""The IDX format of MNIST-style data sets: read (gzip or raw) and write.

An IDX file is two zero bytes, a type code, the number of dimensions ``d``, ``d``
big-endian uint32 sizes, then the values in big-endian C order.
"""
import gzip
import io
import os
import struct

import numpy as np

from framework.data.files import gunzip_bounded
from framework.errors import DataError
from framework.serialization import memory_limit_bytes

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
    expected = header + _count(shape) * dtype.itemsize
    if len(content) != expected:
        raise DataError(f"{name} has {len(content)} bytes but its IDX header {shape} "
                        f"needs {expected}; the file is truncated or corrupt")
    array = np.frombuffer(content, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=copy)


def _count(shape):
    count = 1
    for n in shape:  # Python ints: a crafted header cannot overflow
        count *= int(n)
    return count


def _declared_size(head, name):
    """The total size an IDX header declares, from at least its first bytes."""
    if len(head) < 4 or head[0] != 0 or head[1] != 0 or head[2] not in _TYPES:
        raise DataError(f"{name} is not an IDX file: its first bytes are "
                        f"{bytes(head[:4])!r}, expected 00 00 <type> <ndim>")
    header = 4 + 4 * head[3]
    if len(head) < header:
        raise DataError(f"{name} is truncated: {len(head)} bytes, shorter than its "
                        f"{header}-byte IDX header")
    shape = struct.unpack(f">{head[3]}I", bytes(head[4:header]))
    size = header + _count(shape) * _TYPES[head[2]].itemsize
    if size > memory_limit_bytes():
        raise DataError(f"{name}: its IDX header declares shape {shape}, "
                        f"{size / (1 << 30):.1f} GiB, more than this machine's memory; the "
                        f"file is corrupt or crafted")
    return size


def read_idx(path):
    """Read an IDX file, gzip-compressed or raw (told apart by its first bytes).

    A gzip file is decompressed no further than the size its IDX header declares.

    Raises:
        DataError: the file is missing, unreadable, corrupt, not IDX, or holds more
            or less data than its header declares.
    """
    name = os.fspath(path)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise DataError(f"data file {name} does not exist") from None
    except OSError as exc:
        raise DataError(f"cannot read data file {name}: {exc}") from exc
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
                head = stream.read(4)
                head += stream.read(4 * head[3]) if len(head) == 4 else b""
        except (OSError, EOFError) as exc:
            raise DataError(f"data file {name} is a corrupt or truncated gzip file "
                            f"({exc}); hint: delete it and fetch it again") from exc
        raw = gunzip_bounded(raw, f"data file {name}", _declared_size(head, name))
    return parse_idx(raw, name=name)


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
