"""The command lines of ``train.py`` and ``test.py``.

Both turn every user mistake (a bad config, argument, checkpoint, device, plugin,
save_dir or data) into one line on stderr and exit status 2, with no traceback unless
``--debug``; nothing is written before the config, plugins, registry names and
arguments, device, checkpoint, save_dir and a dry run of one batch have all been
checked.  Exit statuses (see :data:`EXIT_CODES` and :mod:`framework.trainer.guard`):
0 done, 1 the loss diverged or a bug in zeronn (then with its traceback and a line
saying so), 2 bad input, 74 a write failed (disk full, read-only), 130 Ctrl-C, 143
SIGTERM.

A checkpoint never chooses code: the ``plugins:`` of a config stored in a checkpoint
are imported only when the user names them again (``-c`` or ``--plugins``), and the
working folder goes on ``sys.path`` only when the user named modules.
"""
import argparse
import contextlib
import copy
import os
import random
import re
import sys

import numpy as np

from framework import backend
from framework import threads as thread_control
from framework.config import (apply_overrides, config_to_dict, load_yaml, package_versions,
                              save_resolved_config, validate_config)
from framework.errors import (CheckpointError, ConfigError, PluginError, RegistryError,
                             UserError)
from framework.logger import TensorboardWriter, close_logging, get_logger, setup_logging
from framework.plugin import load_plugins
from framework.serialization import remove_stale_temporaries
from framework.trainer import diagnostics, resume
from framework.trainer.base_trainer import TrainingDiverged, TrainingInterrupted
from framework.trainer.builder import (Experiment, build_data_loaders, build_experiment, build_loss,
                                       build_metrics, build_model, check_experiment)
from framework.trainer.checkpoint import load_checkpoint, resume_command, set_resume_program
from framework.trainer import parallel
from framework.trainer.callbacks.ema import use_averaged_weights
from framework.trainer.factory import build_trainer
from framework.trainer.guard import (EXIT_CODES, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_IO,
                                     EXIT_OK, EXIT_TERMINATED, EXIT_USAGE, WriteFailed,
                                     add_import_path, one_line, run_guarded)
from framework.trainer.run_dir import check_save_dir, make_run_dirs, remove_run_dirs
from framework.trainer.trainer import Trainer, evaluate

__all__ = ["train_main", "test_main", "run_guarded", "resolve_config", "EXIT_CODES",
           "WriteFailed", "EXIT_OK", "EXIT_ERROR", "EXIT_USAGE", "EXIT_IO", "EXIT_INTERRUPTED",
           "EXIT_TERMINATED"]

