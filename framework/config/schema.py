"""The experiment config as dataclasses: the one schema of the package.

Every key a config may use is a field here, and its field metadata says how to check it
(``check``), what kind of value it holds (``kind``) and what it means (``help``).
Validation (:mod:`framework.config.validate`), ``--set`` overrides
(:mod:`framework.config.overrides`), the resolved ``config.yaml``
(:mod:`framework.config.resolved`) and the key list in the README
(:func:`keys_markdown`) are all derived from these classes, so a new option is one
field::

    log_every: int = key(10, check=checks.integer(1, "a positive integer"),
                         help="...")

Kinds: ``value`` (a leaf, checked by ``check``), ``section`` (a nested dataclass),
``component`` (``{type, args}``; ``short`` allows a bare name), ``components`` (a list of
them), ``args`` (free-form keyword arguments), ``rest`` (every key of a section not
named by another field, passed through), ``modules`` (a list of module names).
"""
from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, is_dataclass

from framework.config import checks

__all__ = [
    "ComponentConfig", "SchedulerConfig", "DataLoaderArgs", "DataLoaderConfig", "TrainerConfig",
    "DistributedConfig", "ExperimentConfig", "field_names", "key", "schema_fields",
    "keys_markdown", "FOREIGN_KEYS",
]

#: Top-level sections other commands own: allowed in a config, not part of a run's
#: ExperimentConfig (``zeronn sweep`` checks ``sweep:`` itself).
FOREIGN_KEYS = {"sweep": "{method: grid, parameters: {...}}"}


