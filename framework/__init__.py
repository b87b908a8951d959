"""zeronn: a deep-learning framework you can read end to end.

``import framework as fw`` gives the autograd core (DeZero's names); the library's
parts are ``framework.functions`` (as ``F``), ``framework.nn``, ``framework.optim``,
``framework.data`` and ``framework.utils``.
"""
from framework import allocator, backend, cuda
from framework.threads import get_num_threads, set_num_threads
from framework.core import (Config, Function, Parameter, Variable, as_array, as_variable,
                            enable_grad, no_grad, tensor, test_mode, using_config)

__version__ = "0.1.0"

__all__ = [
    "Variable", "Function", "Parameter", "Config", "using_config", "no_grad",
    "enable_grad", "test_mode", "as_array", "as_variable", "tensor", "backend", "cuda",
    "functions", "utils", "nn", "optim", "data", "__version__",
    "set_num_threads", "get_num_threads",
]

# Freed arrays stay mapped for the next training step (opt out: ZERONN_MALLOC=system).
allocator.tune_malloc()


def __getattr__(name):
    # The heavier sub-packages load on first use so that ``import framework`` stays fast.
    if name in ("functions", "utils", "nn", "optim", "data"):
        import importlib
        return importlib.import_module(f"framework.{name}")
    raise AttributeError(f"module 'framework' has no attribute {name!r}")
