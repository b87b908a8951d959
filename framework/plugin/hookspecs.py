"""The hooks a zeronn plugin may implement.

Every hook is in callback style: the manager calls the implementation with a
``register`` function, ``register(name, factory, *, description=None, override=False)``,
and the registry records which plugin registered what.
"""
import pluggy

PROJECT_NAME = "zeronn"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

# registry kind -> hook name; the trainer and the listing commands walk this table.
HOOKS = {
    "datasets": "register_datasets",
    "data_loaders": "register_data_loaders",
    "models": "register_models",
    "losses": "register_losses",
    "metrics": "register_metrics",
    "optimizers": "register_optimizers",
    "lr_schedulers": "register_lr_schedulers",
    "callbacks": "register_callbacks",
    "trainers": "register_trainers",
}


@hookspec
def register_datasets(register):
    """Register dataset factories; each accepts ``train=`` and returns a Dataset."""


@hookspec
def register_data_loaders(register):
    """Register data loader factories; each takes ``dataset=`` first."""


@hookspec
def register_models(register):
    """Register model factories; each returns an ``nn.Module``."""


@hookspec
def register_losses(register):
    """Register loss factories; each returns a callable ``(output, target) -> Variable``."""


@hookspec
def register_metrics(register):
    """Register metric factories; each returns a callable ``(output, target) -> float``."""


@hookspec
def register_optimizers(register):
    """Register optimizer factories; each takes the parameters first."""


@hookspec
def register_lr_schedulers(register):
    """Register lr scheduler factories; each takes the optimizer first."""


@hookspec
def register_callbacks(register):
    """Register trainer callback factories; each returns a ``framework.trainer.Callback``
    (a config names them in ``callbacks:``)."""


@hookspec
def register_trainers(register):
    """Register trainer classes (``framework.trainer.Trainer`` subclasses, built with the
    trainer's arguments plus ``trainer.args``; a config picks one with ``trainer.type``)."""
