"""PyTorch's ``torch.backends`` switches, for scripts that set or query them::

    torch.backends.cudnn.benchmark = True
    device = "mps" if torch.backends.mps.is_available() else "cpu"

zeronn runs on numpy or cupy, never on cuDNN or Apple's MPS: the flags may be set (and
read back) and change nothing, and ``is_available()`` says False for both.
"""
from framework.backends import cuda, cudnn, mps

__all__ = ["cudnn", "mps", "cuda"]