class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line (exit 2), like the other errors."""

    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _common_arguments(parser):
    parser.add_argument("-d", "--device", metavar="DEVICE",
                        help="cpu, gpu or gpu:N (overrides the config's device)")
    parser.add_argument("--threads", type=int, metavar="N",
                        help="pin numpy's BLAS threads to N (default: the config's threads, "
                             "'auto': all cores when free, fewer when other processes hold "
                             "them)")
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bars and only warnings on the console")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error")
    parser.add_argument("--plugins", action="append", default=[], metavar="MODULE",
                        help="local plugin module to load (repeatable, or comma-separated); "
                             "the plugins a checkpoint's stored config lists are loaded "
                             "only when named here")


def train_parser(prog="train.py"):
    parser = _Parser(prog=prog, description="Train a model from a YAML experiment config.")
    parser.add_argument("-c", "--config", metavar="CONFIG",
                        help="experiment config (YAML); optional with -r")
    parser.add_argument("-r", "--resume", metavar="CHECKPOINT",
                        help="checkpoint to resume from (uses its config unless -c is given)")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config value, e.g. --set trainer.epochs=3 (repeatable)")
    parser.add_argument("--lr", type=float, help="shortcut for --set optimizer.args.lr=LR")
    parser.add_argument("--bs", type=int, help="shortcut for --set data_loader.args.batch_size=BS")
    parser.add_argument("--epochs", type=int, help="shortcut for --set trainer.epochs=N")
    parser.add_argument("--run-id", metavar="ID", help="name of the run folder (default: time)")
    parser.add_argument("--nproc", type=int, metavar="N",
                        help="train one model on N processes (data-parallel) through mpiexec")
    parser.add_argument("--hostfile", metavar="FILE",
                        help="with --nproc: the machines to run on (mpiexec's host file)")
    _common_arguments(parser)
    return parser


def test_parser(prog="test.py"):
    parser = _Parser(prog=prog, description="Evaluate a checkpoint on its test data.")
    parser.add_argument("-r", "--resume", metavar="CHECKPOINT", required=True,
                        help="checkpoint to evaluate (e.g. saved/models/<name>/<run>/model_best.npz)")
    parser.add_argument("-c", "--config", metavar="CONFIG",
                        help="config to use instead of the one stored in the checkpoint")
    _common_arguments(parser)
    return parser


def _overrides_list(args):
    items = [f"--set {s}" for s in getattr(args, "sets", [])]
    for flag in ("lr", "bs", "epochs"):
        value = getattr(args, flag, None)
        if value is not None:
            items.append(f"--{flag} {value}")
    if args.device:
        items.append(f"-d {args.device}")
    return items


def resolve_config(args, checkpoint=None):
    """The validated config: from ``-c`` or the checkpoint, with overrides and ``-d``."""
    if args.config:
        raw = load_yaml(args.config)
    elif checkpoint is not None:
        raw = checkpoint.config
        if not isinstance(raw, dict):
            raise ConfigError(f"{checkpoint.path} holds no config; pass one with -c")
    else:
        raise ConfigError("no config given: pass -c CONFIG.yaml (or -r CHECKPOINT to resume)")
    sets = getattr(args, "sets", [])
    lr, bs, epochs = (getattr(args, k, None) for k in ("lr", "bs", "epochs"))
    if sets or lr is not None or bs is not None or epochs is not None:
        raw = apply_overrides(raw, sets, lr=lr, bs=bs, epochs=epochs)
    if args.device:
        backend.parse_device(args.device)
        raw = apply_overrides(raw, [f"device={args.device}"])
    try:
        return validate_config(raw)
    except ConfigError as exc:
        if args.config:
            raise
        raise ConfigError(f"{checkpoint.path} (its stored config): {exc}") from None


def _named_plugins(args):
    """The modules named with ``--plugins`` (repeatable, comma-separated)."""
    names = []
    for item in getattr(args, "plugins", None) or []:
        names += [n.strip() for n in item.split(",") if n.strip()]
    return names


def _cwd_importable(needed):
    """Let the modules the user named come from the working folder.

    ``python train.py`` puts the script's folder on ``sys.path``, not the folder it runs
    in, so a project's ``my_project/models.py`` would not be found when ``train.py``
    lives elsewhere.  The folder goes last (it never shadows an installed package), only
    when the user named modules, and stays until the command ends (their factories may
    import their siblings later); :func:`run_guarded` takes it off again.
    """
    cwd = os.getcwd()
    if needed and "" not in sys.path:
        add_import_path(cwd)
    return contextlib.nullcontext()


def _plugins_to_load(cfg, args, checkpoint):
    """The local plugin modules to import: only the ones the user named.

    With ``-c`` the config's ``plugins:`` are the user's; a config that came from a
    checkpoint lists modules nobody named now, so those load only when ``--plugins``
    names them again.

    Returns:
        ``(modules, skipped)``: what to import, and the stored names left out.
    """
    named = _named_plugins(args)
    if args.config or checkpoint is None:
        wanted = list(cfg.plugins)
        skipped = []
    else:
        wanted = []
        skipped = [m for m in cfg.plugins if m not in named]
    for name in named:
        if name not in wanted:
            wanted.append(name)
    return wanted, skipped


def _load_registries(cfg, args, checkpoint):
    """Load the plugins the user named; a local plugin's failure is an input error."""
    modules, skipped = _plugins_to_load(cfg, args, checkpoint)
    try:
        with _cwd_importable(bool(modules)):
            registries = load_plugins(modules).registries
    except (ConfigError, PluginError, RegistryError) as exc:
        text = one_line(exc)
        raise ConfigError(text if text.startswith("plugins") else f"plugins: {text}") from None
    except RecursionError:
        raise ConfigError(f"plugins: importing {', '.join(modules)} recursed without "
                          f"end") from None
    return registries, skipped


