"""The built-in trainer and trainer callbacks, by the names a config uses."""
from framework.plugin import hookimpl
from framework.trainer import Trainer
from framework.trainer.callbacks import BUILTIN_CALLBACKS

__all__ = ["register_callbacks", "register_trainers"]


@hookimpl
def register_callbacks(register):
    """Register checkpoint, early_stopping, tensorboard, progress, console, lr_monitor,
    grad_clip, grad_accumulation, ema, model_summary, hparams and images."""
    for name, (factory, description) in BUILTIN_CALLBACKS.items():
        register(name, factory, description=description)


@hookimpl
def register_trainers(register):
    """Register Trainer."""
    register("Trainer", Trainer, description="supervised training: forward, loss, backward, "
                                             "step per batch; validation per epoch")
