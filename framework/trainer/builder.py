"""The one place that turns an experiment config into objects, through the registries.

``check_experiment`` validates every registry name and every ``args`` mapping against
its factory's signature before anything is built, so a typo fails in milliseconds,
before a run folder exists. ``build_experiment`` then builds the pieces in a fixed
order (model first, so a seed gives the same initial weights every time).
"""
import inspect
from dataclasses import dataclass, field

from framework import backend
from framework.errors import ConfigError, RegistryError, UserError
from framework.optim.scheduler_base import steps_on_metric
from framework.trainer.factory import check_training

__all__ = ["Experiment", "check_experiment", "build_experiment", "build_model",
           "build_data_loaders", "build_loss", "build_metrics", "build_optimizer",
           "build_lr_scheduler", "log_keys"]


@dataclass
class Experiment:
    """Everything a run needs, built from one config."""

    config: object
    model: object
    train_loader: object
    valid_loader: object = None
    criterion: object = None
    metrics: list = field(default_factory=list)  # [(name, callable)]
    optimizer: object = None
    lr_scheduler: object = None


class _Placeholder:
    """Stands for an object the framework passes positionally (parameters, optimizer)."""

    def __repr__(self):
        return "<placeholder>"


def _parameters(factory):
    """The factory's parameters by name; empty where its signature cannot be read."""
    try:
        return inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return {}


def _accepts(factory, name):
    """True when ``factory`` takes ``name``, by name or through ``**kwargs``."""
    params = _parameters(factory)
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD
                                 for p in params.values())


def _call(where, registry, name, *args, **kwargs):
    """Build through the registry; a factory rejecting its values is a config error."""
    try:
        return registry.build(name, *args, **kwargs)
    except UserError as exc:
        if str(exc).startswith(where):
            raise
        raise type(exc)(f"{where} ({name}): {exc}") from None
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: building {registry.kind} {name!r} with "
                          f"{kwargs or {}} failed: {exc}") from exc


def _loader_kwargs(cfg, registries, *, train):
    dl = cfg.data_loader
    kwargs = dict(dl.args.extra)
    kwargs["batch_size"] = dl.args.batch_size
    kwargs["shuffle"] = dl.args.shuffle if train else False
    factory = registries["data_loaders"].get(dl.type).factory
    if train or _accepts(factory, "validation_split"):
        kwargs["validation_split"] = dl.args.validation_split if train else 0.0
    for key, value in (("seed", cfg.seed), ("device", cfg.device)):
        if key not in kwargs and _accepts(factory, key):
            kwargs[key] = value
    return kwargs


def _components(cfg):
    """(where, registry kind, name, args, leading placeholders) for every component."""
    out = [("arch", "models", cfg.arch.type, cfg.arch.args, ())]
    ds = cfg.data_loader.args.dataset
    out.append(("data_loader.args.dataset", "datasets", ds.type, dict(ds.args, train=True), ()))
    out.append(("loss", "losses", cfg.loss.type, cfg.loss.args, ()))
    for i, metric in enumerate(cfg.metrics):
        out.append((f"metrics[{i}]", "metrics", metric.type, metric.args, ()))
    out.append(("optimizer", "optimizers", cfg.optimizer.type, cfg.optimizer.args,
                (_Placeholder(),)))
    if cfg.lr_scheduler is not None:
        out.append(("lr_scheduler", "lr_schedulers", cfg.lr_scheduler.type,
                    cfg.lr_scheduler.args, (_Placeholder(),)))
    return out


def log_keys(cfg):
    """The names a run logs each epoch (what ``trainer.monitor`` may name)."""
    names = ["loss"] + [m.type for m in cfg.metrics]
    keys = list(names)
    if cfg.data_loader.args.validation_split:
        keys += [f"val_{n}" for n in names]
    return keys


