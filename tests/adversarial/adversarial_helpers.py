"""Helpers of the adversarial tests: run the CLI in-process and check the promise.

The promise checked for every bad input: the exit status, exactly one line on stderr
that names the input, no traceback, and no new run folder.
"""
import os
import sys
from pathlib import Path

import numpy as np
import yaml

from framework.serialization import load_npz, save_npz
from framework.trainer.cli import test_main as eval_main
from framework.trainer.cli import train_main

REPO = Path(__file__).resolve().parents[2]


def small_config(save_dir, **changes):
    """A digits MLP config that trains in well under a second per epoch."""
    cfg = {
        "name": "adv",
        "seed": 0,
        "device": "cpu",
        "arch": {"type": "mlp", "args": {"in_features": 64, "hidden": [16], "out_features": 10}},
        "data_loader": {"type": "DataLoader", "args": {
            "dataset": {"type": "digits", "args": {}}, "batch_size": 128, "shuffle": True,
            "validation_split": 0.1}},
        "loss": "cross_entropy",
        "metrics": ["accuracy"],
        "optimizer": {"type": "Adam", "args": {"lr": 1e-2}},
        "lr_scheduler": {"type": "StepLR", "args": {"step_size": 1, "gamma": 0.5}},
        "trainer": {"epochs": 2, "save_dir": str(save_dir), "save_period": 1, "verbosity": 2,
                    "monitor": "min val_loss", "early_stop": 0, "tensorboard": False,
                    "log_step": 5},
    }
    for dotted, value in changes.items():
        node = cfg
        *parents, last = dotted.split(".")
        for key in parents:
            node = node[key]
        node[last] = value
    return cfg


def write_yaml(path, cfg):
    path = Path(path)
    path.write_text(cfg if isinstance(cfg, str) else yaml.safe_dump(cfg, sort_keys=False))
    return str(path)


def run_dirs(save_dir):
    """Every run folder (models and log) under ``save_dir``."""
    root = Path(save_dir)
    found = []
    for kind in ("models", "log"):
        if (root / kind).exists():
            found += sorted(p for p in (root / kind).glob("*/*") if p.is_dir())
    return found


def check_fails(capsys, argv, *needles, main=train_main, status=2, save_dir=None):
    """Run ``main(argv)``; assert the status, one stderr line with the needles, no
    traceback and (with ``save_dir``) no new run folder.  Returns the line."""
    before = run_dirs(save_dir) if save_dir is not None else None
    capsys.readouterr()
    try:
        got = main(list(argv))
    except SystemExit as exc:  # argparse ends a bad command line itself
        got = exc.code
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert got == status, f"exit {got}, expected {status}: {err}"
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], f"{needle!r} not in: {lines[0]}"
    if save_dir is not None:
        assert run_dirs(save_dir) == before, "a run folder was left behind"
    return lines[0]


def craft(src, dst, *, meta=None, arrays=None):
    """Copy checkpoint ``src`` to ``dst`` after ``meta(m)`` / ``arrays(a)`` edit it."""
    a, m = load_npz(src)
    if arrays is not None:
        arrays(a)
    if meta is not None:
        meta(m)
    save_npz(dst, a, m)
    return str(dst)


def subprocess_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["OPENBLAS_NUM_THREADS"] = "1"
    return env


#: Runs the CLI in a fresh interpreter and prints its peak RSS (KiB) last on stdout.
RSS_WRAPPER = (
    "import resource, sys\n"
    "from framework.trainer.cli import test_main, train_main\n"
    "main = train_main if sys.argv[1] == 'train' else test_main\n"
    "try:\n"
    "    rc = main(sys.argv[2:])\n"
    "finally:\n"
    "    print('maxrss', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)\n"
    "sys.exit(rc)\n")


def python():
    return sys.executable


__all__ = ["REPO", "small_config", "write_yaml", "run_dirs", "check_fails", "craft",
           "subprocess_env", "RSS_WRAPPER", "python", "train_main", "eval_main", "np"]
