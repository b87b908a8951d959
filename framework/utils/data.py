"""``framework.utils.data`` is ``framework.data``: PyTorch's ``torch.utils.data`` path.

Every public name of ``framework.data`` (including ones added later) is the same object
here, so ``from framework.utils.data import DataLoader, Dataset`` works as in PyTorch.
"""
import framework.data as _data
from framework.data import *  # noqa: F401,F403

__all__ = list(_data.__all__)


def __getattr__(name):
    # Sub-modules of framework.data (``framework.utils.data.dataset``) and names that are
    # public there without being in its __all__.
    try:
        return getattr(_data, name)
    except AttributeError:
        raise AttributeError(f"module 'framework.utils.data' has no attribute {name!r}") from None
