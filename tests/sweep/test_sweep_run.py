"""Sweeps for real: trials as training runs, resume after a kill, results, HPARAMS."""
import csv
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import numpy as np
import pytest
import yaml

from framework.data import SplitDataLoader, TensorDataset
from framework.sweep.journal import Journal
from framework.sweep.runner import create_sweep, run_sweep
from framework.sweep.space import parse_sweep
from framework.trainer.checkpoint import load_checkpoint

REPO = Path(__file__).resolve().parents[2]


def _env():
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _indices(subset):
    return sorted(int(i) for i in subset.indices)


def test_split_seed_pins_the_validation_split_and_defaults_to_seed():
    data = TensorDataset(np.arange(100, dtype=np.float32).reshape(100, 1))
    pinned = [_indices(SplitDataLoader(data, validation_split=0.2, seed=s,
                                       split_seed=7).valid_dataset) for s in (0, 1, 2)]
    assert pinned[0] == pinned[1] == pinned[2]
    by_seed = [_indices(SplitDataLoader(data, validation_split=0.2, seed=s).valid_dataset)
               for s in (0, 1)]
    assert by_seed[0] != by_seed[1]  # today's behaviour: the seed picks the split
    assert by_seed[0] == _indices(SplitDataLoader(data, validation_split=0.2, seed=5,
                                                  split_seed=0).valid_dataset)


def _tiny_raw(save_dir, epochs=1):
    return {
        "name": "tiny", "seed": 0,
        "arch": {"type": "mlp", "args": {"in_features": 64, "hidden": [16], "out_features": 10}},
        "data_loader": {"type": "DataLoader", "args": {
            "dataset": {"type": "digits", "args": {}}, "batch_size": 128, "shuffle": True,
            "validation_split": 0.1}},
        "loss": "cross_entropy", "metrics": ["accuracy"],
        "optimizer": {"type": "Adam", "args": {"lr": 0.01}},
        "trainer": {"epochs": epochs, "save_dir": str(save_dir), "verbosity": 1,
                    "monitor": "min val_loss", "tensorboard": False}}


