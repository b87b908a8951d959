"""PyTorch's functional names and signatures: ``import framework.nn.functional as F``.

These follow PyTorch (``dim=``, ``training=``, reductions over every element, weights
(out, in)), while ``framework.functions`` keeps DeZero's. Every function here is built
on the differentiable Functions of ``framework.functions``: there is no second
implementation of an op.
"""
from framework.nn.functional._activation import *  # noqa: F401,F403
from framework.nn.functional._activation_more import *  # noqa: F401,F403
from framework.nn.functional._attention import *  # noqa: F401,F403
from framework.nn.functional._conv import *  # noqa: F401,F403
from framework.nn.functional._loss import *  # noqa: F401,F403
from framework.nn.functional._margin_loss import *  # noqa: F401,F403
from framework.nn.functional._norm import *  # noqa: F401,F403
from framework.nn.functional._resample import *  # noqa: F401,F403
from framework.nn.functional import (_activation, _activation_more,  # isort: skip
                                     _attention, _conv, _loss, _margin_loss, _norm,
                                     _resample)

__all__ = [name for _m in (_activation, _activation_more, _attention, _conv, _loss,
                           _margin_loss, _norm, _resample)
           for name in _m.__all__]
