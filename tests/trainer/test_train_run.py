"""Real runs of train.py / test.py: results, run folders, resume, crash safety, TensorBoard."""
import os
import random
import signal
import subprocess
import sys
import time
import urllib.parse

import numpy as np
import pytest
import yaml
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from framework.trainer.checkpoint import load_checkpoint
from framework.trainer.cli import test_main as eval_main
from framework.trainer.cli import train_main

from trainer_helpers import REPO, run_dirs, subprocess_env  # noqa: E402  (tests/trainer)


def _log_dir(run):
    return run.parents[2] / "log" / run.parent.name / run.name


def test_train_writes_run_folders_checkpoints_and_tensorboard(write_config, tmp_path, capsys):
    assert train_main(["-c", str(write_config()), "-q"]) == 0
    (run,) = run_dirs(tmp_path / "saved")
    names = sorted(p.name for p in run.iterdir())
    assert names == ["checkpoint-epoch1.npz", "checkpoint-epoch2.npz", "checkpoint-epoch3.npz",
                     "checkpoint-epoch4.npz", "config.yaml", "model_best.npz"]
    log_dir = _log_dir(run)
    assert (log_dir / "info.log").read_text().count("epoch 4/4") == 1
    ckpt = load_checkpoint(run / "checkpoint-epoch4.npz")
    assert ckpt.epoch == 4 and ckpt.metadata["step"] == 4 * 21  # 1293 samples / 64
    assert [h["epoch"] for h in ckpt.metadata["history"]] == [1, 2, 3, 4]
    assert ckpt.config["name"] == "tiny" and "numpy" in ckpt.metadata["versions"]

    ea = EventAccumulator(str(log_dir), size_guidance={"scalars": 0})
    ea.Reload()
    tags = set(ea.Tags()["scalars"])
    assert {"train/loss", "train/accuracy", "valid/loss", "valid/accuracy", "lr",
            "train/batch_loss"} <= tags
    losses = ea.Scalars("train/loss")
    assert [e.step for e in losses] == [1, 2, 3, 4]
    history = ckpt.metadata["history"]
    np.testing.assert_allclose([e.value for e in losses], [h["loss"] for h in history], rtol=1e-6)
    # the lr each epoch trained with: StepLR halves it after every second epoch
    np.testing.assert_allclose([e.value for e in ea.Scalars("lr")], [0.01, 0.01, 0.005, 0.005],
                               rtol=1e-6)
    assert [e.step for e in ea.Scalars("train/batch_loss")][:2] == [5, 10]

    capsys.readouterr()
    assert eval_main(["-r", str(run / "model_best.npz"), "-q"]) == 0
    out = capsys.readouterr().out
    assert "test loss:" in out and "test accuracy:" in out
    assert len(run_dirs(tmp_path / "saved")) == 1  # test.py makes no run folder


def test_run_ids_never_collide(write_config, tmp_path):
    path = str(write_config(**{"trainer.epochs": 1}))
    assert train_main(["-c", path, "-q", "--run-id", "same"]) == 0
    assert train_main(["-c", path, "-q", "--run-id", "same"]) == 0
    assert [p.name for p in run_dirs(tmp_path / "saved")] == ["same", "same_1"]


def test_resume_reproduces_the_uninterrupted_run_exactly(write_config, tmp_path):
    # dropout draws random numbers: resuming must restore the generator state too
    path = str(write_config(**{"arch.args.dropout": 0.2, "trainer.epochs": 5}))
    assert train_main(["-c", path, "-q", "--run-id", "full"]) == 0
    full = load_checkpoint(tmp_path / "saved/models/tiny/full/checkpoint-epoch5.npz")
    ck2 = tmp_path / "saved/models/tiny/full/checkpoint-epoch2.npz"
    assert train_main(["-r", str(ck2), "-q", "--run-id", "resumed"]) == 0
    resumed = load_checkpoint(tmp_path / "saved/models/tiny/resumed/checkpoint-epoch5.npz")
    assert not (tmp_path / "saved/models/tiny/resumed/checkpoint-epoch2.npz").exists()
    def losses(ckpt):  # every logged value but the wall-clock time
        return [{k: v for k, v in h.items() if k != "seconds"} for h in ckpt.metadata["history"]]

    assert losses(resumed) == losses(full)  # exact, not approximate
    for key, value in full.model_state.items():
        np.testing.assert_array_equal(resumed.model_state[key], value)
    assert resumed.metadata["step"] == full.metadata["step"]