def check_experiment(cfg, registries):
    """Check names, arguments and the monitored metric without building anything.

    Raises:
        RegistryError: an unknown name or arguments the factory does not take; the
            message starts with the config key.
        ConfigError: an optimizer that steps only through a closure (LBFGS), or
            ``trainer.monitor`` names a value the run does not log.
    """
    for where, kind, name, args, leading in _components(cfg):
        try:
            registries[kind].check_args(name, args, *leading)
        except RegistryError as exc:
            raise RegistryError(f"{where}: {exc}") from None
    _check_optimizer(cfg, registries)
    try:
        dl_args = {"dataset": _Placeholder(), **_loader_kwargs(cfg, registries, train=True)}
        registries["data_loaders"].check_args(cfg.data_loader.type, dl_args)
    except RegistryError as exc:
        raise RegistryError(f"data_loader: {exc}") from None
    check_training(cfg, registries)  # trainer.type, trainer.args, callbacks
    _check_interval(cfg, registries)
    monitor = cfg.trainer.monitor
    if monitor != "off":
        _, key = monitor.split(maxsplit=1)
        keys = log_keys(cfg)
        if key not in keys:
            hint = (" (val_* values need data_loader.args.validation_split > 0)"
                    if key.startswith("val_") else "")
            raise ConfigError(f"trainer.monitor: the run logs no {key!r}; it logs "
                              f"{', '.join(keys)}{hint}")


def build_model(cfg, registries):
    """Build the model; a factory that returns no Module is a config error."""
    model = _call("arch", registries["models"], cfg.arch.type, **cfg.arch.args)
    if not (callable(model) and hasattr(model, "named_parameters")
            and hasattr(model, "state_dict")):
        raise ConfigError(f"arch: {cfg.arch.type!r} returned a {type(model).__name__}, "
                          f"expected a Module (framework.nn.Module); check what its "
                          f"factory returns")
    return model


def build_data_loaders(cfg, registries, *, train=True):
    """Build the dataset and its loader(s).

    Args:
        train: True: the training split and (with validation_split) the validation
            loader; False: the test split, no shuffle, no validation split.

    Returns:
        ``(loader, valid_loader or None)``.
    """
    ds = cfg.data_loader.args.dataset
    dataset = _call("data_loader.args.dataset", registries["datasets"], ds.type,
                    **dict(ds.args, train=train))
    kwargs = _loader_kwargs(cfg, registries, train=train)
    loader = _call("data_loader", registries["data_loaders"], cfg.data_loader.type,
                   dataset=dataset, **kwargs)
    valid = None
    if train and hasattr(loader, "split_validation"):
        valid = loader.split_validation()
    return loader, valid


def build_loss(cfg, registries):
    return _call("loss", registries["losses"], cfg.loss.type, **cfg.loss.args)


def build_metrics(cfg, registries):
    return [(m.type, _call("metrics", registries["metrics"], m.type, **m.args))
            for m in cfg.metrics]


def build_optimizer(cfg, registries, model):
    # (name, parameter) pairs: the optimizer's state_dict records the names, so a
    # checkpoint whose parameters do not line up with the model is rejected on resume.
    params = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    return _call("optimizer", registries["optimizers"], cfg.optimizer.type, params,
                 **cfg.optimizer.args)


def _names(factory, *names):
    """True when ``factory`` takes every one of ``names`` by name (not through **kwargs)."""
    params = _parameters(factory)
    return all(n in params for n in names)


def _steps_per_epoch(loader):
    try:
        return len(loader)
    except TypeError:
        return None


def _check_optimizer(cfg, registries):
    """The trainer calls ``optimizer.step()`` once per batch, without a closure."""
    name = cfg.optimizer.type
    if getattr(registries["optimizers"].get(name).factory, "needs_closure", False):
        raise ConfigError(f"optimizer: {name} re-evaluates the loss several times per step "
                          f"through optimizer.step(closure), but the trainer takes one "
                          f"optimizer.step() per batch; choose another optimizer, or use "
                          f"{name} in a script that passes a closure")


def _check_interval(cfg, registries):
    sched = cfg.lr_scheduler
    if sched is None or sched.interval != "step":
        return
    factory = registries["lr_schedulers"].get(sched.type).factory
    if steps_on_metric(factory) or sched.type == "ReduceLROnPlateau":
        raise ConfigError(f"lr_scheduler.interval: {sched.type} steps on the monitored "
                          f"value, which exists once per epoch; use interval: epoch")