def key(default=MISSING, *, help, kind="value", check=None, default_factory=MISSING,
        **meta):
    """A config field: ``dataclasses.field`` with the schema's metadata.

    Args:
        default, default_factory: the value when the key is left out (neither:
            the key is required).
        help: one line for the key list.
        kind: see the module docstring.
        check: for ``value`` kinds, ``check(value) -> value`` raising ValueError
            ("expected ..., got ...").
        **meta: kind-specific entries: ``cls`` and ``example`` for sections,
            ``short`` and ``arg_checks`` for components, ``hint`` for lists,
            ``missing`` for a required key's hint, ``write_none`` for an optional
            section the resolved config writes as ``null`` when left out.
    """
    metadata = {"help": help, "kind": kind, "check": check, **meta}
    if default_factory is not MISSING:
        return field(default_factory=default_factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def field_names(cls):
    """Return the field names of a config dataclass, in declaration order."""
    return [f.name for f in fields(cls)]


def schema_fields(cls):
    """The fields of a config dataclass (``dataclasses.fields``)."""
    return fields(cls)


@dataclass(kw_only=True)
class ComponentConfig:
    """A registered thing by name plus its factory's keyword arguments."""

    type: str = key(help="the registered name (mlp, Adam, cross_entropy)",
                    check=checks.text("a registered name (a string)"))
    args: dict = key(default_factory=dict, kind="args",
                     help="keyword arguments for the factory, checked against its signature")


@dataclass(kw_only=True)
class SchedulerConfig(ComponentConfig):
    """``lr_scheduler``: a registered scheduler, its args, and when the trainer steps it."""

    type: str = key(help="the registered scheduler (StepLR, CosineAnnealingLR, OneCycleLR, ...)",
                    check=checks.text("a registered name (a string)"))
    interval: str = key("epoch", check=checks.choice(("epoch", "step"), "epoch or step"),
                        help="step the scheduler after every epoch, or after every optimizer "
                             "step (OneCycleLR, warm-up schedules written per batch)")


@dataclass(kw_only=True)
class DataLoaderArgs:
    """``data_loader.args``: the data set, the loader's main settings, anything else."""

    dataset: ComponentConfig = key(kind="component", help="the registered data set and its "
                                   "args (the builder adds train=)",
                                   missing="(e.g. dataset: {type: digits, args: {}})")
    batch_size: int = key(1, check=checks.integer(1, "a positive integer"),
                          help="samples per batch")
    shuffle: bool = key(False, check=checks.boolean, help="reshuffle every epoch")
    validation_split: float | int = key(0.0, check=checks.validation_split,
                                        help="a fraction in [0, 1) or a sample count held "
                                             "out for validation")
    extra: dict = key(default_factory=dict, kind="rest",
                      help="any other key (drop_last, seed, num_workers, ...) goes to the "
                           "data loader factory")

    def factory_kwargs(self):
        """Return the keyword arguments for the data loader factory (after ``dataset``)."""
        return {"batch_size": self.batch_size, "shuffle": self.shuffle, **self.extra}


@dataclass(kw_only=True)
class DataLoaderConfig:
    """``data_loader``: a registered data loader factory and its args."""

    type: str = key("DataLoader", check=checks.text("a registered data loader name"),
                    help="the registered data loader")
    args: DataLoaderArgs = key(kind="section", cls=DataLoaderArgs,
                               example="{key: value, ...}", help="the loader's arguments")


@dataclass(kw_only=True)
class TrainerConfig:
    """``trainer``: which trainer, how long to train, what to save and log."""

    type: str = key("Trainer", check=checks.text("a registered trainer name"),
                    help="the registered trainer (plugins add more)")
    args: dict = key(default_factory=dict, kind="args",
                     help="the trainer's own keyword arguments")
    epochs: int = key(check=checks.integer(1, "a positive integer"),
                      help="number of epochs")
    save_dir: str = key("saved/", check=checks.text("a folder path (a non-empty string)"),
                        help="root of models/<name>/<run_id>/ and log/<name>/<run_id>/")
    save_period: int = key(1, check=checks.integer(1, "a positive integer"),
                           help="save checkpoint-epoch<N>.npz every this many epochs")
    verbosity: int = key(2, check=checks.choice((0, 1, 2), "0, 1 or 2"),
                         help="0 warnings, 1 info, 2 debug")
    monitor: str = key("off", check=checks.monitor,
                       help="off, min <metric> or max <metric> (e.g. min val_loss)")
    early_stop: int = key(0, check=checks.optional_integer(
        0, "an integer >= 0 (0 turns early stopping off)"),
        help="stop after this many epochs without improvement (0: never)")
    tensorboard: bool = key(True, check=checks.boolean,
                            help="write TensorBoard event files to the log folder")
    log_step: int = key(10, check=checks.integer(1, "a positive integer"),
                        help="log the running loss every this many steps")
    histograms: bool = key(False, check=checks.boolean,
                           help="also write parameter and gradient histograms each epoch")
    threads: str | int = key("auto", check=checks.threads,
                             help="numpy's BLAS threads: auto (fit to the machine's load) or "
                                  "a positive integer")

    @property
    def monitor_mode(self):
        """``"off"``, ``"min"`` or ``"max"``."""
        return checks.parse_monitor(self.monitor)[0]

    @property
    def monitor_metric(self):
        """The monitored metric's name (``val_loss``), or None when monitoring is off."""
        return checks.parse_monitor(self.monitor)[1]


@dataclass(kw_only=True)
class DistributedConfig:
    """``distributed``: how a run started on several processes (mpiexec, ``--nproc``)
    trains; optional, and ignored by a run of one process."""

    backend: str = key("auto", check=checks.choice(("auto", "mpi", "nccl"),
                                                   "one of auto, mpi, nccl"),
                       help="auto (nccl with a GPU device, else mpi), mpi or nccl")
    sync_batchnorm: bool = key(False, check=checks.boolean,
                               help="BatchNorm statistics over the whole global batch")


@dataclass(kw_only=True)
class ExperimentConfig:
    """A whole validated experiment config."""

    name: str = key(check=checks.safe_name,
                    help="the experiment; runs go to saved/models/<name>/<run_id>/")
    seed: int = key(0, check=checks.seed, help="seed of every random generator")
    device: str = key("cpu", check=checks.device, help="cpu, gpu, gpu:N, cuda or cuda:N")
    plugins: list = key(default_factory=list, kind="modules",
                        help="local plugin modules to load, e.g. [my_project.models]")
    arch: ComponentConfig = key(kind="component", help="the model")
    data_loader: DataLoaderConfig = key(
        kind="section", cls=DataLoaderConfig,
        example="{type: DataLoader, args: {dataset: {...}, batch_size: 64}}",
        help="the data")
    loss: ComponentConfig = key(kind="component", short=True,
                                help="the loss: a name or {type, args}")
    metrics: list = key(default_factory=list, kind="components", hint="metric names",
                        help="metrics logged every epoch: names or {type, args}")
    optimizer: ComponentConfig = key(
        kind="component", help="the optimizer",
        arg_checks={"lr": checks.number("a positive number", 0, exclusive=True),
                    "weight_decay": checks.number("a number >= 0", 0)})
    lr_scheduler: SchedulerConfig | None = key(
        None, kind="section", cls=SchedulerConfig,
        example="{type: StepLR, args: {step_size: 10}, interval: epoch}", write_none=True,
        help="the lr scheduler (optional)")
    callbacks: list = key(default_factory=list, kind="components",
                          hint="callback names or {type, args} mappings",
                          help="trainer callbacks: names or {type, args} (grad_clip, ema, ...)")
    trainer: TrainerConfig = key(kind="section", cls=TrainerConfig,
                                 example="{epochs: 20, save_dir: saved/, ...}",
                                 help="the training run")
    distributed: DistributedConfig | None = key(
        None, kind="section", cls=DistributedConfig,
        example="{backend: mpi, sync_batchnorm: false}",
        help="data-parallel training (optional; written out only when given)")


def _default_text(f):
    if f.default is not MISSING:
        return "null" if f.default is None else str(f.default).lower() \
            if isinstance(f.default, bool) else str(f.default)
    if f.default_factory is not MISSING:
        value = f.default_factory()
        return "[]" if isinstance(value, list) else "{}"
    return "required"


def _rows(cls, prefix):
    for f in fields(cls):
        kind = f.metadata.get("kind", "value")
        name = f"{prefix}{f.name}"
        if kind == "section":
            yield name, _default_text(f), f.metadata["help"]
            yield from _rows(f.metadata["cls"], name + ".")
        elif kind == "rest":
            yield f"{prefix}<other>", "", f.metadata["help"]
        else:
            yield name, _default_text(f), f.metadata["help"]


def keys_markdown():
    """The config's keys as a markdown table (key, default, meaning), for the README."""
    lines = ["| key | default | meaning |", "| --- | --- | --- |"]
    for name, default, help_text in _rows(ExperimentConfig, ""):
        shown = default if default == "required" else f"`{default}`"
        lines.append(f"| `{name}` | {shown} | {help_text} |")
    return "\n".join(lines)


assert all(is_dataclass(c) for c in (ComponentConfig, SchedulerConfig, DataLoaderArgs, DataLoaderConfig,
                                      TrainerConfig, ExperimentConfig))
