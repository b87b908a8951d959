"""Trainer configs naming the new optimizers, schedulers and data loader options build,
train and resume."""
import numpy as np
import pytest

from framework.trainer.checkpoint import load_checkpoint
from framework.trainer.cli import train_main

from trainer_helpers import run_dirs  # noqa: E402  (tests/trainer)


def _train(write_config, tmp_path, epochs=3, **changes):
    changes.setdefault("trainer.epochs", epochs)
    changes.setdefault("trainer.tensorboard", False)
    assert train_main(["-c", str(write_config(**changes)), "-q"]) == 0
    (run,) = run_dirs(tmp_path / "saved")
    return load_checkpoint(run / f"checkpoint-epoch{epochs}.npz").metadata["history"]


def test_adadelta_with_onecycle_trains(write_config, tmp_path):
    history = _train(write_config, tmp_path, epochs=3,
                     optimizer={"type": "Adadelta", "args": {}},
                     lr_scheduler={"type": "OneCycleLR",
                                   "args": {"max_lr": 2.0, "total_steps": 3,
                                            "cycle_momentum": False, "anneal_strategy": "linear"}})
    assert history[-1]["loss"] < history[0]["loss"]
    assert history[-1]["accuracy"] > 0.8
    # the lr each epoch used: 1cycle with 3 steps and pct_start 0.3 -> up at step 0
    # (phase end -0.1), then linear from max_lr down to the floor at step 2
    np.testing.assert_allclose([h["lr"] for h in history], [_onecycle(s) for s in range(3)],
                               rtol=1e-12)


def _onecycle(step, total=3, max_lr=2.0, pct=0.3):
    initial, low = max_lr / 25, max_lr / 25 / 1e4
    up_end = pct * total - 1
    if step <= up_end:
        return initial + (max_lr - initial) * step / up_end
    return max_lr + (low - max_lr) * (step - up_end) / (total - 1 - up_end)


@pytest.mark.parametrize("optimizer", ["Adamax", "NAdam", "RAdam"])
def test_adam_family_with_warmup_then_cosine(write_config, tmp_path, optimizer):
    history = _train(write_config, tmp_path, epochs=3,
                     optimizer={"type": optimizer, "args": {"lr": 1e-2}},
                     lr_scheduler={"type": "SequentialLR", "args": {
                         "schedulers": [{"type": "LinearLR",
                                         "args": {"start_factor": 0.5, "total_iters": 1}},
                                        {"type": "CosineAnnealingWarmRestarts",
                                         "args": {"T_0": 2}}],
                         "milestones": [1]}})
    assert history[-1]["loss"] < history[0]["loss"]
    np.testing.assert_allclose([h["lr"] for h in history], [5e-3, 1e-2, 5e-3], rtol=1e-12)


def test_onecycle_resumes_from_a_checkpoint(write_config, tmp_path):
    config = write_config(**{"trainer.epochs": 4, "trainer.tensorboard": False,
                             "optimizer": {"type": "SGD", "args": {"lr": 0.1, "momentum": 0.9}},
                             "lr_scheduler": {"type": "OneCycleLR",
                                              "args": {"max_lr": 0.5, "total_steps": 4}}})
    assert train_main(["-c", str(config), "-q", "--epochs", "2"]) == 0
    (run,) = run_dirs(tmp_path / "saved")
    assert train_main(["-r", str(run / "checkpoint-epoch2.npz"), "-q", "--epochs", "4"]) == 0
    runs = run_dirs(tmp_path / "saved")
    last = max((r / "checkpoint-epoch4.npz" for r in runs if (r / "checkpoint-epoch4.npz").exists()))
    ckpt = load_checkpoint(last)
    lrs = [h["lr"] for h in ckpt.metadata["history"]]
    # cosine anneal, PyTorch's phase ends (up until 0.3 * 4 - 1 = 0.2, then down to 3)
    up_end, initial, low = 0.2, 0.5 / 25, 0.5 / 25 / 1e4
    want = [initial] + [low + (0.5 - low) / 2 * (1 + np.cos(np.pi * (s - up_end) / (3 - up_end)))
                        for s in (1, 2, 3)]
    np.testing.assert_allclose(lrs, want, rtol=1e-12)
    assert ckpt.scheduler_state["last_epoch"] == 4


def test_num_workers_in_a_config_trains_exactly_as_without(write_config, tmp_path):
    plain = _train(write_config, tmp_path, epochs=2)
    for run in run_dirs(tmp_path / "saved"):
        for f in run.iterdir():
            f.unlink()
        run.rmdir()
    workers = _train(write_config, tmp_path, epochs=2,
                     **{"data_loader.args.num_workers": 2, "data_loader.args.pin_memory": True})
    for a, b in zip(plain, workers):
        assert {k: v for k, v in a.items() if k != "seconds"} == \
            {k: v for k, v in b.items() if k != "seconds"}
