"""Numeric CSV files (gzip or plain) into arrays."""
import gzip
import io
import os
import zlib

import numpy as np

from framework.data.files import read_content
from framework.errors import DataError

__all__ = ["read_csv"]


def _source_bytes(source):
    if isinstance(source, (bytes, bytearray, memoryview)):
        raw, name = bytes(source), "<bytes>"
    elif hasattr(source, "read"):
        raw, name = source.read(), getattr(source, "name", "<stream>")
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
    else:
        return read_content(source), os.fspath(source)
    if raw.startswith(b"\x1f\x8b"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataError(f"{name} is a corrupt or truncated gzip file ({exc})") from exc
    return raw, str(name)


def read_csv(source, *, skip_rows=0, delimiter=",", dtype=np.float32):
    """Read a numeric CSV table into a 2-d array.

    Args:
        source: a path, the file's bytes, or a binary (or text) file object; gzip
            content is recognised by its magic bytes and decompressed.
        skip_rows: leading lines to skip (e.g. 1 for a header line).
        delimiter: the field separator.
        dtype: the array's dtype.

    Returns:
        An array of shape ``(rows, columns)``.

    Raises:
        DataError: the source is unreadable, or a field is not a number, or the rows
            have different numbers of fields.
    """
    raw, name = _source_bytes(source)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{name} is not UTF-8 text: {exc}") from exc
    try:
        table = np.loadtxt(io.StringIO(text), delimiter=delimiter, dtype=dtype,
                           skiprows=skip_rows, ndmin=2)
    except ValueError as exc:
        raise DataError(f"{name} is not a numeric CSV table: {exc}") from exc
    return table
