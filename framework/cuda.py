"""DeZero's name for the array-backend helpers: everything here lives in ``framework.backend``."""
from framework import backend as _backend
from framework.backend import *  # noqa: F401,F403
from framework.backend import __all__  # noqa: F401


def __getattr__(name):
    if name == "amp":  # torch.cuda.amp.autocast / GradScaler
        from framework.amp import CUDA_AMP
        return CUDA_AMP
    return getattr(_backend, name)