def test_resume_with_overrides_extends_training(write_config, tmp_path):
    path = str(write_config(**{"trainer.epochs": 2}))
    assert train_main(["-c", path, "-q", "--run-id", "a"]) == 0
    ck = tmp_path / "saved/models/tiny/a/checkpoint-epoch2.npz"
    assert train_main(["-r", str(ck), "--epochs", "3", "-q", "--run-id", "b"]) == 0
    last = load_checkpoint(tmp_path / "saved/models/tiny/b/checkpoint-epoch3.npz")
    assert [h["epoch"] for h in last.metadata["history"]] == [1, 2, 3]


def test_early_stop_and_best_model(write_config, tmp_path):
    # lr 0 never improves the monitored loss after the first epoch
    path = str(write_config(**{"optimizer.args.lr": 1e-12, "trainer.epochs": 10,
                               "trainer.early_stop": 2, "lr_scheduler": None}))
    assert train_main(["-c", path, "-q", "--run-id", "es"]) == 0
    run = tmp_path / "saved/models/tiny/es"
    epochs = sorted(int(p.stem.split("epoch")[1]) for p in run.glob("checkpoint-epoch*.npz"))
    assert epochs[-1] < 10
    best = load_checkpoint(run / "model_best.npz")
    assert best.metadata["best_epoch"] == best.epoch


NAN_PLUGIN = '''
import numpy as np
from framework import nn
from framework.plugin import hookimpl

class NanAfter(nn.CrossEntropyLoss):
    """Cross entropy that turns NaN after ``calls`` batches."""
    def __init__(self, calls=30):
        super().__init__()
        self.calls = calls
    def __call__(self, output, target):
        loss = super().__call__(output, target)
        self.calls -= 1
        return loss * np.nan if self.calls < 0 else loss

@hookimpl
def register_losses(register):
    register("nan_after", NanAfter)
'''


