"""zeronn: a deep-learning framework you can read end to end.

``import framework as fw`` gives the autograd core (DeZero's names) and PyTorch's tensor
API (``fw.tensor``, ``fw.zeros``, ``fw.cat``, ``fw.float32``, ``fw.device``, ...,
``import framework as torch`` works for tutorial code); the library's parts are
``framework.functions`` (as ``F``), ``framework.nn``, ``framework.optim``,
``framework.data`` and ``framework.utils``.  DeZero's modules have their book names
(``import framework as dezero``): ``framework.layers``, ``models``, ``optimizers``,
``datasets``, ``dataloaders``, ``transforms`` (and ``fw.Layer``, ``fw.Model``,
``fw.DataLoader``, ``fw.SeqDataLoader``).
"""
from framework import threads as _threads  # first: it sets OpenBLAS's idle spin before
_threads.shorten_blas_spin()               # numpy (and with it OpenBLAS) loads
from framework import accelerator, allocator, backend, cuda
from framework.backend import device
from framework.threads import get_num_threads, set_num_threads
from framework.core import (Config, Function, Parameter, Variable, as_array, as_variable,
                            enable_grad, no_grad, test_mode, using_config)
from framework.core.size import Size
from framework.saving import load, save
from framework.amp import autocast
from framework.compiler import (compile, get_float32_matmul_precision,  # noqa: A004
                                set_float32_matmul_precision)
from framework.tensors import *  # noqa: F401,F403  (constructors, factories, dtypes)
from framework.tensors import __all__ as _tensor_all
from framework.tensor_functions import *  # noqa: F401,F403  (PyTorch's top-level functions)
from framework.tensor_functions import __all__ as _functions_all
from framework.tensor_math import *  # noqa: F401,F403  (elementwise math, tril, unique, ...)
from framework.tensor_math import __all__ as _math_all
from framework import tensor_methods  # noqa: E402,F401  (attaches softmax, relu, ... to Variable)

__version__ = "0.1.0"

__all__ = [
    "Variable", "Function", "Parameter", "Config", "using_config", "no_grad",
    "enable_grad", "test_mode", "as_array", "as_variable", "backend", "cuda",
    "accelerator", "device", "Size", "save", "load", "autocast", "compile",
    "set_float32_matmul_precision", "get_float32_matmul_precision",
    "functions", "utils", "nn", "optim", "data", "linalg", "__version__",
    "set_num_threads", "get_num_threads",
    "layers", "models", "optimizers", "datasets", "dataloaders", "transforms",
    "Layer", "Model", "DataLoader", "SeqDataLoader", "setup_variable",
] + _tensor_all + _functions_all + _math_all

# Freed arrays stay mapped for the next training step (opt out: ZERONN_MALLOC=system).
allocator.tune_malloc()

_SUBMODULES = ("functions", "utils", "nn", "optim", "data", "layers", "models", "optimizers",
               "datasets", "dataloaders", "transforms", "backends", "onnx", "core_simple",
               "linalg", "amp", "compiler", "distributions")
# DeZero's top-level names, from the module that defines each (loaded on first use).
_DEZERO_NAMES = {"Layer": "layers", "Model": "models", "DataLoader": "dataloaders",
                 "SeqDataLoader": "dataloaders"}


def setup_variable():
    """DeZero's operator set-up; Variable's operators are always defined here (a no-op)."""


#: DeZero's switch between its simple core (steps 23-32) and the full one: the full one
#: here, whose Variable and Function ``core_simple`` also names.
is_simple_core = False


def __getattr__(name):
    # The heavier sub-packages load on first use so that ``import framework`` stays fast.
    import importlib
    if name in _SUBMODULES:
        return importlib.import_module(f"framework.{name}")
    if name in _DEZERO_NAMES:
        return getattr(importlib.import_module(f"framework.{_DEZERO_NAMES[name]}"), name)
    raise AttributeError(f"module 'framework' has no attribute {name!r}")
