"""Keep freed array memory in the process (glibc's ``mallopt``), set when framework loads.

A training step allocates and frees the same large arrays every time: activations,
im2col matrices, gradients. glibc serves blocks above its mmap threshold (128 KiB at
first, adjusted as it goes) with fresh ``mmap`` calls and unmaps them on ``free``, and
trims the top of its heap once more than 128 KiB lies free there. Either way the next
step touches new pages and pays one page fault per 4 KiB page: thousands per step,
about a millisecond of a small model's step. Raising both thresholds keeps the memory
in the heap, where the next step finds it already mapped.

The price is that a process keeps up to its peak heap size (never more) instead of
giving memory back between steps.

Opt out with ``ZERONN_MALLOC=system`` (or ``0``/``off``). Nothing is changed where
the C library is not glibc, or where the user already tunes glibc's malloc through
``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``, ``MALLOC_TOP_PAD_`` or
``GLIBC_TUNABLES``.
"""
import os

__all__ = ["tune_malloc", "malloc_tuned", "MMAP_THRESHOLD", "TRIM_THRESHOLD"]

# mallopt parameter numbers from glibc's malloc.h.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Blocks up to this size come from the heap (glibc may refuse large values: then 32 MiB).
MMAP_THRESHOLD = 256 * 1024 * 1024
#: Free memory at the heap's top is returned to the system only beyond this size.
TRIM_THRESHOLD = 512 * 1024 * 1024
_FALLBACK_MMAP_THRESHOLD = 32 * 1024 * 1024
_OPT_OUT = ("0", "off", "no", "false", "system")
_USER_TUNING = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_",
                "MALLOC_MMAP_MAX_")

_tuned = None  # None: not tried yet; otherwise what tune_malloc returned


def _is_glibc():
    try:
        version = os.confstr("CS_GNU_LIBC_VERSION")
    except (AttributeError, ValueError, OSError):
        return False
    return bool(version) and version.startswith("glibc")


def tune_malloc(force=False):
    """Raise glibc's mmap and trim thresholds once per process.

    Args:
        force: tune even when ``ZERONN_MALLOC`` opts out or the user's own malloc
            variables are set (benchmarks use it to measure both ways in one process).

    Returns:
        The mmap threshold set (bytes), or 0 when nothing was changed.
    """
    global _tuned
    if _tuned is not None and not force:
        return _tuned
    _tuned = 0
    if not force:
        if os.environ.get("ZERONN_MALLOC", "").strip().lower() in _OPT_OUT:
            return 0
        if any(v in os.environ for v in _USER_TUNING) or \
                "glibc.malloc" in os.environ.get("GLIBC_TUNABLES", ""):
            return 0
    if not _is_glibc():
        return 0
    import ctypes
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return 0
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    threshold = MMAP_THRESHOLD
    if not mallopt(_M_MMAP_THRESHOLD, threshold):
        threshold = _FALLBACK_MMAP_THRESHOLD  # older glibc caps it at half a heap
        if not mallopt(_M_MMAP_THRESHOLD, threshold):
            return 0
    mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    _tuned = threshold
    return threshold


def malloc_tuned():
    """The mmap threshold :func:`tune_malloc` set, 0 if none, None before it ran."""
    return _tuned
