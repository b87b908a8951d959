"""Crash-safe ``.npz`` files: named arrays plus one JSON metadata entry, never pickle.

Every weight file and checkpoint zeronn writes goes through :func:`save_npz`, and every
one it reads through :func:`load_npz`.  Writing is atomic: the archive is written to a
temporary file in the destination folder, flushed, fsynced and renamed over the target,
so a crash mid-save leaves the previous file intact.  Reading uses
``np.load(allow_pickle=False)``: a file can hold numbers, never code.

The metadata dict is stored as UTF-8 JSON bytes in a ``uint8`` array under the key
:data:`METADATA_KEY`, so ``np.load(path, allow_pickle=False)`` opens these files too.

Reading is bounded: every member's declared size is checked before anything is
decompressed (against the shape its ``.npy`` header declares, against the machine's
memory, and, for compressed members, against a plausible compression ratio), and the
metadata entry is capped at :data:`MAX_METADATA_BYTES`.  A crafted archive is refused
with a :class:`CheckpointError` before it can take memory.

A write killed outright (SIGKILL, power loss) can leave its hidden temporary file;
:func:`remove_stale_temporaries` deletes those of processes that no longer run.
"""
import json
import os
import re
import zipfile

import numpy as np

from framework.errors import CheckpointError

__all__ = ["METADATA_KEY", "MAX_METADATA_BYTES", "MAX_COMPRESSION_RATIO", "save_npz",
           "load_npz", "atomic_write", "remove_stale_temporaries", "memory_limit_bytes"]

#: Archive entry that holds the JSON metadata (as a uint8 array of UTF-8 bytes).
METADATA_KEY = "__metadata__"
#: Largest metadata entry read (a checkpoint's config and history take kilobytes).
MAX_METADATA_BYTES = 16 << 20
#: Compressed members above 16 MiB may expand at most this much (real arrays compress
#: far less; zeronn itself never compresses).
MAX_COMPRESSION_RATIO = 100
_RATIO_FREE_BYTES = 16 << 20
_TMP_PATTERN = re.compile(r"^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$")


def memory_limit_bytes():
    """The most bytes a single file may expand to when read: the machine's memory."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not POSIX: a generous fixed bound
        return 64 << 30


def _pid_alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's live process
    return True


def remove_stale_temporaries(folder):
    """Delete temporary files that killed writes of :func:`atomic_write` left behind.

    Only files named like this module's temporaries (``.<name>.<pid>.<hex>.tmp``)
    whose process no longer runs are removed, so a write under way is never touched.

    Args:
        folder: the folder to clean; a missing or unreadable one is skipped.

    Returns:
        The paths removed.
    """
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        match = _TMP_PATTERN.match(name)
        if match is None or _pid_alive(int(match.group(1))):
            continue
        path = os.path.join(folder, name)
        try:
            if os.path.isfile(path):
                os.remove(path)
                removed.append(path)
        except OSError:
            pass
    return removed


def _to_numpy(key, value):
    """Return ``value`` as a numpy array that can be stored without pickle.

    Raises:
        TypeError: the value is an object array or not array-like.
    """
    if not isinstance(value, np.ndarray):
        # cupy arrays copy themselves to the host with .get(); numpy has no such method
        getter = getattr(value, "get", None)
        if callable(getter) and hasattr(value, "__cuda_array_interface__"):
            value = getter()
        value = np.asarray(value)
    if value.dtype.hasobject:
        raise TypeError(
            f"cannot save array {key!r}: dtype {value.dtype} holds Python objects, which "
            f"would need pickle; convert it to a numeric or string dtype first")
    return value


def _json_default(obj):
    """Let numpy scalars and small arrays appear in metadata as plain JSON values."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, tuple):
        return list(obj)
    raise TypeError(f"metadata value of type {type(obj).__name__} is not JSON serializable "
                    f"(got {obj!r}); use numbers, strings, lists, dicts or None")


