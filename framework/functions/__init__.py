"""Differentiable functions with DeZero's names and semantics (``import framework.functions as F``).

Grouped by kind, one module each; every public name is re-exported here.
"""
import importlib as _importlib

from framework.functions.math import *  # noqa: F401,F403
from framework.functions.array import *  # noqa: F401,F403
from framework.functions.reduction import *  # noqa: F401,F403
from framework.functions.linalg import *  # noqa: F401,F403
from framework.functions.activation import *  # noqa: F401,F403
from framework.functions.loss import *  # noqa: F401,F403
from framework.functions.conv import *  # noqa: F401,F403
from framework.functions.pooling import *  # noqa: F401,F403
from framework.functions.normalization import *  # noqa: F401,F403
from framework.functions.noise import *  # noqa: F401,F403
from framework.functions.evaluation import *  # noqa: F401,F403
from framework.functions.embedding import *  # noqa: F401,F403
from framework.functions.smooth_activation import *  # noqa: F401,F403
from framework.functions.layer_norm import *  # noqa: F401,F403
from framework.functions.pad import *  # noqa: F401,F403
from framework.functions.huber import *  # noqa: F401,F403
from framework.functions.split import *  # noqa: F401,F403
from framework.functions.simple import *  # noqa: F401,F403
from framework.functions.average import *  # noqa: F401,F403

# The modules by name: some share a name with a function (``pooling``), so the package
# attribute cannot be trusted after the star imports above.
_MODULE_NAMES = ("math", "array", "reduction", "linalg", "activation", "loss", "conv",
                 "pooling", "normalization", "noise", "evaluation", "embedding",
                 "smooth_activation", "layer_norm", "pad", "huber", "split", "simple", "average")
__all__ = [name for _m in _MODULE_NAMES
           for name in _importlib.import_module(f"framework.functions.{_m}").__all__]
