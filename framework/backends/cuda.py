"""``torch.backends.cuda``: the TF32 switches scripts set, as attributes that change
nothing (cupy's matrix products keep their own defaults)."""
from types import SimpleNamespace

__all__ = ["matmul", "is_built"]

matmul = SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True)


def is_built():
    """Whether a GPU answers through cupy."""
    from framework import backend
    return backend.gpu_available()
