"""The trainer and its callbacks from a config: ``trainer.type``, ``trainer.args`` and
``callbacks:``, found by name in the ``trainers`` and ``callbacks`` registries.

:func:`check_training` checks every name and argument without building anything (the
builder's :func:`~framework.trainer.builder.check_experiment` calls it), so a typo fails
before a run folder exists; :func:`build_trainer` builds them.
"""
import inspect

from framework.errors import ConfigError, RegistryError, UserError
from framework.registry import closest_match
from framework.trainer.callbacks import Callback

__all__ = ["check_training", "build_callbacks", "build_trainer", "TRAINER_ARGUMENTS"]

#: What the framework passes to every trainer; ``trainer.args`` may not repeat these.
TRAINER_ARGUMENTS = ("model", "criterion", "metrics", "optimizer", "config", "lr_scheduler",
                     "models_dir", "logger", "writer", "config_dict", "versions",
                     "callbacks", "show_progress", "train_loader", "valid_loader")


def _own_keywords(cls):
    """The keyword names ``cls(...)`` accepts beyond :data:`TRAINER_ARGUMENTS`, or None
    when one of its ``__init__`` methods takes any ``**kwargs`` it does not pass on."""
    names = set()
    for klass in inspect.getmro(cls):
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters.values()
        except (TypeError, ValueError):
            return None
        passes_on = False
        for p in params:
            if p.kind is p.VAR_KEYWORD:
                passes_on = True
            elif p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "self":
                names.add(p.name)
        if not passes_on:
            return names - set(TRAINER_ARGUMENTS)
        if klass.__module__.startswith("framework.trainer"):
            return names - set(TRAINER_ARGUMENTS)  # the built-in bases pass on only theirs
    return names - set(TRAINER_ARGUMENTS)


def check_training(cfg, registries):
    """Check ``trainer.type``, ``trainer.args`` and every ``callbacks`` entry.

    Raises:
        RegistryError: an unknown name, or arguments the factory does not take; the
            message starts with the config key.
    """
    for i, cb in enumerate(cfg.callbacks):
        try:
            registries["callbacks"].check_args(cb.type, cb.args)
        except RegistryError as exc:
            raise RegistryError(f"callbacks[{i}]: {exc}") from None
    try:
        entry = registries["trainers"].get(cfg.trainer.type)
    except RegistryError as exc:
        raise RegistryError(f"trainer.type: {exc}") from None
    factory = entry.factory
    if not inspect.isclass(factory):
        return
    taken = sorted(set(cfg.trainer.args) & set(TRAINER_ARGUMENTS))
    if taken:
        raise RegistryError(f"trainer.args: {', '.join(taken)} is set by the framework, not "
                            f"by trainer.args")
    accepted = _own_keywords(factory)
    if accepted is None:
        return
    for key in cfg.trainer.args:
        if key not in accepted:
            guess = closest_match(key, accepted)
            hint = f" (did you mean {guess!r}?)" if guess else ""
            known = ", ".join(sorted(accepted)) or "none"
            raise RegistryError(f"trainer.args: trainer {cfg.trainer.type!r} takes no "
                                f"argument {key!r}{hint}; its own arguments: {known}")


def build_callbacks(cfg, registries):
    """Build the ``callbacks:`` entries; each gets its registered name as ``name``.

    Raises:
        ConfigError: a factory rejects its arguments (the entry is named).
        RegistryError: an unknown name or argument.
    """
    out = []
    for i, spec in enumerate(cfg.callbacks):
        try:
            callback = registries["callbacks"].build(spec.type, **spec.args)
        except UserError as exc:
            raise type(exc)(f"callbacks[{i}]: {exc}") from None
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"callbacks[{i}]: building callback {spec.type!r} with "
                              f"{spec.args or {}} failed: {exc}") from exc
        if not isinstance(callback, Callback):
            raise ConfigError(f"callbacks[{i}]: {spec.type!r} built a "
                              f"{type(callback).__name__}, not a framework.trainer.Callback")
        callback.name = spec.type
        out.append(callback)
    return out


def build_trainer(cfg, registries, experiment, **kwargs):
    """Build the ``trainer.type`` trainer for a built experiment.

    Args:
        cfg: the validated config.
        registries: the plugin registries.
        experiment: what :func:`~framework.trainer.builder.build_experiment` returned.
        **kwargs: the run's objects: logger, writer, config_dict, versions,
            show_progress, models_dir.

    Raises:
        ConfigError: the trainer or a callback rejects its arguments.
        RegistryError: an unknown name or argument.
    """
    callbacks = build_callbacks(cfg, registries)
    try:
        return registries["trainers"].build(
            cfg.trainer.type, experiment.model, experiment.criterion, experiment.metrics,
            experiment.optimizer, cfg, lr_scheduler=experiment.lr_scheduler,
            train_loader=experiment.train_loader, valid_loader=experiment.valid_loader,
            callbacks=callbacks, **kwargs, **cfg.trainer.args)
    except UserError as exc:
        raise type(exc)(f"trainer.type: {exc}") from None
    except ValueError as exc:
        raise ConfigError(f"trainer: building trainer {cfg.trainer.type!r} with "
                          f"{cfg.trainer.args or {}} failed: {exc}") from exc
