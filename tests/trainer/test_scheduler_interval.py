"""``lr_scheduler.interval``: a scheduler stepped after every optimizer step (as PyTorch
scripts step OneCycleLR) or every epoch, with its length taken from the run and checked
against it before anything is written."""
import math
import re

import numpy as np
import pytest

from framework.trainer.checkpoint import load_checkpoint
from framework.trainer.cli import train_main

from trainer_helpers import run_dirs  # noqa: E402  (tests/trainer)

# digits: 1293 training samples after the 10% validation split, batches of 64
BATCHES = math.ceil(1293 / 64)


def _cosine_onecycle(step, total, max_lr, pct=0.3):
    """PyTorch's two-phase cos OneCycleLR at ``step`` (0-based) of ``total``."""
    initial, low = max_lr / 25, max_lr / 25 / 1e4
    up_end = pct * total - 1
    if step <= up_end:
        start, end, frac = initial, max_lr, step / up_end
    else:
        start, end, frac = max_lr, low, (step - up_end) / (total - 1 - up_end)
    return end + (start - end) / 2 * (1 + math.cos(math.pi * frac))


def _last_checkpoint(tmp_path, epochs):
    runs = run_dirs(tmp_path / "saved")
    paths = [r / f"checkpoint-epoch{epochs}.npz" for r in runs]
    return load_checkpoint(max(p for p in paths if p.exists()))


def _onecycle(interval="step", **args):
    return {"type": "OneCycleLR", "args": {"max_lr": 0.05, **args}, "interval": interval}


def test_step_interval_runs_the_whole_cycle_once_per_batch(write_config, tmp_path):
    config = write_config(**{"trainer.epochs": 3, "trainer.tensorboard": False,
                             "optimizer": {"type": "SGD", "args": {"lr": 0.1,
                                                                   "momentum": 0.9}},
                             "lr_scheduler": _onecycle()})
    assert train_main(["-c", str(config), "-q"]) == 0
    ckpt = _last_checkpoint(tmp_path, 3)
    total = 3 * BATCHES
    # the trainer filled in the run's length: epochs 3, steps_per_epoch = batches
    assert ckpt.scheduler_state["total_steps"] == total
    assert ckpt.scheduler_state["last_epoch"] == total
    # the rate logged at each epoch's end is the one the schedule gives after that many
    # optimizer steps
    lrs = [h["lr"] for h in ckpt.metadata["history"]]
    # (after the last step, PyTorch's formula goes just past the floor max_lr / 25 / 1e4)
    want = [_cosine_onecycle(e * BATCHES, total, 0.05) for e in (1, 2, 3)]
    np.testing.assert_allclose(lrs, want, rtol=1e-9)
    assert 0.05 / 25 / 1e4 < lrs[2] < 1e-4
    assert ckpt.metadata["history"][-1]["accuracy"] > 0.8
    assert ckpt.metadata["config"]["lr_scheduler"]["interval"] == "step"


def test_epoch_interval_fills_in_epochs(write_config, tmp_path):
    config = write_config(**{"trainer.epochs": 3, "trainer.tensorboard": False,
                             "optimizer": {"type": "SGD", "args": {"lr": 0.1,
                                                                   "momentum": 0.9}},
                             "lr_scheduler": _onecycle("epoch")})
    assert train_main(["-c", str(config), "-q"]) == 0
    ckpt = _last_checkpoint(tmp_path, 3)
    assert ckpt.scheduler_state["total_steps"] == 3
    lrs = [h["lr"] for h in ckpt.metadata["history"]]
    np.testing.assert_allclose(lrs, [_cosine_onecycle(s, 3, 0.05) for s in range(3)],
                               rtol=1e-9)