def _fsync_folder(folder):
    """Make the rename itself durable; not every platform can open a folder (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path, write):
    """Write a file atomically: temp file in the same folder, fsync, rename, fsync folder.

    Args:
        path: the destination file; its folder must exist.
        write: a callable taking a binary file object open for writing.

    Raises:
        FileNotFoundError: the destination folder does not exist.
        Any exception ``write`` raises; the temporary file is then removed and a
        previous file at ``path`` is left untouched.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"cannot write {path}: folder {folder} does not exist; create it first")
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}."
                               f"{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
    _fsync_folder(folder)


def save_npz(path, arrays, metadata=None):
    """Save named arrays and a JSON metadata dict to one ``.npz`` file, atomically.

    The file is written exactly at ``path`` (no ``.npz`` suffix is appended).

    Args:
        path: destination file (str or path-like); its folder must exist. A binary file
            object open for writing is written directly (not atomically).
        arrays: ``{name: array}``; numpy arrays, numpy/Python scalars, or cupy arrays
            (copied to the host).  Names are non-empty strings other than
            :data:`METADATA_KEY`; ``/`` is allowed.
        metadata: a JSON-serializable dict (numpy scalars and tuples are converted),
            or None to store no metadata entry.

    Raises:
        TypeError: a name is not a string, an array has an object dtype, or the
            metadata is not a dict or not JSON-serializable.
        ValueError: a name is empty or reserved.
        FileNotFoundError: the destination folder does not exist.
        OSError: the file cannot be written; any previous file is left intact.
    """
    # Everything that can fail on bad input is checked before the temp file exists.
    entries = []
    for key, value in arrays.items():
        if not isinstance(key, str):
            raise TypeError(f"array names must be strings, got {key!r} ({type(key).__name__})")
        if not key or key == METADATA_KEY:
            raise ValueError(f"invalid array name {key!r}: names must be non-empty and "
                             f"differ from the reserved {METADATA_KEY!r}")
        entries.append((key, _to_numpy(key, value)))
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise TypeError(f"metadata must be a dict or None, got {type(metadata).__name__}")
        text = json.dumps(metadata, default=_json_default, ensure_ascii=False)
        entries.append((METADATA_KEY, np.frombuffer(text.encode("utf-8"), dtype=np.uint8)))

    def write(f):
        with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED,
                             allowZip64=True) as zf:
            for key, arr in entries:
                with zf.open(key + ".npy", mode="w", force_zip64=True) as member:
                    np.lib.format.write_array(member, arr, allow_pickle=False)

    if hasattr(path, "write"):  # an open binary file: the caller owns its safety
        write(path)
        return
    atomic_write(path, write)


def _decode_metadata(path, raw):
    if not isinstance(raw, np.ndarray) or raw.dtype != np.uint8 or raw.ndim != 1:
        if isinstance(raw, np.ndarray) and raw.dtype.kind == "U" and raw.ndim == 0:
            text = str(raw[()])
        else:
            raise CheckpointError(
                f"{path}: entry {METADATA_KEY!r} is not JSON text (got "
                f"{getattr(raw, 'dtype', type(raw).__name__)}); the file is damaged or "
                f"was not written by zeronn")
    else:
        try:
            text = raw.tobytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CheckpointError(f"{path}: metadata is not valid UTF-8 ({exc})") from None
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{path}: metadata is not valid JSON ({exc})") from None
    except RecursionError:
        raise CheckpointError(f"{path}: metadata is nested too deeply to read; the file "
                              f"was not written by zeronn") from None
    if not isinstance(meta, dict):
        raise CheckpointError(
            f"{path}: metadata must be a JSON object, got {type(meta).__name__}")
    return meta


