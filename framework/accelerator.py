"""PyTorch's ``torch.accelerator``: the one accelerator zeronn knows, CUDA through cupy."""
from framework import backend

__all__ = ["is_available", "current_accelerator", "device_count"]


def is_available():
    """True when a CUDA GPU answers through cupy."""
    return backend.gpu_available()


def current_accelerator(check_available=False):
    """``device("cuda")`` when a GPU answers, else None (as PyTorch on a CPU-only machine).

    Args:
        check_available: accepted for PyTorch's signature; the answer is None either way
            when no GPU is usable.
    """
    return backend.device("cuda") if backend.gpu_available() else None


def device_count():
    """The number of usable GPUs (0 without one)."""
    return backend.device_count()