@contextlib.contextmanager
def _from_stored_config(args, checkpoint):
    """Errors about a config that came out of a checkpoint name that checkpoint."""
    try:
        yield
    except UserError as exc:
        if args.config or checkpoint is None or str(exc).startswith(checkpoint.path):
            raise
        raise type(exc)(f"{checkpoint.path} (its stored config): {exc}") from None


def _check_names(cfg, registries, checkpoint, skipped, args):
    """check_experiment; an error in a stored config names the checkpoint, and says so
    when the name may live in a plugin that was not loaded."""
    try:
        check_experiment(cfg, registries)
    except UserError as exc:
        if args.config or checkpoint is None:
            raise
        message = f"{checkpoint.path} (its stored config): {exc}"
        if skipped:
            message += (f"; the stored config lists the plugins {', '.join(skipped)}, which "
                        f"a checkpoint never imports by itself: pass --plugins "
                        f"{','.join(skipped)} to load them")
        raise type(exc)(message) from None


def _config_summary(cfg, args, checkpoint):
    """One line for info.log: where the config came from and its main choices."""
    source = args.config or f"{checkpoint.path} (stored config)"
    overrides = _overrides_list(args)
    parts = [f"config {source}" + (f" with {' '.join(overrides)}" if overrides else ""),
             f"arch {cfg.arch.type}", f"dataset {cfg.data_loader.args.dataset.type}",
             f"batch_size {cfg.data_loader.args.batch_size}",
             f"validation_split {cfg.data_loader.args.validation_split}",
             f"loss {cfg.loss.type}",
             f"metrics {', '.join(m.type for m in cfg.metrics) or 'none'}",
             f"optimizer {cfg.optimizer.type} {cfg.optimizer.args}",
             f"lr_scheduler {cfg.lr_scheduler.type if cfg.lr_scheduler else 'none'}",
             f"epochs {cfg.trainer.epochs}", f"monitor {cfg.trainer.monitor}",
             f"early_stop {cfg.trainer.early_stop or 'off'}", f"seed {cfg.seed}"]
    return "; ".join(parts)


def _seed(seed):
    np.random.seed(seed)
    random.seed(seed)


def _build(cfg, registries, *, train):
    """Build the experiment after the size check; running out of memory is a config error."""
    diagnostics.check_sizes(cfg)
    try:
        exp = build_experiment(cfg, registries, train=train)
    except MemoryError:
        raise ConfigError(f"arch ({cfg.arch.type}): building the model ran out of memory; "
                          f"use smaller sizes in arch.args") from None
    diagnostics.check_built(cfg, exp)
    return exp


