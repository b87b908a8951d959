"""Data files: reading (gzip or raw), sha256 checks, verified atomic downloads.

Decompression is bounded: a gzip file may expand to at most ``max_bytes`` (by default
:data:`MAX_RATIO` times its compressed size, at least 16 MiB, at most the machine's
memory).  The size its trailer declares is checked against that bound before anything
is decompressed, and decompression stops at the declared size, so a compression bomb
is refused at once whether its trailer is honest or lies.
"""
import gzip
import hashlib
import io
import os
import urllib.error
import urllib.request
import zlib
from pathlib import Path

from framework.errors import ChecksumError, DataError
from framework.serialization import atomic_write, memory_limit_bytes

__all__ = ["read_content", "sha256_hex", "verify_sha256", "download", "gunzip_bounded",
           "MAX_RATIO", "MAX_DOWNLOAD_BYTES"]

_GZIP_MAGIC = b"\x1f\x8b"
#: A gzip data file may expand this many times (real data: 2-10x; deflate allows 1000x).
MAX_RATIO = 100
_FREE_BYTES = 16 << 20
#: Largest download accepted (the data sets are tens of MB).
MAX_DOWNLOAD_BYTES = 1 << 30


def _human(n):
    return f"{n / (1 << 20):.1f} MiB" if n >= 1 << 20 else f"{n} bytes"


def default_limit(compressed_size):
    """The default bound on what ``compressed_size`` gzip bytes may expand to."""
    return min(max(MAX_RATIO * compressed_size, _FREE_BYTES), memory_limit_bytes())


def gunzip_bounded(raw, what, max_bytes=None):
    """Decompress gzip ``raw`` (bytes), refusing output beyond ``max_bytes``.

    Args:
        raw: the compressed bytes.
        what: names the source in messages (``"data file x.gz"``).
        max_bytes: the bound; None: :func:`default_limit` of ``len(raw)``.

    Raises:
        DataError: corrupt or truncated gzip, or more output than ``max_bytes``.
    """
    limit = default_limit(len(raw)) if max_bytes is None else int(max_bytes)
    # The trailer declares the size (mod 2**32): checked before decompressing, and the
    # decompression goes no further than it.  A declared size beyond the bound is a
    # bomb, or the last bytes are no trailer because the file is cut short.
    declared = int.from_bytes(raw[-4:], "little") if len(raw) >= 18 else None
    if declared is not None and declared > limit:
        raise DataError(f"{what}: its gzip trailer declares {_human(declared)} uncompressed, "
                        f"more than the {_human(limit)} accepted from {_human(len(raw))} "
                        f"compressed: a compression bomb, or a corrupt or truncated gzip "
                        f"file; refused (hint: delete it and fetch it again)")
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            bound = limit if declared is None or declared > limit else declared
            content = stream.read(bound + 1)  # decompresses no further than asked
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{what} is a corrupt or truncated gzip file ({exc}); hint: "
                        f"delete it and fetch it again") from exc
    if len(content) > bound:
        raise DataError(f"{what} expands beyond the {_human(bound)} its gzip trailer "
                        f"declares (from {_human(len(raw))} compressed); the file is "
                        f"corrupt or crafted; refused")
    return content


def read_content(path, max_bytes=None):
    """Return the content of ``path``, decompressed when it is gzip (by its magic bytes).

    Args:
        path: the file.
        max_bytes: the most bytes a gzip file may expand to (see :func:`gunzip_bounded`).

    Raises:
        DataError: the file is missing or unreadable, a corrupt or truncated gzip, or
            it expands beyond the bound.
    """
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise DataError(f"data file {os.fspath(path)} does not exist") from None
    except OSError as exc:
        raise DataError(f"cannot read data file {os.fspath(path)}: {exc}") from exc
    return _decompress(raw, f"data file {os.fspath(path)}", max_bytes)


def _decompress(raw, what, max_bytes=None):
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    return gunzip_bounded(raw, what, max_bytes)


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


def _fetch(url, out, timeout, chunk_size, max_bytes=MAX_DOWNLOAD_BYTES):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            declared = response.headers.get("Content-Length")
            if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                raise DataError(f"download of {url} declares {_human(int(declared))}, more "
                                f"than the {_human(max_bytes)} accepted; refused")
            received = 0
            while True:
                chunk = response.read(chunk_size)
                if not chunk:
                    break
                out.write(chunk)
                received += len(chunk)
                if received > max_bytes:
                    raise DataError(f"download of {url} sent more than {_human(max_bytes)}; "
                                    f"refused")
    except urllib.error.HTTPError as exc:
        raise DataError(f"download of {url} failed: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise DataError(f"download of {url} failed: {exc}; hint: check the network or "
                        "copy the file by hand") from exc
    if declared is not None and declared.isdigit() and received != int(declared):
        raise DataError(f"download of {url} is truncated: received {received} of "
                        f"{declared} bytes")


def download(url, dest, sha256, *, timeout=60.0, chunk_size=1 << 20,
             max_bytes=MAX_DOWNLOAD_BYTES):
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
        max_bytes: the most bytes downloaded; a gzip download may expand as
            :func:`gunzip_bounded` allows.

    Returns:
        ``dest`` as a Path.

    Raises:
        DataError: the download failed, was truncated or larger than ``max_bytes``.
        ChecksumError: the content does not have the expected sha256.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()  # the data sets are tens of MB: verify in memory, then write
    _fetch(url, buffer, timeout, chunk_size, max_bytes)
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
