"""The experiment config as dataclasses (pytorch-template's keys).

These classes are what :func:`framework.config.load_config` returns; their fields are
the only keys a config may use outside ``args`` (which are free-form here and checked
against the factory's signature by the trainer's builder).  Defaults are the values a
config may leave out::

    name: digits_mlp                 # required, a safe folder name
    seed: 0
    device: cpu                      # cpu | gpu | gpu:N | cuda | cuda:N
    plugins: []
    arch: {type: mlp, args: {...}}   # required
    data_loader:                     # required
      type: DataLoader
      args: {dataset: {type: digits, args: {}}, batch_size: 1, shuffle: false,
             validation_split: 0.0, ...other factory args...}
    loss: cross_entropy              # required; a name or {type, args}
    metrics: []
    optimizer: {type: Adam, args: {lr: 0.001}}   # required
    lr_scheduler: null
    callbacks: []                    # names or {type, args}: grad_clip, ema, ...
    trainer: {type: Trainer, args: {}, epochs: 20, save_dir: saved/, save_period: 1,
              verbosity: 2, monitor: 'off', early_stop: 0, tensorboard: true, log_step: 10,
              histograms: false, threads: auto}
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

__all__ = [
    "ComponentConfig", "DataLoaderArgs", "DataLoaderConfig", "TrainerConfig", "DistributedConfig",
    "ExperimentConfig", "field_names",
]


def field_names(cls):
    """Return the field names of a config dataclass, in declaration order."""
    return [f.name for f in fields(cls)]


@dataclass(kw_only=True)
class ComponentConfig:
    """A registered thing by name plus its factory's keyword arguments.

    Attributes:
        type: the registered name (``mlp``, ``Adam``, ``cross_entropy``).
        args: keyword arguments for the factory, free-form.
    """

    type: str
    args: dict = field(default_factory=dict)


@dataclass(kw_only=True)
class DataLoaderArgs:
    """``data_loader.args``: the data set, the loader's main settings, anything else.

    Attributes:
        dataset: the registered data set and its args (the builder adds ``train=``).
        batch_size: samples per batch (> 0); passed to the factory.
        shuffle: reshuffle every epoch; passed to the factory.
        validation_split: a fraction in [0, 1) or a sample count >= 0 held out for
            validation; consumed by the builder, not passed to the factory.
        extra: every other key (``drop_last``, ``seed``, ...), passed through unchanged.
    """

    dataset: ComponentConfig
    batch_size: int = 1
    shuffle: bool = False
    validation_split: float | int = 0.0
    extra: dict = field(default_factory=dict)

    def factory_kwargs(self):
        """Return the keyword arguments for the data loader factory (after ``dataset``)."""
        return {"batch_size": self.batch_size, "shuffle": self.shuffle, **self.extra}


@dataclass(kw_only=True)
class DataLoaderConfig:
    """``data_loader``: a registered data loader factory and its args."""

    type: str = "DataLoader"
    args: DataLoaderArgs


@dataclass(kw_only=True)
class TrainerConfig:
    """``trainer``: which trainer, how long to train, what to save and log.

    Attributes:
        type: the registered trainer (``Trainer``; plugins add more).
        args: extra keyword arguments for the trainer's factory.
        epochs: number of epochs (> 0).
        save_dir: root of ``models/<name>/<run_id>/`` and ``log/<name>/<run_id>/``.
        save_period: save ``checkpoint-epoch<N>.npz`` every this many epochs (>= 1).
        verbosity: 0 warnings, 1 info, 2 debug.
        monitor: ``"off"``, ``"min <metric>"`` or ``"max <metric>"`` (e.g. ``min val_loss``).
        early_stop: stop after this many epochs without improvement; 0 turns it off.
        tensorboard: write TensorBoard event files to the log folder.
        log_step: log the running loss every this many batches (> 0).
        histograms: also write parameter and gradient histograms each epoch.
        threads: numpy's BLAS threads: ``"auto"`` (fit to the machine's load, re-checked
            as training goes; see ``framework.threads``) or a positive int to pin them.
    """

    type: str = "Trainer"
    args: dict = field(default_factory=dict)
    epochs: int
    save_dir: str = "saved/"
    save_period: int = 1
    verbosity: int = 2
    monitor: str = "off"
    early_stop: int = 0
    tensorboard: bool = True
    log_step: int = 10
    histograms: bool = False
    threads: str | int = "auto"

    @property
    def monitor_mode(self):
        """``"off"``, ``"min"`` or ``"max"``."""
        return self.monitor.split()[0]

    @property
    def monitor_metric(self):
        """The monitored metric's name (``val_loss``), or None when monitoring is off."""
        parts = self.monitor.split()
        return parts[1] if len(parts) == 2 else None


@dataclass(kw_only=True)
class DistributedConfig:
    """``distributed``: how a run started on several processes (mpiexec, ``--nproc``)
    trains; optional, and ignored by a run of one process.

    Attributes:
        backend: ``auto`` (``nccl`` with a GPU device, else ``mpi``), ``mpi`` or ``nccl``.
        sync_batchnorm: BatchNorm statistics over the whole global batch.
    """

    backend: str = "auto"
    sync_batchnorm: bool = False


@dataclass(kw_only=True)
class ExperimentConfig:
    """A whole validated experiment config; see the module docstring for the YAML."""

    name: str
    seed: int = 0
    device: str = "cpu"
    plugins: list = field(default_factory=list)
    arch: ComponentConfig
    data_loader: DataLoaderConfig
    loss: ComponentConfig
    metrics: list = field(default_factory=list)
    optimizer: ComponentConfig
    lr_scheduler: ComponentConfig | None = None
    callbacks: list = field(default_factory=list)
    trainer: TrainerConfig
    distributed: DistributedConfig | None = None
