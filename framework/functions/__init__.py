"""Differentiable functions with DeZero's names and semantics (``import framework.functions as F``).

Grouped by kind, one module each; every public name is re-exported here.
"""
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
from framework.functions import (math, array, reduction, linalg, activation, loss, conv,  # noqa: E402
                                 pooling, normalization, noise, evaluation, embedding)

__all__ = [name for _m in (math, array, reduction, linalg, activation, loss, conv, pooling,
                           normalization, noise, evaluation, embedding)
           for name in _m.__all__]