def _human(n):
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _check_members(path, zf):
    """Check every member's declared sizes before anything is decompressed."""
    total = 0
    limit = memory_limit_bytes()
    for info in zf.infolist():
        name = info.filename
        if not name.endswith(".npy"):
            raise CheckpointError(f"{path}: entry {name!r} is not a numpy array (.npy member); the file was "
                                  f"not written by numpy")
        size = info.file_size
        if name[:-4] == METADATA_KEY and size > MAX_METADATA_BYTES:
            raise CheckpointError(
                f"{path}: its metadata entry declares {_human(size)}, more than the "
                f"{_human(MAX_METADATA_BYTES)} a checkpoint's metadata may take; refused")
        if info.compress_type != zipfile.ZIP_STORED and size > _RATIO_FREE_BYTES \
                and size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise CheckpointError(
                f"{path}: entry {name!r} would expand from {_human(info.compress_size)} to "
                f"{_human(size)} (more than {MAX_COMPRESSION_RATIO}:1, a compression bomb); "
                f"refused")
        total += size
        if total > limit:
            raise CheckpointError(
                f"{path}: its entries expand to more than {_human(total)}, more than this "
                f"machine's memory ({_human(limit)}); refused")


def _read_member(path, zf, info):
    """One member as an array, its header checked against its declared size first."""
    name = info.filename
    with zf.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(member)
        else:
            shape, _, dtype = np.lib.format.read_array_header_2_0(member)
        header = member.tell()
    if dtype.hasobject:
        raise CheckpointError(
            f"{path}: entry {name[:-4]!r} is an object array, which would need pickle to "
            f"load; zeronn never loads pickled data")
    count = int(np.prod(shape, dtype=object)) if shape else 1
    expected = header + count * dtype.itemsize
    if expected != info.file_size:
        raise CheckpointError(
            f"{path}: entry {name[:-4]!r} declares shape {tuple(shape)} of {dtype} "
            f"({_human(expected - header)}) but holds {_human(info.file_size - header)}; "
            f"the file is truncated or corrupt")
    with zf.open(info) as member:
        return np.lib.format.read_array(member, allow_pickle=False)


def load_npz(path):
    """Load a ``.npz`` written by :func:`save_npz` (or any pickle-free ``.npz``).

    Nothing is decompressed before every member's declared size has been checked
    (see the module docstring).

    Args:
        path: the file to read.

    Returns:
        ``(arrays, metadata)``: an insertion-ordered ``{name: ndarray}`` dict and the
        metadata dict, or None when the file has no metadata entry.

    Raises:
        FileNotFoundError: no file at ``path``.
        IsADirectoryError: ``path`` is a folder.
        CheckpointError: the file is truncated or corrupt, not an ``.npz`` archive,
            holds object arrays (pickle) or non-array entries, declares more data than
            its arrays hold or than the machine's memory, is a compression bomb, has
            metadata over :data:`MAX_METADATA_BYTES`, or its metadata is not a JSON
            object.
    """
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot load {path}: it is a folder, expected an .npz file")
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: {path}")
    with open(path, "rb") as f:
        head = f.read(6)
    if not head:
        raise CheckpointError(f"{path}: the file is empty (0 bytes); it was truncated or "
                              f"never written completely")
    if head.startswith(b"\x93NUMPY"):
        raise CheckpointError(f"{path}: holds a single .npy array, expected an .npz archive "
                              f"of named arrays")
    if not head.startswith(b"PK"):
        raise CheckpointError(f"{path}: not an .npz archive (a zip file starts with 'PK', "
                              f"this one with {head[:4]!r})")
    arrays = {}
    raw_meta = None
    try:
        with zipfile.ZipFile(path) as zf:
            _check_members(path, zf)
            for info in zf.infolist():
                key = info.filename[:-4]
                try:
                    value = _read_member(path, zf, info)
                except CheckpointError:
                    raise
                except Exception as exc:  # zlib, CRC, EOF and format errors all mean damage
                    raise CheckpointError(
                        f"{path}: entry {key!r} cannot be read ({type(exc).__name__}: "
                        f"{exc}); the file is truncated or corrupt") from None
                if key == METADATA_KEY:
                    raw_meta = value
                else:
                    arrays[key] = value
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError,
            NotImplementedError, OSError) as exc:
        if isinstance(exc, (FileNotFoundError, PermissionError, CheckpointError)):
            raise
        raise CheckpointError(
            f"{path}: not a readable .npz archive ({type(exc).__name__}: {exc}); the file "
            f"is truncated, corrupt or of another format") from None
    metadata = None if raw_meta is None else _decode_metadata(path, raw_meta)
    return arrays, metadata