@pytest.mark.parametrize("interval, steps", [("step", 4 * BATCHES), ("epoch", 4)])
def test_a_resumed_cycle_ends_where_one_run_ends(write_config, tmp_path, interval, steps):
    # OneCycleLR moves SGD's momentum too: a resume keeps the saved momentum (the
    # config did not change it) instead of putting the config's 0.9 back for a while
    changes = {"trainer.tensorboard": False, "trainer.monitor": "off",
               "optimizer": {"type": "SGD", "args": {"lr": 0.1, "momentum": 0.9}},
               "lr_scheduler": _onecycle(interval, epochs=4)}
    whole = write_config("whole.yaml", **{"trainer.epochs": 4, **changes})
    assert train_main(["-c", str(whole), "-q", "--run-id", "whole"]) == 0
    half = write_config("half.yaml", **{"trainer.epochs": 2, **changes})
    assert train_main(["-c", str(half), "-q", "--run-id", "half"]) == 0
    first = tmp_path / "saved" / "models" / "tiny" / "half"
    assert train_main(["-r", str(first / "checkpoint-epoch2.npz"), "-q", "--epochs", "4",
                       "--run-id", "resumed"]) == 0
    one = tmp_path / "saved" / "models" / "tiny" / "whole"
    resumed = tmp_path / "saved" / "models" / "tiny" / "resumed"
    a = load_checkpoint(one / "checkpoint-epoch4.npz")
    b = load_checkpoint(resumed / "checkpoint-epoch4.npz")
    assert a.scheduler_state["last_epoch"] == b.scheduler_state["last_epoch"] == steps
    assert [h["lr"] for h in a.metadata["history"]] == \
        [h["lr"] for h in b.metadata["history"]]
    for key in a.model_state:
        np.testing.assert_allclose(a.model_state[key], b.model_state[key], rtol=1e-6,
                                   atol=1e-7, err_msg=key)


@pytest.mark.parametrize("scheduler, message", [
    (_onecycle("epoch", epochs=4, steps_per_epoch=BATCHES),
     rf"lr_scheduler: OneCycleLR is {4 * BATCHES} steps long, one per batch \(4 epochs x "
     rf"{BATCHES} batches\), but lr_scheduler.interval is epoch, so it would be stepped "
     rf"only 4 times; set lr_scheduler.interval: step$"),
    (_onecycle("epoch", total_steps=3),
     r"lr_scheduler: OneCycleLR is 3 steps long but the run steps it 4 times \(4 epochs, "
     r"one step each\) and would fail at step 4; "),
    (_onecycle("step", total_steps=50),
     rf"lr_scheduler: OneCycleLR is 50 steps long but the run steps it {4 * BATCHES} times "
     rf"\(4 epochs x {BATCHES} batches\) and would fail at step 51; "),
    ({"type": "ReduceLROnPlateau", "interval": "step"},
     r"lr_scheduler.interval: ReduceLROnPlateau steps on the monitored value, which exists "
     r"once per epoch; use interval: epoch$"),
    ({"type": "StepLR", "args": {"step_size": 2}, "interval": "batch"},
     r"lr_scheduler.interval: expected epoch or step, got 'batch' \(str\)$"),
])
def test_a_schedule_that_does_not_fit_the_run_stops_it_before_it_starts(
        write_config, tmp_path, capsys, scheduler, message):
    config = write_config(**{"trainer.epochs": 4, "lr_scheduler": scheduler})
    assert train_main(["-c", str(config), "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("error: ")
    assert re.search(message, err[0]), err[0]
    assert run_dirs(tmp_path / "saved") == []  # nothing written


def test_a_shorter_run_than_the_schedule_is_allowed(write_config, tmp_path):
    # --epochs 2 of a 4-epoch schedule: the rest comes with a resume
    config = write_config(**{"trainer.epochs": 2, "trainer.tensorboard": False,
                             "lr_scheduler": _onecycle("epoch", total_steps=4)})
    assert train_main(["-c", str(config), "-q"]) == 0
    assert _last_checkpoint(tmp_path, 2).scheduler_state["last_epoch"] == 2


def test_changing_the_interval_on_resume_starts_the_schedule_fresh(write_config, tmp_path,
                                                                    capsys):
    config = write_config(**{"trainer.epochs": 2, "trainer.tensorboard": False,
                             "lr_scheduler": _onecycle("epoch", total_steps=4)})
    assert train_main(["-c", str(config), "-q"]) == 0
    (run,) = run_dirs(tmp_path / "saved")
    assert train_main(["-r", str(run / "checkpoint-epoch2.npz"), "--epochs", "4",
                       "--set", "lr_scheduler.interval=step",
                       "--set", "lr_scheduler.args.total_steps=null"]) == 0
    out = capsys.readouterr()
    assert "resume: lr_scheduler.interval changed from epoch" in out.out + out.err
    ckpt = _last_checkpoint(tmp_path, 4)
    assert ckpt.scheduler_state["total_steps"] == 4 * BATCHES
    # fresh: started at 0 when the resumed run began, so it took 2 epochs of batches
    assert ckpt.scheduler_state["last_epoch"] == 2 * BATCHES
