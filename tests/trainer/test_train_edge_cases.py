"""train.py / test.py the way users drive them: Ctrl-C, resuming ended runs, local plugins."""
import signal
import subprocess
import sys
import time

import pytest

from framework.trainer.checkpoint import load_checkpoint
from framework.trainer.cli import test_main as eval_main
from framework.trainer.cli import train_main

from trainer_helpers import REPO, run_dirs, subprocess_env  # noqa: E402  (tests/trainer)

# A loss that presses Ctrl-C after ``calls`` batches, and a model that sleeps per batch.
PLUGIN = '''
import time
from framework import nn
from framework.plugin import hookimpl

class CtrlCAfter(nn.CrossEntropyLoss):
    def __init__(self, calls=30):
        super().__init__()
        self.calls = calls
    def __call__(self, output, target):
        self.calls -= 1
        if self.calls < 0:
            raise KeyboardInterrupt
        return super().__call__(output, target)

class SlowMLP(nn.Module):
    def __init__(self, delay=0.02):
        super().__init__()
        self.delay = delay
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 10))
    def forward(self, x):
        time.sleep(self.delay)
        return self.net(x)

@hookimpl
def register_losses(register):
    register("ctrl_c_after", CtrlCAfter)

@hookimpl
def register_models(register):
    register("slow_mlp", SlowMLP)
'''


@pytest.fixture
def local_plugin(tmp_path, monkeypatch):
    """``edge_plugin.py`` in the working folder (tmp_path), which is not on sys.path."""
    (tmp_path / "edge_plugin.py").write_text(PLUGIN)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the CLI may append the cwd
    yield "edge_plugin"
    sys.modules.pop("edge_plugin", None)


def _run(tmp_path, run_id):
    return tmp_path / "saved/models/tiny" / run_id


def _info_log(tmp_path, run_id):
    return (tmp_path / "saved/log/tiny" / run_id / "info.log").read_text()


def test_ctrl_c_mid_epoch_names_the_last_checkpoint(write_config, tmp_path, local_plugin,
                                                    capsys):
    # 21 batches per epoch: the 30th loss call is in epoch 2
    path = str(write_config(plugins=[local_plugin],
                            loss={"type": "ctrl_c_after", "args": {"calls": 30}}))
    capsys.readouterr()
    assert train_main(["-c", path, "--run-id", "cc"]) == 130
    out, err = capsys.readouterr()
    last = _run(tmp_path, "cc") / "checkpoint-epoch1.npz"
    assert err == "" and "Traceback" not in out
    assert out.strip().splitlines()[-1] == (
        f"interrupted during epoch 2/4; the last checkpoint is {last} "
        f"(resume with: python train.py -r {last})")
    assert sorted(p.name for p in _run(tmp_path, "cc").iterdir()) == [
        "checkpoint-epoch1.npz", "config.yaml", "model_best.npz"]  # no half-written file
    assert load_checkpoint(last).epoch == 1
    assert "WARNING - interrupted during epoch 2/4" in _info_log(tmp_path, "cc")


def test_ctrl_c_under_the_zeronn_command_names_zeronn_in_the_resume_hint(
        write_config, tmp_path, local_plugin, capsys):
    from framework.cli import main as zeronn_main
    path = str(write_config(plugins=[local_plugin],
                            loss={"type": "ctrl_c_after", "args": {"calls": 30}}))
    capsys.readouterr()
    assert zeronn_main(["train", "-c", path, "-q", "--run-id", "z"]) == 130
    last = _run(tmp_path, "z") / "checkpoint-epoch1.npz"
    assert capsys.readouterr().out.strip().splitlines()[-1] == (
        f"interrupted during epoch 2/4; the last checkpoint is {last} "
        f"(resume with: zeronn train -r {last})")
    # The next run through train.py speaks of train.py again.
    assert train_main(["-c", path, "-q", "--run-id", "t"]) == 130
    assert "(resume with: python train.py -r " in capsys.readouterr().out


