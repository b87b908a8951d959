"""Everything a run leaves behind, as comparable plain data, and the recorded references.

:func:`record` runs ``train.py`` in-process on a config and returns what it printed, what
it logged, what it wrote to TensorBoard and what its checkpoints hold, with the parts
that change from run to run (timestamps, epoch timings, package versions) masked.
``tests/trainer/reference/*.json`` hold such records taken before the trainer's
behaviour moved into callbacks; ``test_reference_runs.py`` compares new runs with them.

Regenerate (only when a change of behaviour is intended, and say so in the commit)::

    cd <checkout> && OPENBLAS_NUM_THREADS=1 python tests/trainer/reference_run.py
"""
import contextlib
import hashlib
import io
import json
import os
import re
import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
REFERENCE_DIR = HERE / "reference"

_TIMING = re.compile(r"\| \d+\.\d\ds$")
_STAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - ")
_THREADS_NOW = re.compile(r"\(now \d+\)")  # `threads: auto` follows the machine's load


def _mask(line):
    line = _THREADS_NOW.sub("(now <n>)", line.replace(str(REPO), "<repo>"))
    return _TIMING.sub("| <t>s", line)


def _events(log_dir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    ea = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "histograms": 0,
                                                       "images": 0, "tensors": 0})
    ea.Reload()
    tags = ea.Tags()
    scalars = {tag: [[e.step, e.value] for e in ea.Scalars(tag)]
               for tag in sorted(tags["scalars"])}
    histograms = {}
    for tag in sorted(tags["histograms"]):
        histograms[tag] = [[e.step, h.min, h.max, h.num, h.sum, h.sum_squares,
                            list(h.bucket_limit), list(h.bucket)]
                           for e in ea.Histograms(tag) for h in [e.histogram_value]]
    return {"scalars": scalars, "histograms": histograms}


def _digest(array):
    array = np.ascontiguousarray(array)
    return [str(array.dtype), list(array.shape), hashlib.sha256(array.tobytes()).hexdigest()]


def _checkpoint(path):
    from framework.serialization import load_npz
    arrays, meta = load_npz(path)
    meta = json.loads(json.dumps(meta))
    meta["metadata"].pop("versions", None)
    for entry in meta["metadata"].get("history", []):
        entry.pop("seconds", None)
    return {"meta": meta, "arrays": {k: _digest(v) for k, v in sorted(arrays.items())}}


def _config_yaml(path):
    text = Path(path).read_text()
    comments = [line for line in text.splitlines()
                if line.startswith("#") and not line.startswith("# versions:")]
    return {"comments": [_mask(c) for c in comments], "config": yaml.safe_load(text)}


def record(config, argv=(), workdir=None):
    """Train on ``config`` (a path) with ``--run-id ref -q`` in ``workdir``; return the record.

    The config's ``trainer.save_dir`` is taken relative to ``workdir``.
    """
    from framework.logger import close_logging
    from framework.trainer.cli import train_main

    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = stack.enter_context(tempfile.TemporaryDirectory())
        old = os.getcwd()
        os.chdir(workdir)
        stack.callback(os.chdir, old)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = train_main(["-c", str(config), "--run-id", "ref", *argv])
        close_logging(all_handlers=True)
        cfg = yaml.safe_load(Path(config).read_text())
        save = Path(workdir) / cfg["trainer"]["save_dir"]
        models = save / "models" / cfg["name"] / "ref"
        logs = save / "log" / cfg["name"] / "ref"
        info = [_mask(_STAMP.sub("", line))
                for line in (logs / "info.log").read_text().splitlines()]
        return {
            "status": status,
            "stdout": [_mask(line) for line in out.getvalue().splitlines()],
            "info_log": info,
            "log_files": sorted(p.name.split(".")[0] for p in logs.iterdir()),
            "tensorboard": _events(logs),
            "model_files": sorted(p.name for p in models.iterdir()),
            "config_yaml": _config_yaml(models / "config.yaml"),
            "checkpoints": {p.name: _checkpoint(p) for p in sorted(models.glob("*.npz"))},
        }


def tiny_config(path, save_dir="saved"):
    """A small config that exercises histograms, debug lines, early stopping between
    periodic saves and a scheduler; written to ``path``."""
    sys.path.insert(0, str(HERE))
    try:
        from trainer_helpers import small_config
    finally:
        sys.path.remove(str(HERE))
    cfg = small_config(save_dir, **{
        "trainer.epochs": 9, "trainer.save_period": 4, "trainer.early_stop": 2,
        "trainer.histograms": True, "optimizer.args.lr": 0.05,
        "lr_scheduler": {"type": "StepLR", "args": {"step_size": 3, "gamma": 0.5}},
        "arch.args.dropout": 0.2})
    Path(path).write_text(yaml.safe_dump(cfg))
    return path


REFERENCES = {
    "default_run": lambda workdir: record(REPO / "configs" / "default.yaml", (), workdir),
    # the config is named relative to the run's working folder, so no temporary path is logged
    "tiny_run": lambda workdir: record(tiny_config(Path(workdir) / "tiny.yaml").name, (),
                                       workdir),
}


def main():
    REFERENCE_DIR.mkdir(exist_ok=True)
    for name, run in REFERENCES.items():
        with tempfile.TemporaryDirectory() as workdir:
            result = run(workdir)
        path = REFERENCE_DIR / f"{name}.json"
        path.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
        print(f"wrote {path.relative_to(REPO)} ({path.stat().st_size} bytes)")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
