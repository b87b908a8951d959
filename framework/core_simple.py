"""DeZero's ``dezero.core_simple`` (the book's steps 23 to 32): the same Variable and
Function as :mod:`framework.core`, which already has every operator the simple core
adds, so ``from dezero.core_simple import Variable`` followed by ``setup_variable()``
works with ``dezero`` renamed."""
from framework.core import (Function, Variable, as_array, as_variable, no_grad,
                            using_config)
from framework.core.config import Config

__all__ = ["Variable", "Function", "Config", "using_config", "no_grad", "as_array",
           "as_variable", "setup_variable"]


def setup_variable():
    """DeZero's operator set-up: Variable's operators are always defined here (a no-op)."""
