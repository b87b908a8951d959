"""``torch.backends.cudnn``: cuDNN is not used here (the GPU path is cupy's), so the
flags are plain attributes that change nothing and ``is_available()`` is False."""

__all__ = ["is_available", "version", "enabled", "benchmark", "deterministic", "allow_tf32"]

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    """False: no operation of this library runs through cuDNN."""
    return False


def version():
    """None: cuDNN is not used."""
    return None
