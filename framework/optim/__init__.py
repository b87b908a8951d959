"""Optimizers and learning-rate schedulers with PyTorch's update rules and state_dicts.

``optim.SGD``, ``optim.Adam``, ``optim.AdamW``, ``optim.RMSprop`` and ``optim.AdaGrad``
(alias ``optim.Adagrad``) update Parameters in place; ``optim.lr_scheduler`` holds the
schedulers. DeZero's style works as well: ``optim.SGD(lr=0.1).setup(model)`` then
``optimizer.update()``.
"""
from framework.optim import lr_scheduler
from framework.optim.adagrad import AdaGrad, Adagrad
from framework.optim.adam import Adam, AdamW
from framework.optim.optimizer import Optimizer
from framework.optim.rmsprop import RMSprop
from framework.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "AdaGrad", "Adagrad",
           "lr_scheduler"]