def build_lr_scheduler(cfg, registries, optimizer, steps_per_epoch=None):
    """Build ``lr_scheduler``.

    A scheduler with a fixed length (OneCycleLR: ``total_steps``, or ``epochs`` and
    ``steps_per_epoch``) gets what the config leaves out from the run: ``epochs`` from
    ``trainer.epochs`` and ``steps_per_epoch`` from the loader's length (``interval:
    step``) or 1 (``interval: epoch``); a length that does not fit the run is a
    ConfigError rather than a schedule cut short or one that fails in the last epoch.

    Args:
        steps_per_epoch: batches per epoch of the training loader, where known.
    """
    sched_cfg = cfg.lr_scheduler
    if sched_cfg is None:
        return None
    per_step = sched_cfg.interval == "step"
    args = dict(sched_cfg.args)
    factory = registries["lr_schedulers"].get(sched_cfg.type).factory
    if args.get("total_steps") is None and _names(factory, "epochs", "steps_per_epoch"):
        if args.get("epochs") is None:
            args["epochs"] = cfg.trainer.epochs
        if args.get("steps_per_epoch") is None and (steps_per_epoch or not per_step):
            args["steps_per_epoch"] = steps_per_epoch if per_step else 1
    scheduler = _call("lr_scheduler", registries["lr_schedulers"], sched_cfg.type,
                      optimizer, **args)
    _check_length(cfg, scheduler, steps_per_epoch)
    return scheduler


def _check_length(cfg, scheduler, steps_per_epoch):
    """A fixed-length schedule must outlast the run; one written per batch but stepped
    per epoch is named (a shorter run than the schedule, e.g. ``--epochs 2`` of 4, is
    fine: it resumes into the rest)."""
    total = getattr(scheduler, "total_steps", None)
    if not isinstance(total, int) or isinstance(total, bool):
        return
    name, epochs = cfg.lr_scheduler.type, cfg.trainer.epochs
    if cfg.lr_scheduler.interval == "epoch":
        if steps_per_epoch and steps_per_epoch > 1 and total == epochs * steps_per_epoch:
            raise ConfigError(f"lr_scheduler: {name} is {total} steps long, one per batch "
                              f"({epochs} epochs x {steps_per_epoch} batches), but "
                              f"lr_scheduler.interval is epoch, so it would be stepped only "
                              f"{epochs} times; set lr_scheduler.interval: step")
        planned, unit = epochs, f"{epochs} epochs, one step each"
    else:
        if not steps_per_epoch or cfg.callbacks:
            return  # callbacks may skip optimizer steps (gradient accumulation)
        planned = epochs * steps_per_epoch
        unit = f"{epochs} epochs x {steps_per_epoch} batches"
    if total < planned:
        raise ConfigError(f"lr_scheduler: {name} is {total} steps long but the run steps it "
                          f"{planned} times ({unit}) and would fail at step {total + 1}; "
                          f"leave out total_steps (the trainer fills in the run's length) "
                          f"or make it at least {planned}")


def build_experiment(cfg, registries, *, train=True):
    """Build model, data, loss, metrics, optimizer and scheduler (in that order).

    The model moves to ``cfg.device``; the data loaders yield batches there.
    """
    check_experiment(cfg, registries)
    model = build_model(cfg, registries)
    if backend.parse_device(cfg.device)[0] != "cpu":
        model.to(cfg.device)
    loader, valid = build_data_loaders(cfg, registries, train=train)
    criterion = build_loss(cfg, registries)
    metrics = build_metrics(cfg, registries)
    optimizer = build_optimizer(cfg, registries, model) if train else None
    scheduler = build_lr_scheduler(cfg, registries, optimizer,
                                   _steps_per_epoch(loader)) if train else None
    return Experiment(config=cfg, model=model, train_loader=loader, valid_loader=valid,
                      criterion=criterion, metrics=metrics, optimizer=optimizer,
                      lr_scheduler=scheduler)
