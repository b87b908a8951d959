"""Resume with another config: the given config wins, every change is logged, the
run's config.yaml matches what trained, and a changed optimizer or scheduler type
starts that state fresh (the README's choice)."""
import pytest
import yaml

from adversarial_helpers import small_config, train_main, write_yaml
from framework.trainer.checkpoint import load_checkpoint


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A 2-epoch run (Adam lr 0.01, StepLR gamma 0.5 every epoch): its folders."""
    root = tmp_path_factory.mktemp("resume")
    saved = root / "saved"
    cfg = small_config(saved, **{"trainer.monitor": "off"})
    path = write_yaml(root / "base.yaml", cfg)
    assert train_main(["-c", path, "-q", "--run-id", "base"]) == 0
    return root, saved, saved / "models" / "adv" / "base" / "checkpoint-epoch1.npz"


def _run(saved, run_id):
    models = saved / "models" / "adv" / run_id
    log = (saved / "log" / "adv" / run_id / "info.log").read_text()
    config = yaml.safe_load((models / "config.yaml").read_text())
    return models, log, config


def test_changed_lr_wins_and_is_logged(base):
    root, saved, ckpt = base
    assert train_main(["-r", str(ckpt), "-q", "--lr", "0.5", "--run-id", "lr"]) == 0
    models, log, config = _run(saved, "lr")
    assert ("resume: optimizer.args.lr: 0.01 in the checkpoint, 0.5 from the given config; "
            "the schedule continues at lr 0.25") in log
    assert config["optimizer"]["args"]["lr"] == 0.5
    last = load_checkpoint(models / "checkpoint-epoch2.npz")
    assert last.optimizer_state["param_groups"][0]["initial_lr"] == 0.5
    assert last.config["optimizer"]["args"]["lr"] == 0.5
    # epoch 2 trained at what a fresh lr-0.5 run uses in its epoch 2: 0.5 * 0.5
    assert last.metadata["history"][-1]["lr"] == pytest.approx(0.25)
    fresh = write_yaml(root / "fresh.yaml", small_config(saved, **{
        "trainer.monitor": "off", "optimizer.args.lr": 0.5}))
    assert train_main(["-c", fresh, "-q", "--run-id", "fresh05"]) == 0
    other = load_checkpoint(saved / "models" / "adv" / "fresh05" / "checkpoint-epoch2.npz")
    assert other.metadata["history"][-1]["lr"] == pytest.approx(0.25)


def test_unchanged_config_logs_no_change(base):
    _, saved, ckpt = base
    assert train_main(["-r", str(ckpt), "-q", "--run-id", "same"]) == 0
    _, log, config = _run(saved, "same")
    assert "resume: " not in log
    assert config["optimizer"]["args"]["lr"] == 0.01


def test_changed_weight_decay_and_betas(base):
    _, saved, ckpt = base
    assert train_main(["-r", str(ckpt), "-q", "--set", "optimizer.args.weight_decay=0.01",
                       "--set", "optimizer.args.betas=[0.8, 0.99]", "--run-id", "wd"]) == 0
    models, log, config = _run(saved, "wd")
    assert "resume: optimizer.args.weight_decay: 0 in the checkpoint, 0.01 from the given config" in log
    assert "resume: optimizer.args.betas: [0.9, 0.999] in the checkpoint, [0.8, 0.99]" in log
    group = load_checkpoint(models / "checkpoint-epoch2.npz").optimizer_state["param_groups"][0]
    assert group["weight_decay"] == 0.01 and list(group["betas"]) == [0.8, 0.99]
    assert config["optimizer"]["args"]["weight_decay"] == 0.01


def test_changed_optimizer_type_starts_fresh(base):
    root, saved, ckpt = base
    sgd = write_yaml(root / "sgd.yaml", small_config(saved, **{
        "trainer.monitor": "off",
        "optimizer": {"type": "SGD", "args": {"lr": 0.05, "momentum": 0.9}}}))
    assert train_main(["-r", str(ckpt), "-c", sgd, "-q", "--run-id", "sgd"]) == 0
    models, log, config = _run(saved, "sgd")
    assert f"resume: optimizer type changed from Adam (in {ckpt}) to SGD: its state starts fresh" in log
    assert config["optimizer"] == {"type": "SGD", "args": {"lr": 0.05, "momentum": 0.9}}
    last = load_checkpoint(models / "checkpoint-epoch2.npz")
    group = last.optimizer_state["param_groups"][0]
    assert group["momentum"] == 0.9 and "betas" not in group
    assert group["initial_lr"] == 0.05
    # the scheduler's position is kept: epoch 2 trains at 0.05 * 0.5
    assert last.metadata["history"][-1]["lr"] == pytest.approx(0.025)
    states = last.optimizer_state["state"]
    assert states and all("exp_avg" not in s for s in states.values())


def test_changed_scheduler_type_starts_fresh(base):
    root, saved, ckpt = base
    exp = write_yaml(root / "exp.yaml", small_config(saved, **{
        "trainer.monitor": "off",
        "lr_scheduler": {"type": "ExponentialLR", "args": {"gamma": 0.9}}}))
    assert train_main(["-r", str(ckpt), "-c", exp, "-q", "--run-id", "exp"]) == 0
    models, log, config = _run(saved, "exp")
    assert (f"resume: lr_scheduler type changed from StepLR (in {ckpt}) to ExponentialLR: "
            f"its state starts fresh") in log
    assert "resume: the learning rate restarts at 0.01 with the fresh schedule" in log
    assert config["lr_scheduler"] == {"type": "ExponentialLR", "args": {"gamma": 0.9},
                                      "interval": "epoch"}
    last = load_checkpoint(models / "checkpoint-epoch2.npz")
    assert last.scheduler_state["gamma"] == 0.9 and "step_size" not in last.scheduler_state
    assert last.metadata["history"][-1]["lr"] == pytest.approx(0.01)  # the fresh schedule


def test_changed_scheduler_argument_wins(base):
    _, saved, ckpt = base
    assert train_main(["-r", str(ckpt), "-q", "--set", "lr_scheduler.args.gamma=0.1",
                       "--run-id", "gamma"]) == 0
    models, log, config = _run(saved, "gamma")
    assert "resume: lr_scheduler.args.gamma: 0.5 in the checkpoint, 0.1 from the given config" in log
    assert config["lr_scheduler"]["args"]["gamma"] == 0.1
    assert load_checkpoint(models / "checkpoint-epoch2.npz").scheduler_state["gamma"] == 0.1


def test_scheduler_removed_restores_the_configured_rate(base):
    _, saved, ckpt = base
    assert train_main(["-r", str(ckpt), "-q", "--set", "lr_scheduler=null",
                       "--run-id", "nosched"]) == 0
    models, log, _ = _run(saved, "nosched")
    assert "resume: lr_scheduler StepLR of" in log and "is not in the given config" in log
    last = load_checkpoint(models / "checkpoint-epoch2.npz")
    assert last.metadata["history"][-1]["lr"] == pytest.approx(0.01)