def test_nan_loss_stops_and_keeps_last_good_checkpoint(write_config, tmp_path, monkeypatch, capsys):
    (tmp_path / "nan_plugin.py").write_text(NAN_PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    path = str(write_config(plugins=["nan_plugin"],
                            loss={"type": "nan_after", "args": {"calls": 30}}))
    capsys.readouterr()
    assert train_main(["-c", path, "-q", "--run-id", "nan"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nan" in err[0] and "epoch 2" in err[0] and "Traceback" not in err[0]
    run = tmp_path / "saved/models/tiny/nan"
    assert sorted(p.name for p in run.glob("*.npz")) == ["checkpoint-epoch1.npz", "model_best.npz"]
    ckpt = load_checkpoint(run / "checkpoint-epoch1.npz")
    assert all(np.isfinite(v).all() for v in ckpt.model_state.values())


@pytest.mark.slow
def test_sigkill_at_any_moment_leaves_every_checkpoint_loadable(write_config, tmp_path):
    path = str(write_config(**{"trainer.epochs": 200, "arch.args.hidden": [256, 256],
                               "data_loader.args.batch_size": 16}))
    rng = random.Random(0)
    cmd = [sys.executable, str(REPO / "train.py"), "-c", path, "-q"]
    seen = 0
    for i in range(6):
        run = tmp_path / "saved/models/tiny" / f"kill{i}"
        proc = subprocess.Popen(cmd + ["--run-id", f"kill{i}"], env=subprocess_env(),
                                cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while not (run / "checkpoint-epoch1.npz").exists():  # training has started saving
            assert proc.poll() is None and time.monotonic() < deadline, "training did not start"
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 1.5))  # then a kill at a random moment, mid-save or not
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for ckpt in run.glob("*.npz"):
            loaded = load_checkpoint(ckpt)  # raises if half-written
            assert loaded.epoch >= 1
            seen += 1
        leftovers = [p.name for p in run.iterdir() if not p.name.endswith((".npz", ".yaml"))]
        assert all(name.startswith(".") for name in leftovers), leftovers  # only hidden temp files
    assert seen > 6  # the kills landed during training, after checkpoints were written


@pytest.mark.slow
def test_tensorboard_server_serves_the_runs_scalars(write_config, tmp_path, tensorboard_server):
    assert train_main(["-c", str(write_config()), "-q", "--run-id", "tb"]) == 0
    server = tensorboard_server(tmp_path / "saved" / "log")
    runs = server.poll("/data/runs", lambda r: bool(r))
    assert runs == ["tiny/tb"]
    query = urllib.parse.urlencode({"run": "tiny/tb", "tag": "valid/loss"})
    rows = server.poll(f"/data/plugin/scalars/scalars?{query}", lambda r: len(r) == 4)
    history = load_checkpoint(tmp_path / "saved/models/tiny/tb/checkpoint-epoch4.npz").metadata["history"]
    assert [step for _, step, _ in rows] == [1, 2, 3, 4]
    np.testing.assert_allclose([v for _, _, v in rows], [h["val_loss"] for h in history], rtol=1e-6)


@pytest.mark.slow
def test_default_config_reaches_095(tmp_path):
    # Its time (well under a minute on 2 cores) is measured by benchmarks/bench_trainer.py.
    env = subprocess_env()
    out = subprocess.run([sys.executable, str(REPO / "train.py"), "-c",
                          str(REPO / "configs/default.yaml"), "--run-id", "default"],
                         cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    best = tmp_path / "saved/models/digits_mlp/default/model_best.npz"
    out = subprocess.run([sys.executable, str(REPO / "test.py"), "-r", str(best)],
                         cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    lines = dict(line.split(": ") for line in out.stdout.splitlines() if line.startswith("test "))
    assert float(lines["test loss"]) < 0.2
    assert float(lines["test accuracy"]) >= 0.95


def test_threads_option_limits_blas_during_the_run(write_config, tmp_path, monkeypatch):
    from threadpoolctl import threadpool_info

    import framework.trainer.trainer as trainer_module
    seen = []
    real = trainer_module.Trainer._train_epoch

    def spy(self, epoch):
        seen.append({pool["internal_api"]: pool["num_threads"] for pool in threadpool_info()})
        return real(self, epoch)

    monkeypatch.setattr(trainer_module.Trainer, "_train_epoch", spy)
    assert train_main(["-c", str(write_config(**{"trainer.epochs": 1})), "-q", "--threads", "1"]) == 0
    assert seen and seen[0] and all(n == 1 for n in seen[0].values())


def test_parameter_and_gradient_histograms_when_asked(write_config, tmp_path):
    path = str(write_config(**{"trainer.epochs": 2, "trainer.histograms": True}))
    assert train_main(["-c", path, "-q", "--run-id", "h"]) == 0
    ea = EventAccumulator(str(tmp_path / "saved/log/tiny/h"), size_guidance={"histograms": 0})
    ea.Reload()
    tags = set(ea.Tags()["histograms"])
    names = ["layers.1.weight", "layers.1.bias", "layers.3.weight", "layers.3.bias"]
    assert tags == {f"{kind}/{n}" for kind in ("params", "grads") for n in names}
    weights = ea.Histograms("params/layers.1.weight")
    assert [h.step for h in weights] == [1, 2]
    assert weights[-1].histogram_value.num == 64 * 32  # every weight counted
    ckpt = load_checkpoint(tmp_path / "saved/models/tiny/h/checkpoint-epoch2.npz")
    w = ckpt.model_state["layers.1.weight"]
    assert weights[-1].histogram_value.min == pytest.approx(float(w.min()), rel=1e-6)
    assert weights[-1].histogram_value.max == pytest.approx(float(w.max()), rel=1e-6)


def test_no_histograms_by_default(write_config, tmp_path):
    assert train_main(["-c", str(write_config(**{"trainer.epochs": 1})), "-q", "--run-id", "n"]) == 0
    ea = EventAccumulator(str(tmp_path / "saved/log/tiny/n"), size_guidance={"histograms": 0})
    ea.Reload()
    assert ea.Tags()["histograms"] == []