def test_sweep_folder_pins_split_and_resume_runs_only_unfinished_trials(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    spec = parse_sweep({"parameters": {"seed": [3, 4]}, "workers": 1})
    sweep_dir = create_sweep(_tiny_raw(tmp_path), spec, tmp_path / "sw")
    base = yaml.safe_load((sweep_dir / "config.yaml").read_text())
    assert "sweep" not in base and base["trainer"]["tensorboard"] is True
    assert base["data_loader"]["args"]["split_seed"] == 0   # the base seed's split
    journal = Journal(sweep_dir / "journal.jsonl")
    # trial_000 finished in an earlier session; trial_001 was cut off mid-run
    journal.append({"event": "start", "trial": "trial_000", "params": {"seed": 3}})
    journal.append({"event": "end", "trial": "trial_000", "status": "done",
                    "params": {"seed": 3}, "val_loss": 9.0})
    journal.append({"event": "start", "trial": "trial_001", "params": {"seed": 4}})
    stale = sweep_dir / "models" / "tiny" / "trial_001"
    stale.mkdir(parents=True)
    (stale / "checkpoint-epoch7.npz").write_bytes(b"partial")
    records = run_sweep(sweep_dir, out=open(os.devnull, "w"))
    assert journal.started() == {"trial_000": 1, "trial_001": 2}
    assert not (stale / "checkpoint-epoch7.npz").exists()     # started afresh
    assert [r["trial"] for r in records] == ["trial_001", "trial_000"]  # sorted by val_loss
    ckpt = load_checkpoint(stale / "checkpoint-epoch1.npz")
    assert ckpt.config["seed"] == 4 and ckpt.config["data_loader"]["args"]["split_seed"] == 0
    rows = list(csv.DictReader(open(sweep_dir / "results.csv")))
    assert [r["trial"] for r in rows] == ["trial_001", "trial_000"]


def _wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def _processes_mentioning(text):
    """Pids of the processes whose command line contains ``text`` (Linux /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text in (entry / "cmdline").read_bytes().decode("utf-8", "replace"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@pytest.mark.slow
@pytest.mark.parametrize("kill", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_six_trial_grid_killed_and_resumed_on_the_digits_config(kill, tmp_path,
                                                                tensorboard_server):
    """A 6-trial grid over configs/default.yaml with 2 workers, killed (SIGTERM, or
    SIGKILL of the sweep process alone) after two trials finished, then resumed: the
    finished trials are not run again, every trial folder is complete, the table is
    sorted, TensorBoard's HPARAMS lists 6 sessions with their metrics."""
    if kill == signal.SIGKILL and not Path("/proc/self/cmdline").exists():
        pytest.skip("needs Linux /proc to see the trial processes")
    cmd = [sys.executable, "-m", "framework.cli", "sweep", "-c", str(REPO / "configs/default.yaml"),
           "--grid", "optimizer.args.lr=1e-3,3e-3,1e-2", "--grid", "seed=0,1", "--workers", "2",
           "--set", "trainer.epochs=3", "--set", f"trainer.save_dir={tmp_path / 'saved'}",
           "--sweep-id", "s1"]
    sweep_dir = tmp_path / "saved" / "sweeps" / "digits_mlp" / "s1"
    journal = Journal(sweep_dir / "journal.jsonl")
    first = subprocess.Popen(cmd, cwd=tmp_path, env=_env(), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    _wait_for(lambda: len(journal.finished()) >= 2, 240, "two finished trials")
    first.send_signal(kill)
    out, _ = first.communicate(timeout=60)
    if kill == signal.SIGTERM:
        assert first.returncode == 143, out.decode()         # SIGTERM's exit status
        assert f"resume with: zeronn sweep --resume {sweep_dir}" in out.decode()
    else:
        assert first.returncode == -signal.SIGKILL
    # no trial outlives its sweep (SIGKILL: the kernel signals them, see sweep.trial)
    _wait_for(lambda: not _processes_mentioning(str(sweep_dir)), 60,
              "the trial processes to end")
    done_before = dict(journal.finished())
    cut_off = [tid for tid in journal.started() if tid not in done_before]
    assert cut_off  # the kill came while trials ran: they were stopped, not left running
    # stopped, not left to run to their end in the folders the resume will reuse
    assert not all((sweep_dir / "models/digits_mlp" / tid / "checkpoint-epoch3.npz").exists()
                   for tid in cut_off)
    assert 2 <= len(done_before) < 6, out.decode()
    stamps = {tid: (sweep_dir / "models/digits_mlp" / tid / "checkpoint-epoch3.npz").stat().st_mtime_ns
              for tid in done_before}

    resume = subprocess.run([sys.executable, "-m", "framework.cli", "sweep", "--resume",
                             str(sweep_dir)], cwd=tmp_path, env=_env(), capture_output=True,
                            text=True, timeout=600)
    assert resume.returncode == 0, resume.stdout + resume.stderr
    assert f"{len(done_before)} of 6 trials finished, not run again" in resume.stdout
    started = journal.started()
    for tid in done_before:   # never started again, files untouched
        assert started[tid] == 1
        path = sweep_dir / "models/digits_mlp" / tid / "checkpoint-epoch3.npz"
        assert path.stat().st_mtime_ns == stamps[tid]
    finished = journal.finished()
    assert sorted(finished) == [f"trial_{i:03d}" for i in range(6)]
    assert all(r["status"] == "done" for r in finished.values())

    for tid, record in finished.items():
        run = sweep_dir / "models/digits_mlp" / tid
        assert {"config.yaml", "model_best.npz", "checkpoint-epoch3.npz"} <= {p.name for p in run.iterdir()}
        ckpt = load_checkpoint(run / "checkpoint-epoch3.npz")
        assert [h["epoch"] for h in ckpt.metadata["history"]] == [1, 2, 3]
        assert ckpt.config["optimizer"]["args"]["lr"] == record["params"]["optimizer.args.lr"]
        assert ckpt.config["seed"] == record["params"]["seed"]
        assert ckpt.config["data_loader"]["args"]["split_seed"] == 0
        assert min(h["val_loss"] for h in ckpt.metadata["history"]) == pytest.approx(record["val_loss"])
        logs = sweep_dir / "log/digits_mlp" / tid
        assert (logs / "info.log").is_file()
        assert any(p.name.startswith("events.out.tfevents") for p in logs.iterdir())

    rows = list(csv.DictReader(open(sweep_dir / "results.csv")))
    values = [float(r["val_loss"]) for r in rows]
    assert values == sorted(values) and len(rows) == 6
    assert [int(r["rank"]) for r in rows] == [1, 2, 3, 4, 5, 6]
    assert "results, best val_loss first (min):" in resume.stdout
    table = resume.stdout.split("results, best val_loss first (min):")[1].splitlines()[3:9]
    assert [line.split()[1] for line in table] == [r["trial"] for r in rows]

    server = tensorboard_server(sweep_dir / "log")
    request = json.dumps({"startIndex": 0, "sliceSize": 100, "allowedStatuses": [
        "STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"],
        "colParams": [{"metric": {"tag": "hparams/best_val_loss"}, "order": "ORDER_ASC"}]})
    answer = server.poll("/data/plugin/hparams/session_groups?" +
                         urllib.parse.urlencode({"request": request}),
                         lambda r: r.get("totalSize") == 6)
    groups = {g["name"]: g for g in answer["sessionGroups"]}
    assert sorted(groups) == sorted(finished)
    for tid, group in groups.items():
        params = finished[tid]["params"]
        assert group["hparams"]["optimizer.args.lr"] == pytest.approx(params["optimizer.args.lr"])
        assert group["hparams"]["seed"] == params["seed"]
        metrics = {m["name"]["tag"]: m["value"] for m in group["metricValues"]}
        assert {"hparams/val_loss", "hparams/val_accuracy", "hparams/loss",
                "hparams/accuracy", "hparams/best_val_loss"} == set(metrics)
        history = load_checkpoint(sweep_dir / "models/digits_mlp" / tid /
                                  "checkpoint-epoch3.npz").metadata["history"]
        assert metrics["hparams/val_loss"] == pytest.approx(history[-1]["val_loss"], rel=1e-6)
        assert metrics["hparams/best_val_loss"] == pytest.approx(finished[tid]["val_loss"],
                                                                 rel=1e-6)
        assert group["sessions"][0]["status"] == "STATUS_SUCCESS"
    experiment = server.poll("/data/plugin/hparams/experiment?" +
                             urllib.parse.urlencode({"request": "{}"}),
                             lambda r: bool(r.get("hparamInfos")))
    assert {h["name"] for h in experiment["hparamInfos"]} == {"optimizer.args.lr", "seed"}
    assert "hparams/best_val_loss" in {m["name"]["tag"] for m in experiment["metricInfos"]}


def test_trials_leave_the_hparams_session_to_the_sweep(tmp_path):
    raw = dict(_tiny_raw(tmp_path), callbacks=["hparams", "lr_monitor",
                                               {"type": "hparams", "args": {}}])
    spec = parse_sweep({"parameters": {"seed": [0, 1]}})
    sweep_dir = create_sweep(raw, spec, tmp_path / "sw")
    base = yaml.safe_load((sweep_dir / "config.yaml").read_text())
    assert base["callbacks"] == ["lr_monitor"]
    assert [t["params"] for t in yaml.safe_load((sweep_dir / "sweep.yaml").read_text())
            ["trials"]] == [{"seed": 0}, {"seed": 1}]


@pytest.mark.slow
def test_an_error_in_the_sweep_process_stops_its_running_trials(tmp_path, monkeypatch):
    if not Path("/proc/self/cmdline").exists():
        pytest.skip("needs Linux /proc to see the trial processes")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")

    class ClosedPipe:
        def write(self, text):
            if text.startswith("[1/"):  # the first trial's line: the reader has gone
                raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            pass

    spec = parse_sweep({"parameters": {"seed": [0, 1, 2]}, "workers": 2})
    sweep_dir = create_sweep(_tiny_raw(tmp_path, epochs=30), spec, tmp_path / "sw")
    with pytest.raises(BrokenPipeError):
        run_sweep(sweep_dir, out=ClosedPipe())
    assert not _processes_mentioning(str(sweep_dir))
