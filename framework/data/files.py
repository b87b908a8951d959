"""Data files: reading (gzip or raw), sha256 checks, verified atomic downloads."""
import gzip
import hashlib
import io
import os
import urllib.error
import urllib.request
import zlib
from pathlib import Path

from framework.errors import ChecksumError, DataError
from framework.serialization import atomic_write

__all__ = ["read_content", "sha256_hex", "verify_sha256", "download"]

_GZIP_MAGIC = b"\x1f\x8b"


def read_content(path):
    """Return the content of ``path``, decompressed when it is gzip (by its magic bytes).

    Raises:
        DataError: the file is missing or unreadable, or a corrupt or truncated gzip.
    """
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise DataError(f"data file {os.fspath(path)} does not exist") from None
    except OSError as exc:
        raise DataError(f"cannot read data file {os.fspath(path)}: {exc}") from exc
    return _decompress(raw, f"data file {os.fspath(path)}")


def _decompress(raw, what):
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{what} is a corrupt or truncated gzip file ({exc}); hint: "
                        f"delete it and fetch it again") from exc


def sha256_hex(content):
    """The sha256 of ``content`` (bytes) as a hex string."""
    return hashlib.sha256(content).hexdigest()


def verify_sha256(content, expected, name):
    """Raise unless ``content`` has the sha256 ``expected``.

    Args:
        content: the (decompressed) bytes to check.
        expected: the hex digest they must have.
        name: the file (or URL) to name in the message.

    Raises:
        ChecksumError: the digests differ.
    """
    actual = sha256_hex(content)
    if actual != expected.lower():
        raise ChecksumError(
            f"checksum mismatch for {name}: the sha256 of its (decompressed) content is "
            f"{actual}, expected {expected}; the file is corrupt, truncated or another "
            "version; hint: delete it and fetch it again")


def _fetch(url, out, timeout, chunk_size):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            declared = response.headers.get("Content-Length")
            received = 0
            while True:
                chunk = response.read(chunk_size)
                if not chunk:
                    break
                out.write(chunk)
                received += len(chunk)
    except urllib.error.HTTPError as exc:
        raise DataError(f"download of {url} failed: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DataError(f"download of {url} failed: {exc}; hint: check the network or "
                        "copy the file by hand") from exc
    if declared is not None and declared.isdigit() and received != int(declared):
        raise DataError(f"download of {url} is truncated: received {received} of "
                        f"{declared} bytes")


def download(url, dest, sha256, *, timeout=60.0, chunk_size=1 << 20):
    """Download ``url`` to ``dest``, keeping it only when its checksum is right.

    The bytes are held in memory until their content (decompressed when gzip) has the
    sha256 ``sha256``; only then are they written atomically (temporary file, fsync,
    rename), so ``dest`` is either absent or complete and verified. On any failure
    nothing is written and ``dest`` is left as it was.

    Args:
        url: where to download from (http, https or file).
        dest: the file to write; its folder is created if needed.
        sha256: the expected hex sha256 of the (decompressed) content.
        timeout: seconds to wait for the server.
        chunk_size: bytes read at a time.

    Returns:
        ``dest`` as a Path.

    Raises:
        DataError: the download failed or was truncated.
        ChecksumError: the content does not have the expected sha256.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()  # the data sets are tens of MB: verify in memory, then write
    _fetch(url, buffer, timeout, chunk_size)
    raw = buffer.getvalue()
    try:
        content = _decompress(raw, f"the download of {url}")
    except DataError as exc:
        raise ChecksumError(f"{exc}; nothing was written to {dest}") from exc
    actual = sha256_hex(content)
    if actual != sha256.lower():
        raise ChecksumError(
            f"checksum mismatch for the download of {url}: the sha256 of its "
            f"(decompressed) content is {actual}, expected {sha256}; nothing was "
            f"written to {dest}; hint: try again, or another mirror")
    atomic_write(dest, lambda out: out.write(raw))
    return dest
