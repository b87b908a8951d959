"""Optimizers and learning-rate schedulers with PyTorch's update rules and state_dicts.

``optim.SGD``, ``optim.Adam``, ``optim.AdamW``, ``optim.RMSprop``, ``optim.AdaGrad``
(alias ``optim.Adagrad``), ``optim.Adadelta``, ``optim.Adamax``, ``optim.NAdam`` and
``optim.RAdam`` update Parameters in place, and so does ``optim.LBFGS`` through
``step(closure)``; ``optim.lr_scheduler`` holds the schedulers. DeZero's style works as
well: ``optim.SGD(lr=0.1).setup(model)`` then ``optimizer.update()``.
"""
from framework.optim import lr_scheduler
from framework.optim.adadelta import Adadelta
from framework.optim.adagrad import AdaGrad, Adagrad
from framework.optim.adam import Adam, AdamW
from framework.optim.adamax import Adamax
from framework.optim.lbfgs import LBFGS
from framework.optim.nadam import NAdam
from framework.optim.optimizer import Optimizer
from framework.optim.radam import RAdam
from framework.optim.rmsprop import RMSprop
from framework.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "AdaGrad", "Adagrad", "Adadelta",
           "Adamax", "NAdam", "RAdam", "LBFGS", "lr_scheduler"]
