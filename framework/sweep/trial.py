"""One sweep trial's process: ``zeronn train`` that ends when its sweep ends.

``python -m framework.sweep.trial ARGS`` is ``zeronn train ARGS``, except that on Linux
the process asks the kernel for SIGTERM when the sweep process that started it dies, so
a sweep killed outright (``kill -9``, the OOM killer) leaves no trial running on in the
folder that the resumed sweep will use (SIGTERM stops the trainer cleanly, exit 143).
"""
import os
import signal
import sys

__all__ = ["main", "die_with_parent"]

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid):
    """Get SIGTERM when ``parent_pid`` dies (Linux); exit at once if it already has.

    Returns:
        True when the kernel will signal this process, False where it cannot (other
        systems), where the sweep's own Ctrl-C / SIGTERM handling still stops trials.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if parent_pid is not None and os.getppid() != parent_pid:
        sys.exit(143)  # the sweep died before the request took hold
    return True


def main(argv=None):
    """Run ``zeronn train`` with ``argv``; returns its exit status."""
    from framework.trainer.cli import train_main
    parent = os.environ.get("ZERONN_SWEEP_PID")
    die_with_parent(int(parent) if parent and parent.isdigit() else None)
    return train_main(sys.argv[1:] if argv is None else argv, prog="zeronn train")


if __name__ == "__main__":
    sys.exit(main())
