"""Trainer callbacks: the base class and the built-ins, by the names a config uses.

``callbacks: [grad_clip, {type: ema, args: {decay: 0.999}}]`` builds them through the
``callbacks`` registry (filled by the ``register_callbacks`` plugin hook; the built-ins
come from :data:`BUILTIN_CALLBACKS`).
"""
from framework.trainer.callbacks.base import EVENTS, Callback, CallbackList
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
    "Callback", "CallbackList", "EVENTS", "BUILTIN_CALLBACKS", "ModelCheckpoint",
    "EarlyStopping", "EpochLogger", "LearningRateMonitor", "ProgressBar",
    "TensorBoardLogger", "GradClip", "GradAccumulation", "EMA", "ModelSummary", "HParams",
    "Images",
]

#: name -> (class, one-line description): what the built-in plugin registers.
BUILTIN_CALLBACKS = {
    "checkpoint": (ModelCheckpoint, "checkpoint-epoch<N>.npz every save_period epochs and "
                                    "model_best.npz (on by default)"),
    "early_stopping": (EarlyStopping, "stop when trainer.monitor stops improving (on by "
                                      "default; patience: trainer.early_stop)"),
    "tensorboard": (TensorBoardLogger, "epoch scalars, batch loss and histograms to "
                                       "TensorBoard (on by default)"),
    "progress": (ProgressBar, "a progress bar per epoch on a terminal (on by default)"),
    "console": (EpochLogger, "one line per epoch on the console and in info.log (on by "
                             "default)"),
    "lr_monitor": (LearningRateMonitor, "the learning rate in every epoch's log (on by "
                                        "default)"),
    "grad_clip": (GradClip, "clip the gradients' norm (max_norm) or values (clip_value) "
                            "before each step"),
    "grad_accumulation": (GradAccumulation, "one optimizer step per `steps` batches, "
                                            "as one batch of steps x batch_size"),
    "ema": (EMA, "exponential moving average of the weights, used for validation"),
    "model_summary": (ModelSummary, "the model's layer table (nn.summary) at the start"),
    "hparams": (HParams, "the config's hyperparameters and final metrics in TensorBoard's "
                         "HPARAMS table"),
    "images": (Images, "reconstructions and a confusion matrix as TensorBoard images"),
}
