"""``zeronn sweep``: start a sweep from a config, or resume one from its folder."""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from framework.errors import ConfigError

__all__ = ["add_sweep_arguments", "run_sweep_command", "start_sweep"]


def add_sweep_arguments(parser):
    """The options of ``zeronn sweep``."""
    parser.add_argument("-c", "--config", metavar="CONFIG",
                        help="experiment config; its sweep: section gives the search space")
    parser.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2",
                        help="a grid over one config key (repeatable; makes the sweep a grid)")
    parser.add_argument("--method", choices=("grid", "random", "tpe"),
                        help="override sweep.method")
    parser.add_argument("--trials", type=int, help="override sweep.trials (random, tpe)")
    parser.add_argument("--workers", type=int, help="override sweep.workers")
    parser.add_argument("--worker-threads", type=int, metavar="N",
                        help="BLAS threads per worker (default: the cores divided among the "
                             "workers)")
    parser.add_argument("--set", dest="sets", action="append", default=[],
                        metavar="KEY=VALUE", help="override a base config value (repeatable)")
    parser.add_argument("--sweep-id", metavar="ID",
                        help="name of the sweep folder (default: the start time)")
    parser.add_argument("--resume", metavar="SWEEP_DIR",
                        help="continue the sweep in this folder; finished trials are kept")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    parser.set_defaults(threads=None)


def _positive(value, option):
    if value is not None and value < 1:
        raise ConfigError(f"{option}: expected a positive integer, got {value}")
    return value


def start_sweep(config, *, grid=(), sets=(), method=None, trials=None, workers=None,
                threads=None, sweep_id=None):
    """Create a sweep folder from ``config`` (a path) and the options; returns its Path."""
    from framework.config import apply_overrides, load_yaml, validate_config
    from framework.config.checks import check_safe_name
    from framework.sweep.runner import create_sweep
    from framework.sweep.space import parse_grid_option, parse_sweep
    raw = load_yaml(config)
    section = raw.pop("sweep", None)
    section = dict(section) if isinstance(section, dict) else (section or {})
    if not isinstance(section, dict):
        raise ConfigError(f"{config}: sweep: expected a mapping, got {section!r}")
    if grid:
        params = dict(section.get("parameters") or {})
        params.update(parse_grid_option(item) for item in grid)
        section["parameters"] = params
        section["method"] = "grid"
        section.pop("trials", None)
    for key, value in (("method", method), ("trials", trials), ("workers", workers),
                       ("threads", threads)):
        if value is not None:
            section[key] = value
    if not section.get("parameters"):
        raise ConfigError(f"{config}: nothing to sweep: add a sweep: section with "
                          f"parameters, or pass --grid key=v1,v2")
    spec = parse_sweep(section)
    if sets:
        raw = apply_overrides(raw, list(sets))
    cfg = validate_config(raw)
    sweep_id = sweep_id or datetime.now().strftime("%m%d_%H%M%S")
    check_safe_name(sweep_id, "--sweep-id")
    sweep_dir = Path(cfg.trainer.save_dir) / "sweeps" / cfg.name / sweep_id
    if sweep_dir.exists():
        raise ConfigError(f"{sweep_dir} exists already; resume it with zeronn sweep "
                          f"--resume {sweep_dir}, or pass another --sweep-id")
    return create_sweep(raw, spec, sweep_dir)


def run_sweep_command(args):
    """Run ``zeronn sweep`` with parsed ``args``."""
    from framework.sweep.runner import SweepInterrupted, run_sweep
    _positive(args.workers, "--workers")
    _positive(args.trials, "--trials")
    _positive(args.worker_threads, "--worker-threads")
    if args.resume:
        if args.config or args.grid or args.sets:
            raise ConfigError("--resume continues a sweep as it was created: leave out -c, "
                              "--grid and --set")
        sweep_dir = Path(args.resume)
        if not (sweep_dir / "sweep.yaml").is_file():
            raise ConfigError(f"--resume {sweep_dir}: not a sweep folder (no sweep.yaml)")
    elif args.config:
        sweep_dir = start_sweep(args.config, grid=args.grid, sets=args.sets,
                                method=args.method, trials=args.trials, workers=args.workers,
                                threads=args.worker_threads, sweep_id=args.sweep_id)
    else:
        raise ConfigError("no config given: pass -c CONFIG.yaml (or --resume SWEEP_DIR)")
    try:
        run_sweep(sweep_dir, workers=args.workers if args.resume else None)
    except SweepInterrupted as exc:
        print(str(exc), file=sys.stderr)
        raise  # exit status 130 (Ctrl-C) or 143 (SIGTERM)
    print(f"results: {sweep_dir / 'results.csv'}; TensorBoard: tensorboard --logdir "
          f"{sweep_dir / 'log'}")
