"""Trainer callbacks: the base class and the built-ins, by the names a config uses.

``callbacks: [grad_clip, {type: ema, args: {decay: 0.999}}]`` builds them through the
``callbacks`` registry (filled by the ``register_callbacks`` plugin hook; the built-ins
come from :data:`BUILTIN_CALLBACKS`).  Every module of this package is imported here,
and a module's ``@builtin(name, description)`` classes become built-ins: a new built-in
callback (a new trainer option) is one new file.
"""
import importlib
import pkgutil

from framework.trainer.callbacks.base import (BUILTIN_CALLBACKS, EVENTS, Callback,
                                              CallbackList, builtin)
from framework.trainer.callbacks.checkpoint import ModelCheckpoint
from framework.trainer.callbacks.console import EpochLogger
from framework.trainer.callbacks.early_stopping import EarlyStopping
from framework.trainer.callbacks.ema import EMA
from framework.trainer.callbacks.grad import GradAccumulation, GradClip
from framework.trainer.callbacks.hparams import HParams
from framework.trainer.callbacks.images import Images
from framework.trainer.callbacks.lr_monitor import LearningRateMonitor
from framework.trainer.callbacks.model_summary import ModelSummary
from framework.trainer.callbacks.progress import ProgressBar
from framework.trainer.callbacks.tensorboard import TensorBoardLogger

__all__ = [
    "Callback", "CallbackList", "EVENTS", "BUILTIN_CALLBACKS", "builtin", "ModelCheckpoint",
    "EarlyStopping", "EpochLogger", "LearningRateMonitor", "ProgressBar",
    "TensorBoardLogger", "GradClip", "GradAccumulation", "EMA", "ModelSummary", "HParams",
    "Images",
]

for _module in pkgutil.iter_modules(__path__):  # the rest register themselves on import
    importlib.import_module(f"{__name__}.{_module.name}")