def test_ctrl_c_early_in_a_resumed_run_names_the_checkpoint_it_resumed(
        write_config, tmp_path, local_plugin, capsys):
    path = str(write_config(plugins=[local_plugin],
                            loss={"type": "ctrl_c_after", "args": {"calls": 30}}))
    assert train_main(["-c", path, "-q", "--run-id", "a"]) == 130
    first = _run(tmp_path, "a") / "checkpoint-epoch1.npz"
    capsys.readouterr()
    assert train_main(["-r", str(first), "-q", "--plugins", local_plugin, "--set", "loss.args.calls=5",
                       "--run-id", "b"]) == 130
    assert capsys.readouterr().out.strip() == (
        f"interrupted during epoch 2/4; the last checkpoint is {first} "
        f"(resume with: python train.py -r {first})")


def test_ctrl_c_before_any_checkpoint(write_config, tmp_path, local_plugin, capsys):
    path = str(write_config(plugins=[local_plugin],
                            loss={"type": "ctrl_c_after", "args": {"calls": 3}}))
    assert train_main(["-c", path, "-q", "--run-id", "cc"]) == 130
    out, err = capsys.readouterr()
    assert out.strip() == "interrupted during epoch 1/4; no checkpoint was saved yet"


def test_sigint_in_a_real_process(write_config, tmp_path, local_plugin):
    # train.py runs in the project folder: its local plugin is found there without
    # PYTHONPATH, as ``python -m`` would find it
    path = str(write_config(plugins=[local_plugin], **{
        "arch": {"type": "slow_mlp", "args": {"delay": 0.02}}, "trainer.epochs": 50}))
    run = _run(tmp_path, "sig")
    proc = subprocess.Popen([sys.executable, str(REPO / "train.py"), "-c", path, "-q",
                             "--run-id", "sig"], env=subprocess_env(), cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (run / "checkpoint-epoch1.npz").exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "training did not start"
        time.sleep(0.02)
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in out + err and err == ""
    lines = out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("interrupted during epoch ")
    assert "resume with: python train.py -r " in lines[0]
    for ckpt in run.glob("*.npz"):
        assert load_checkpoint(ckpt).epoch >= 1
    assert not [p.name for p in run.iterdir() if p.name.startswith(".")]  # no temp file


def test_resuming_a_finished_run_has_nothing_to_do(write_config, tmp_path, capsys):
    path = str(write_config(**{"trainer.epochs": 2}))
    assert train_main(["-c", path, "-q", "--run-id", "done"]) == 0
    ckpt = _run(tmp_path, "done") / "checkpoint-epoch2.npz"
    capsys.readouterr()
    assert train_main(["-r", str(ckpt), "-q"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == (f"nothing to train from {ckpt}: epoch 2 reached trainer.epochs "
                           f"(2); train on with --epochs N (N > 2)")
    assert [p.name for p in run_dirs(tmp_path / "saved")] == ["done"]  # no new run folder
    assert train_main(["-r", str(ckpt), "-q", "--epochs", "3", "--run-id", "more"]) == 0
    assert load_checkpoint(_run(tmp_path, "more") / "checkpoint-epoch3.npz").epoch == 3


def test_early_stop_counts_exactly_and_an_early_stopped_run_stays_stopped(
        write_config, tmp_path, capsys):
    # lr 1e-30 leaves float32 weights unchanged: val_loss never improves after epoch 1
    path = str(write_config(**{"optimizer.args.lr": 1e-30, "trainer.epochs": 10,
                               "trainer.early_stop": 2, "lr_scheduler": None}))
    assert train_main(["-c", path, "--run-id", "es"]) == 0
    out = capsys.readouterr().out
    assert "val_loss did not improve for 2 epochs: training stops early" in out
    run = _run(tmp_path, "es")
    last = max(run.glob("checkpoint-epoch*.npz"), key=lambda p: load_checkpoint(p).epoch)
    assert last.name == "checkpoint-epoch3.npz"  # best at 1, then 2 epochs without gain
    assert load_checkpoint(run / "model_best.npz").epoch == 1
    assert train_main(["-r", str(last), "-q"]) == 0
    assert "it stopped early" in capsys.readouterr().out
    assert len(run_dirs(tmp_path / "saved")) == 1
    assert train_main(["-r", str(last), "-q", "--set", "trainer.early_stop=3",
                       "--run-id", "on"]) == 0
    assert sorted(p.name for p in _run(tmp_path, "on").glob("checkpoint-*")) == [
        "checkpoint-epoch4.npz"]
    # another monitor starts its own count: the run trains on
    assert train_main(["-r", str(last), "-q", "--set", "trainer.monitor=max val_accuracy",
                       "--run-id", "acc"]) == 0
    assert (_run(tmp_path, "acc") / "checkpoint-epoch4.npz").exists()


def test_resume_from_model_best_continues_after_the_best_epoch(write_config, tmp_path):
    path = str(write_config(**{"trainer.epochs": 3}))
    assert train_main(["-c", path, "-q", "--run-id", "a"]) == 0
    best = load_checkpoint(_run(tmp_path, "a") / "model_best.npz")
    assert train_main(["-r", str(_run(tmp_path, "a") / "model_best.npz"), "-q",
                       "--epochs", "4", "--run-id", "b"]) == 0
    history = load_checkpoint(_run(tmp_path, "b") / "checkpoint-epoch4.npz").metadata["history"]
    assert [h["epoch"] for h in history] == list(range(1, best.epoch + 1)) + \
        list(range(best.epoch + 1, 5))
    log = _info_log(tmp_path, "b")
    assert f"resumed from {_run(tmp_path, 'a') / 'model_best.npz'} (epoch {best.epoch})" in log


def test_checkpoint_of_a_local_plugin_model(write_config, tmp_path, local_plugin, capsys):
    path = str(write_config(plugins=[local_plugin], **{
        "arch": {"type": "slow_mlp", "args": {"delay": 0.0}}, "trainer.epochs": 1}))
    assert train_main(["-c", path, "-q", "--run-id", "p"]) == 0
    ckpt = _run(tmp_path, "p") / "checkpoint-epoch1.npz"
    capsys.readouterr()
    # a checkpoint never imports code by itself: the stored plugins load when named again
    assert eval_main(["-r", str(ckpt), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert "slow_mlp" in err and "pass --plugins edge_plugin" in err and "\n" not in err
    assert eval_main(["-r", str(ckpt), "-q", "--plugins", "edge_plugin"]) == 0
    assert "test accuracy:" in capsys.readouterr().out

    # the plugin module is gone: the error names it
    (tmp_path / "edge_plugin.py").unlink()
    sys.modules.pop("edge_plugin", None)
    for main in (train_main, eval_main):
        assert main(["-r", str(ckpt), "-q", "--plugins", "edge_plugin"]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: plugins: cannot find module 'edge_plugin'"), err
        assert "\n" not in err


def test_test_py_with_another_config_names_it(write_config, tmp_path, capsys):
    path = str(write_config(**{"trainer.epochs": 1}))
    assert train_main(["-c", path, "-q", "--run-id", "a"]) == 0
    other = write_config(name="other.yaml", **{"arch.args.hidden": [8]})
    capsys.readouterr()
    assert eval_main(["-r", str(_run(tmp_path, "a") / "model_best.npz"), "-c",
                      str(other), "-q"]) == 2
    assert f"does not fit the model of {other}: " in capsys.readouterr().err


def test_info_log_summarizes_the_config_and_warns_of_an_idle_early_stop(
        write_config, tmp_path, capsys):
    path = str(write_config(**{"trainer.epochs": 1, "trainer.monitor": "off",
                               "trainer.early_stop": 3}))
    assert train_main(["-c", path, "--lr", "0.005", "--run-id", "s"]) == 0
    out = capsys.readouterr().out
    assert "early_stop: 3 has no effect while trainer.monitor is off" in out
    assert "config " not in out  # the summary is for info.log only
    log = _info_log(tmp_path, "s")
    summary = next(line for line in log.splitlines() if " - INFO - config " in line)
    for part in (f"config {path} with --lr 0.005", "arch mlp", "dataset digits",
                 "optimizer Adam {'lr': 0.005}", "lr_scheduler StepLR", "epochs 1",
                 "monitor off", "early_stop 3"):
        assert part in summary, summary
