"""The command lines of ``train.py`` and ``test.py``.

Both turn every user mistake (a bad config, argument, checkpoint, device or missing
data) into one line on stderr and exit status 2, with no traceback unless ``--debug``;
nothing is written before the config, plugins, registry names and arguments, device
and checkpoint have all been checked.
"""
import argparse
import os
import random
import sys

import numpy as np

from framework import backend
from framework import threads as thread_control
from framework.config import (apply_overrides, config_to_dict, load_yaml, package_versions,
                              save_resolved_config, validate_config)
from framework.errors import ConfigError, UserError
from framework.logger import TensorboardWriter, close_logging, get_logger, setup_logging
from framework.plugin import load_plugins
from framework.trainer.base_trainer import TrainingDiverged, TrainingInterrupted
from framework.trainer.builder import (build_data_loaders, build_experiment, build_loss,
                                       build_metrics, build_model, check_experiment)
from framework.trainer.checkpoint import load_checkpoint
from framework.trainer import parallel
from framework.trainer.factory import build_trainer
from framework.trainer.run_dir import make_run_dirs
from framework.trainer.trainer import evaluate

__all__ = ["train_main", "test_main", "run_guarded", "resolve_config"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C


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


def one_line(exc):
    """An error message folded onto one line (multi-line reports become '; '-separated)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return "; ".join(lines).replace(":; ", ": ")


def _pin_threads(n):
    """Pin numpy's BLAS threads for ``--threads N`` (None leaves the mode as it is)."""
    if n is None:
        return
    if n < 1:
        raise ConfigError(f"--threads: expected a positive integer, got {n}")
    thread_control.set_num_threads(n)


def run_guarded(func, debug=False, threads=None):
    """Run ``func()``; map user errors to exit 2 and a diverged run to exit 1.

    ``threads`` pins the BLAS threads for the call; the previous setting comes back after.
    """
    previous_mode = thread_control.get_mode()
    try:
        _pin_threads(threads)
        func()
    except UserError as exc:
        if debug:
            raise
        parallel.report(f"error: {one_line(exc)}")
        return EXIT_USAGE
    except TrainingDiverged as exc:
        if debug:
            raise
        parallel.report(f"error: {one_line(exc)}")
        return EXIT_ERROR
    except TrainingInterrupted:
        return EXIT_INTERRUPTED  # the trainer has logged where the run stands
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        close_logging()
        thread_control.set_num_threads(previous_mode)
    return EXIT_OK


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
    return validate_config(raw)


def _importable_cwd():
    """Let a config's ``plugins:`` name modules of the working folder, as ``python -m`` does.

    ``python train.py`` puts the script's folder on ``sys.path``, not the folder it runs
    in, so a project's ``my_project/models.py`` would not be found when ``train.py`` lives
    elsewhere.  The folder goes last, so it never shadows an installed package.
    """
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.append(cwd)


def _load_registries(cfg, args, checkpoint):
    """Load the plugins ``cfg`` names; a missing one of a stored config says so."""
    _importable_cwd()
    try:
        return load_plugins(cfg.plugins).registries
    except ConfigError as exc:
        if args.config or checkpoint is None:
            raise
        raise ConfigError(f"{checkpoint.path} (the config stored in it): {exc}; or pass "
                          f"-c CONFIG.yaml with plugins that can be loaded now") from None


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


def _train(args):
    par = parallel.join()  # under mpiexec: the group, before any file is read
    checkpoint = load_checkpoint(par.share_file(args.resume)) if args.resume else None
    cfg = resolve_config(args, checkpoint)
    par = parallel.start(cfg, par)
    backend.check_device(cfg.device)
    if args.threads is None:  # --threads N pins; otherwise the config decides
        thread_control.set_num_threads(cfg.trainer.threads)
    registries = _load_registries(cfg, args, checkpoint)
    check_experiment(cfg, registries)

    _seed(cfg.seed)
    exp = par.prepare(build_experiment(cfg, registries, train=True))
    config_dict = config_to_dict(cfg)
    versions = package_versions()

    trainer = build_trainer(cfg, registries, exp, logger=get_logger(),
                            writer=TensorboardWriter(None, enabled=False),
                            config_dict=config_dict, versions=versions,
                            show_progress=not args.quiet)
    par.attach(trainer)
    if checkpoint is not None:
        trainer.resume(checkpoint)  # a checkpoint that does not fit fails here, before any folder
        finished = trainer.finished_reason()
        if finished:  # nothing to train: no run folder either
            print(f"nothing to train from {checkpoint.path}: {finished}")
            return

    # Everything is checked and built: only now does the run get its folders.
    models_dir, log_dir = par.share_run_dirs(
        lambda: make_run_dirs(cfg.trainer.save_dir, cfg.name, args.run_id))
    if not par.is_main:  # rank 0 alone writes the run folder, logs and checkpoints
        setup_logging(None, cfg.trainer.verbosity, quiet=True)
        trainer.train()
        return
    save_resolved_config(cfg, os.path.join(models_dir, "config.yaml"),
                         _overrides_list(args), versions)
    logger = setup_logging(log_dir, cfg.trainer.verbosity, quiet=args.quiet)
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
    trainer.models_dir = models_dir
    trainer.writer = TensorboardWriter(log_dir, enabled=cfg.trainer.tensorboard)
    try:
        trainer.train()
    finally:
        trainer.writer.close()


def _test(args):
    checkpoint = load_checkpoint(args.resume)
    cfg = resolve_config(args, checkpoint)
    backend.check_device(cfg.device)
    if args.threads is None:  # --threads N pins; otherwise the config decides
        thread_control.set_num_threads(cfg.trainer.threads)
    registries = _load_registries(cfg, args, checkpoint)
    check_experiment(cfg, registries)
    _seed(cfg.seed)
    model = build_model(cfg, registries)
    try:
        model.load_state_dict(checkpoint.model_state)
    except (KeyError, ValueError) as exc:
        source = args.config or "its stored config"
        raise ConfigError(f"{checkpoint.path} does not fit the model of {source}: "
                          f"{exc}") from None
    if backend.parse_device(cfg.device)[0] != "cpu":
        model.to(cfg.device)
    loader, _ = build_data_loaders(cfg, registries, train=False)
    criterion = build_loss(cfg, registries)
    metrics = build_metrics(cfg, registries)
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
    if args.nproc is not None:
        return run_guarded(lambda: parallel.launch(args, argv), debug=args.debug)
    status = run_guarded(lambda: _train(args), debug=args.debug, threads=args.threads)
    return parallel.finish(status)


def test_main(argv=None, prog="test.py"):
    """``python test.py -r CHECKPOINT ...`` (or ``zeronn test``: ``prog``); returns the
    exit status."""
    args = test_parser(prog).parse_args(argv)
    return run_guarded(lambda: _test(args), debug=args.debug, threads=args.threads)
