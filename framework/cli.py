"""The ``zeronn`` command: one entry point for every command line of the project.

    zeronn train   -c CONFIG [-r CHECKPOINT] [--set key=value]...   (as train.py)
    zeronn test    -r CHECKPOINT [-c CONFIG]                        (as test.py)
    zeronn list    [KIND] / zeronn plugins                          (as python -m framework)
    zeronn summary -c CONFIG [-r CHECKPOINT]       the model's layer tree and sizes
    zeronn sweep   -c CONFIG [--grid key=v1,v2]... a hyperparameter search
    zeronn export  -r CHECKPOINT -o model.onnx     the traced model as ONNX

``train``, ``test``, ``list`` and ``plugins`` hand their arguments to the same functions
as ``train.py``, ``test.py`` and ``python -m framework``; there is one implementation
of each.  Exit status: 0 done, 2 bad input (config, arguments, checkpoint), 1 anything
else, 130 interrupted.
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from framework import backend
from framework.errors import ConfigError
from framework.trainer.cli import (EXIT_USAGE, resolve_config, run_guarded, test_main,
                                   train_main)

__all__ = ["main", "build_parser", "model_and_sample"]

COMMANDS = ("train", "test", "list", "plugins", "summary", "sweep", "export")


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _config_arguments(parser, *, checkpoint_required=False):
    parser.add_argument("-c", "--config", metavar="CONFIG",
                        help="experiment config (YAML)" +
                             ("; default: the one stored in the checkpoint"
                              if checkpoint_required else ""))
    parser.add_argument("-r", "--resume", metavar="CHECKPOINT", required=checkpoint_required,
                        help="checkpoint whose weights (and stored config) to use")
    parser.add_argument("--set", dest="sets", action="append", default=[],
                        metavar="KEY=VALUE", help="override a config value (repeatable)")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error")
    parser.set_defaults(device="cpu", threads=None)


def build_parser():
    """The parser of the commands ``zeronn`` implements itself (summary, sweep, export)."""
    parser = _Parser(prog="zeronn", description="zeronn: train, test, inspect, sweep and "
                                                "export experiments.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                parser_class=_Parser)
    for name, text in (("train", "train a model from a YAML config (as train.py)"),
                       ("test", "evaluate a checkpoint on its test data (as test.py)"),
                       ("list", "list registered names (as python -m framework list)"),
                       ("plugins", "list installed plugins (as python -m framework plugins)")):
        sub.add_parser(name, help=text, add_help=False)

    summary = sub.add_parser("summary", help="the model's layer tree, shapes and sizes")
    _config_arguments(summary)
    summary.add_argument("--depth", type=int, default=3,
                         help="show modules nested at most this deep (default 3)")
    summary.add_argument("--input-size", metavar="N,C,H,W",
                         help="shape of the sample batch (default: the first batch of the "
                              "config's data)")
    summary.add_argument("--columns", default="output_size,num_params",
                         help="comma-separated columns among input_size, output_size, "
                              "num_params, mult_adds, trainable")

    from framework.sweep.command import add_sweep_arguments
    add_sweep_arguments(sub.add_parser("sweep", help="a grid, random or TPE hyperparameter "
                                                     "search of a config"))

    export = sub.add_parser("export", help="write a checkpoint's model as ONNX")
    _config_arguments(export, checkpoint_required=True)
    export.add_argument("-o", "--output", required=True, metavar="FILE.onnx",
                        help="the ONNX file to write")
    export.add_argument("--batch-size", type=int, metavar="N",
                        help="samples in the traced batch (default: the config's batch size)")
    export.add_argument("--opset", type=int, default=None, help="ONNX opset version")
    export.add_argument("--no-verify", dest="verify", action="store_false",
                        help="do not compare onnxruntime's output with zeronn's")
    return parser


def _registries(cfg):
    from framework.plugin import load_plugins
    cwd = os.getcwd()  # a config's plugins: may name modules of the working folder
    if cwd not in sys.path and "" not in sys.path:
        sys.path.append(cwd)
    return load_plugins(cfg.plugins).registries


def model_and_sample(args, *, train_data=True, batch_size=None):
    """The config's model (with the checkpoint's weights when ``args.resume``) and a
    sample input batch from its data loader.

    Returns:
        ``(cfg, model, sample)`` with ``sample`` a numpy array, batch first.

    Raises:
        ConfigError, CheckpointError, RegistryError: bad config, checkpoint or names.
    """
    from framework.trainer.builder import build_data_loaders, build_model, check_experiment
    from framework.trainer.checkpoint import load_checkpoint
    checkpoint = load_checkpoint(args.resume) if args.resume else None
    if batch_size is not None:
        if batch_size < 1:
            raise ConfigError(f"--batch-size: expected a positive integer, got {batch_size}")
        args.sets = [*args.sets, f"data_loader.args.batch_size={batch_size}"]
    cfg = resolve_config(args, checkpoint)
    registries = _registries(cfg)
    check_experiment(cfg, registries)
    np.random.seed(cfg.seed)
    model = build_model(cfg, registries)
    if checkpoint is not None:
        try:
            model.load_state_dict(checkpoint.model_state)
        except (KeyError, ValueError) as exc:
            raise ConfigError(f"{checkpoint.path} does not fit the model of "
                              f"{args.config or 'its stored config'}: {exc}") from None
    sample = None
    if getattr(args, "input_size", None) is None:
        loader, _ = build_data_loaders(cfg, registries, train=train_data)
        batch = next(iter(loader))
        sample = batch[0] if isinstance(batch, (tuple, list)) else batch
        sample = np.asarray(backend.as_numpy(getattr(sample, "data", sample)))
    return cfg, model, sample


def _parse_shape(text):
    try:
        shape = tuple(int(v) for v in text.split(","))
    except ValueError:
        shape = ()
    if not shape or any(n < 1 for n in shape):
        raise ConfigError(f"--input-size {text!r}: expected positive ints with the batch "
                          f"first, e.g. 1,1,28,28")
    return shape


def _summary(args):
    from framework import nn
    columns = tuple(c.strip() for c in args.columns.split(",") if c.strip())
    bad = [c for c in columns if c not in ("input_size", "output_size", "num_params",
                                           "mult_adds", "trainable")]
    if bad:
        raise ConfigError(f"--columns: unknown column(s) {bad}; expected some of "
                          f"input_size, output_size, num_params, mult_adds, trainable")
    if args.depth < 0:
        raise ConfigError(f"--depth: expected an int >= 0, got {args.depth}")
    cfg, model, sample = model_and_sample(args)
    kwargs = ({"input_size": _parse_shape(args.input_size)} if args.input_size
              else {"input_data": sample})
    print(f"{cfg.name}: {cfg.arch.type} {cfg.arch.args}")
    try:
        nn.summary(model, depth=args.depth, col_names=columns, **kwargs)
    except ValueError as exc:
        if not args.input_size:
            raise
        raise ConfigError(f"--input-size {args.input_size}: {exc}") from None


def _export(args):
    from framework.export import DEFAULT_OPSET, export_onnx
    from framework.export.verify import compare_onnxruntime
    cfg, model, sample = model_and_sample(args, train_data=False, batch_size=args.batch_size)
    model.eval()
    export_onnx(model, sample, args.output, opset=args.opset or DEFAULT_OPSET)
    print(f"wrote {args.output}: {cfg.arch.type} traced on a batch of shape "
          f"{list(sample.shape)} (batch axis free), opset {args.opset or DEFAULT_OPSET}")
    if args.verify:
        # A batch of another size than the traced one: the batch axis must be free.
        other = sample[:-1] if len(sample) > 1 else np.concatenate([sample, sample])
        diff = compare_onnxruntime(model, args.output, other)
        if diff is None:
            print("onnxruntime is not installed: not verified (pip install -e '.[onnx]')")
        else:
            print(f"onnxruntime agrees with zeronn on a batch of {len(other)}: "
                  f"max abs difference {diff:.2e}")


def _run_own(args):
    if args.command == "summary":
        return _summary(args)
    if args.command == "export":
        return _export(args)
    from framework.sweep.command import run_sweep_command
    return run_sweep_command(args)


def main(argv=None):
    """Run ``zeronn``; returns the exit status.

    Args:
        argv: the arguments after the program name (default: ``sys.argv[1:]``).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("train", "test"):
        entry = train_main if argv[0] == "train" else test_main
        return entry(argv[1:], prog=f"zeronn {argv[0]}")
    if argv and argv[0] in ("list", "plugins"):
        from framework.__main__ import main as plugins_main
        return plugins_main(argv, prog="zeronn")
    args = build_parser().parse_args(argv)
    return run_guarded(lambda: _run_own(args), debug=args.debug,
                       threads=getattr(args, "threads", None))


def console_main():
    """The console script's entry point (``[project.scripts] zeronn``)."""
    sys.exit(main())


if __name__ == "__main__":
    console_main()