def _resume(trainer, checkpoint, cfg, exp):
    """Restore the checkpoint under the given config; return the lines to log."""
    resume.check_model_state(checkpoint, exp.model)
    fresh_groups = copy.deepcopy([{k: v for k, v in g.items()
                                   if k not in ("params", "param_names")}
                                  for g in exp.optimizer.param_groups])
    fresh_sched = exp.lr_scheduler.state_dict() if exp.lr_scheduler is not None else None
    plan = resume.plan_resume(checkpoint, cfg, exp.optimizer, exp.lr_scheduler)
    try:
        trainer.resume(plan.checkpoint)
    except (KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:
        raise ConfigError(f"{checkpoint.path}: does not fit this run: "
                          f"{type(exc).__name__}: {exc}") from None
    messages = plan.messages + resume.apply_config_hyperparameters(
        plan, cfg, fresh_groups, fresh_sched, exp.optimizer, exp.lr_scheduler)
    if plan.checkpoint.optimizer_state is not None:
        resume.verify_optimizer(checkpoint.path, exp.optimizer)
    return messages


def _clean_stale(cfg, checkpoint):
    """Remove temporaries of killed writes in this experiment's run folders."""
    folders = set()
    root = os.path.join(cfg.trainer.save_dir, "models", cfg.name)
    try:
        folders.update(os.path.join(root, d) for d in os.listdir(root))
    except OSError:
        pass
    if checkpoint is not None:
        folders.add(os.path.dirname(os.path.abspath(checkpoint.path)))
    for folder in sorted(folders):
        if os.path.isdir(folder):
            remove_stale_temporaries(folder)


def _write_failed(exc, models_dir, last_checkpoint):
    folder = os.path.dirname(exc.filename) if getattr(exc, "filename", None) else models_dir
    if last_checkpoint and os.path.isfile(last_checkpoint):
        kept = (f"the last good checkpoint is {last_checkpoint} (resume with: "
                f"{resume_command(last_checkpoint)})")
    else:
        kept = "no checkpoint was saved"
    reason = exc.strerror or str(exc)
    return WriteFailed(f"cannot write in {folder or models_dir}: {reason}; the run stopped, "
                       f"{kept}")


_RESUME_COMMAND = re.compile(r"((?:python train\.py|zeronn train) -r \S+?)\)")


def _with_plugins(exc, cfg):
    """``exc`` with its resume command naming the run's plugins, which a checkpoint
    does not load by itself."""
    if not cfg.plugins:
        return exc
    text = _RESUME_COMMAND.sub(lambda m: f"{m.group(1)} --plugins {','.join(cfg.plugins)})",
                               str(exc))
    return exc if text == str(exc) else type(exc)(text)


def _train(args):
    par = parallel.join()  # under mpiexec: the group, before any file is read
    checkpoint = load_checkpoint(par.share_file(args.resume)) if args.resume else None
    cfg = resolve_config(args, checkpoint)
    par = parallel.start(cfg, par)
    backend.check_device(cfg.device)
    if args.threads is None:  # --threads N pins; otherwise the config decides
        thread_control.set_num_threads(cfg.trainer.threads)
    registries, skipped = _load_registries(cfg, args, checkpoint)
    _check_names(cfg, registries, checkpoint, skipped, args)
    _seed(cfg.seed)
    with _from_stored_config(args, checkpoint):
        check_save_dir(cfg.trainer.save_dir)
        exp = par.prepare(_build(cfg, registries, train=True))
    config_dict = config_to_dict(cfg)
    versions = package_versions()

    with _from_stored_config(args, checkpoint):
        trainer = build_trainer(cfg, registries, exp, logger=get_logger(),
                                writer=TensorboardWriter(None, enabled=False),
                                config_dict=config_dict, versions=versions,
                                show_progress=not args.quiet)
        par.attach(trainer)
        # a trainer.type with its own training_step is dry-run through it
        own_step = getattr(type(trainer), "training_step", Trainer.training_step)
        diagnostics.dry_run(cfg, exp, None if own_step is Trainer.training_step
                            else trainer.training_step)
        diagnostics.trial_update(cfg, exp.optimizer, exp.lr_scheduler)
    resume_lines = []
    if checkpoint is not None:
        # a checkpoint that does not fit fails here, before any folder
        resume_lines = _resume(trainer, checkpoint, cfg, exp)
        finished = trainer.finished_reason()
        if finished:  # nothing to train: no run folder either
            print(f"nothing to train from {checkpoint.path}: {finished}")
            return

    # Everything is checked and built: only now does the run get its folders.
    def make_dirs():
        _clean_stale(cfg, checkpoint)
        return make_run_dirs(cfg.trainer.save_dir, cfg.name, args.run_id)
    models_dir, log_dir = par.share_run_dirs(make_dirs)
    if not par.is_main:  # rank 0 alone writes the run folder, logs and checkpoints
        setup_logging(None, cfg.trainer.verbosity, quiet=True)
        trainer.train()
        return
    try:
        save_resolved_config(cfg, os.path.join(models_dir, "config.yaml"),
                             _overrides_list(args), versions)
        logger = setup_logging(log_dir, cfg.trainer.verbosity, quiet=args.quiet)
        trainer.writer = TensorboardWriter(log_dir, enabled=cfg.trainer.tensorboard)
    except BaseException as exc:  # nothing trained yet: leave nothing behind
        close_logging()
        remove_run_dirs(models_dir, log_dir)
        if isinstance(exc, OSError):
            raise _write_failed(exc, models_dir, None) from None
        raise
    logger.info(f"run {cfg.name}: checkpoints in {models_dir}, logs in {log_dir}")
    n_train = len(exp.train_loader.dataset) if hasattr(exp.train_loader, "dataset") else "?"
    logger.info(f"device {cfg.device}; {sum(p.size for p in exp.model.parameters())} "
                f"parameters; {n_train} training samples; BLAS threads "
                f"{thread_control.get_mode()} (now {thread_control.get_num_threads()})")
    if par.active:
        logger.info(f"data-parallel on {par.world_size} processes ({par.comm.backend}), "
                    f"batch_size {cfg.data_loader.args.batch_size} per process")
    logger.info(_config_summary(cfg, args, checkpoint), extra={"console": False})
    logger.debug(repr(exp.model))
    if checkpoint is not None:
        logger.info(f"resumed from {checkpoint.path} (epoch {checkpoint.epoch}); "
                    f"continuing at epoch {trainer.start_epoch}")
        for line in resume_lines:
            logger.info(f"resume: {line}")
    trainer.models_dir = models_dir
    try:
        trainer.train()
    except OSError as exc:
        raise _with_plugins(_write_failed(exc, models_dir, trainer.last_checkpoint),
                            cfg) from None
    except (TrainingInterrupted, TrainingDiverged) as exc:
        raise _with_plugins(exc, cfg) from exc
    finally:
        try:
            trainer.writer.close()
        except OSError:
            pass


def _use_averaged_weights(model, checkpoint):
    """A run with the ``ema`` callback validated (and chose model_best) with its averaged
    weights: evaluate those."""
    try:
        if use_averaged_weights(model, checkpoint):
            print(f"evaluating the ema callback's averaged weights from {checkpoint.path}")
    except ValueError as exc:
        raise CheckpointError(f"{checkpoint.path}: {exc}") from None


def _test(args):
    checkpoint = load_checkpoint(args.resume)
    cfg = resolve_config(args, checkpoint)
    backend.check_device(cfg.device)
    if args.threads is None:  # --threads N pins; otherwise the config decides
        thread_control.set_num_threads(cfg.trainer.threads)
    registries, skipped = _load_registries(cfg, args, checkpoint)
    _check_names(cfg, registries, checkpoint, skipped, args)
    _seed(cfg.seed)
    with _from_stored_config(args, checkpoint):
        diagnostics.check_sizes(cfg)
        try:
            model = build_model(cfg, registries)
        except MemoryError:
            raise ConfigError(f"arch ({cfg.arch.type}): building the model ran out of "
                              f"memory; use smaller sizes in arch.args") from None
    resume.check_model_state(checkpoint, model)
    try:
        model.load_state_dict(checkpoint.model_state)
    except (KeyError, ValueError, TypeError) as exc:
        source = args.config or "its stored config"
        raise ConfigError(f"{checkpoint.path} does not fit the model of {source}: "
                          f"{exc}") from None
    _use_averaged_weights(model, checkpoint)
    if backend.parse_device(cfg.device)[0] != "cpu":
        model.to(cfg.device)
    with _from_stored_config(args, checkpoint):
        loader, _ = build_data_loaders(cfg, registries, train=False)
        criterion = build_loss(cfg, registries)
        metrics = build_metrics(cfg, registries)
        exp = Experiment(config=cfg, model=model, train_loader=loader, criterion=criterion,
                         metrics=metrics)
        diagnostics.check_built(cfg, exp)
        diagnostics.dry_run(cfg, exp)
    result = evaluate(model, loader, criterion, metrics, show_progress=not args.quiet)
    epoch = checkpoint.epoch
    print(f"checkpoint {checkpoint.path} (epoch {epoch}), "
          f"{len(loader.dataset) if hasattr(loader, 'dataset') else '?'} test samples")
    for key, value in result.items():
        print(f"test {key}: {value:.4f}")


def train_main(argv=None, prog="train.py"):
    """``python train.py ...`` (or ``zeronn train``: ``prog``); returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = train_parser(prog).parse_args(argv)
    set_resume_program("python train.py" if prog == "train.py" else prog)
    if args.nproc is not None:
        return run_guarded(lambda: parallel.launch(args, argv), debug=args.debug)
    status = run_guarded(lambda: _train(args), debug=args.debug, threads=args.threads)
    return parallel.finish(status)


def test_main(argv=None, prog="test.py"):
    """``python test.py -r CHECKPOINT ...`` (or ``zeronn test``: ``prog``); returns the
    exit status."""
    args = test_parser(prog).parse_args(argv)
    return run_guarded(lambda: _test(args), debug=args.debug, threads=args.threads)
