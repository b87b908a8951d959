"""Helpers of the trainer tests: small, fast experiment configs and run-folder lookups.

Imported by name (``from trainer_helpers import ...``): a module called ``conftest``
would clash with the other test folders' conftest files in one pytest run.
"""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def small_config(save_dir, **changes):
    """A digits MLP config that trains in about a second."""
    cfg = {
        "name": "tiny",
        "seed": 0,
        "device": "cpu",
        "arch": {"type": "mlp", "args": {"in_features": 64, "hidden": [32], "out_features": 10}},
        "data_loader": {"type": "DataLoader", "args": {
            "dataset": {"type": "digits", "args": {}}, "batch_size": 64, "shuffle": True,
            "validation_split": 0.1}},
        "loss": "cross_entropy",
        "metrics": ["accuracy"],
        "optimizer": {"type": "Adam", "args": {"lr": 1e-2}},
        "lr_scheduler": {"type": "StepLR", "args": {"step_size": 2, "gamma": 0.5}},
        "trainer": {"epochs": 4, "save_dir": str(save_dir), "save_period": 1, "verbosity": 2,
                    "monitor": "min val_loss", "early_stop": 0, "tensorboard": True,
                    "log_step": 5},
    }
    for dotted, value in changes.items():
        node = cfg
        *parents, last = dotted.split(".")
        for key in parents:
            node = node[key]
        node[last] = value
    return cfg


def run_dirs(save_dir):
    """The run folders under ``save_dir/models`` (sorted)."""
    root = Path(save_dir) / "models"
    if not root.exists():
        return []
    return sorted(p for p in root.glob("*/*") if p.is_dir())


def subprocess_env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env
