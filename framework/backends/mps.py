"""``torch.backends.mps``: Apple's Metal backend does not exist here."""

__all__ = ["is_available", "is_built"]


def is_available():
    """False: zeronn runs on the CPU (numpy) or an NVIDIA GPU (cupy)."""
    return False


def is_built():
    return False
