"""zeronn: a deep-learning framework you can read end to end.

``import framework as fw`` gives the autograd core (DeZero's names); the library's
parts are ``framework.functions`` (as ``F``), ``framework.nn``, ``framework.optim``,
``framework.data`` and ``framework.utils``.  DeZero's modules have their book names:
``framework.layers``, ``models``, ``optimizers``, ``datasets``, ``dataloaders``,
``transforms`` (and ``fw.Layer``, ``fw.Model``, ``fw.DataLoader``, ``fw.SeqDataLoader``).
"""
from framework import backend, cuda
from framework.core import (Config, Function, Parameter, Variable, as_array, as_variable,
                            enable_grad, no_grad, tensor, test_mode, using_config)

__version__ = "0.1.0"

__all__ = [
    "Variable", "Function", "Parameter", "Config", "using_config", "no_grad",
    "enable_grad", "test_mode", "as_array", "as_variable", "tensor", "backend", "cuda",
    "functions", "utils", "nn", "optim", "data", "__version__",
    "layers", "models", "optimizers", "datasets", "dataloaders", "transforms",
    "Layer", "Model", "DataLoader", "SeqDataLoader", "setup_variable",
]

_SUBMODULES = ("functions", "utils", "nn", "optim", "data", "layers", "models", "optimizers",
               "datasets", "dataloaders", "transforms")
# DeZero's top-level names, from the module that defines each (loaded on first use).
_DEZERO_NAMES = {"Layer": "layers", "Model": "models", "DataLoader": "dataloaders",
                 "SeqDataLoader": "dataloaders"}


def setup_variable():
    """DeZero's operator set-up; Variable's operators are always defined here (a no-op)."""


def __getattr__(name):
    # The heavier sub-packages load on first use so that ``import framework`` stays fast.
    import importlib
    if name in _SUBMODULES:
        return importlib.import_module(f"framework.{name}")
    if name in _DEZERO_NAMES:
        return getattr(importlib.import_module(f"framework.{_DEZERO_NAMES[name]}"), name)
    raise AttributeError(f"module 'framework' has no attribute {name!r}")
