"""The define-by-run autograd core: Variable, Function, the backward engine, config."""
from framework.core.config import Config, enable_grad, no_grad, test_mode, using_config
# variable before function: Variable's operators import the primitives, which need Function.
from framework.core.variable import Parameter, Variable, as_array, as_variable, tensor  # isort: skip
from framework.core.function import Function  # isort: skip

__all__ = [
    "Config", "using_config", "no_grad", "enable_grad", "test_mode", "Function",
    "Variable", "Parameter", "as_array", "as_variable", "tensor",
]
