"""The shipped configs train to their reference accuracies on the real data sets."""
import pytest

from framework.config import load_config
from framework.plugin import load_plugins
from framework.trainer.builder import check_experiment
from framework.trainer.checkpoint import load_checkpoint
from framework.trainer.cli import test_main as eval_main
from framework.trainer.cli import train_main

from trainer_helpers import REPO  # noqa: E402  (tests/trainer)

pytestmark = pytest.mark.slow


def _test_accuracy(capsys, checkpoint):
    capsys.readouterr()
    assert eval_main(["-r", str(checkpoint), "-q"]) == 0
    out = capsys.readouterr().out
    lines = dict(line.split(": ") for line in out.splitlines() if line.startswith("test "))
    return float(lines["test accuracy"])


def test_fashion_mnist_mlp_reaches_086(tmp_path, shared_data, capsys):
    status = train_main(["-c", str(REPO / "configs/fashion_mnist_mlp.yaml"), "-q",
                         "--run-id", "r", "--set", f"trainer.save_dir={tmp_path}",
                         "--set", f"data_loader.args.dataset.args.data_dir={shared_data}"])
    assert status == 0
    last = tmp_path / "models/fashion_mnist_mlp/r/checkpoint-epoch5.npz"
    assert load_checkpoint(last).epoch == 5
    assert _test_accuracy(capsys, last) >= 0.86


def test_iris_reaches_090(tmp_path, capsys):
    assert train_main(["-c", str(REPO / "configs/iris.yaml"), "-q", "--run-id", "r",
                       "--set", f"trainer.save_dir={tmp_path}"]) == 0
    runs = tmp_path / "models/iris_bn_mlp/r"
    last = max(runs.glob("checkpoint-epoch*.npz"), key=lambda p: int(p.stem.split("epoch")[1]))
    assert _test_accuracy(capsys, last) >= 0.9


@pytest.mark.parametrize("config", sorted(p.name for p in (REPO / "configs").glob("*.yaml")))
def test_every_shipped_config_validates_against_the_registries(config):
    cfg = load_config(REPO / "configs" / config)
    check_experiment(cfg, load_plugins(cfg.plugins).registries)


@pytest.mark.parametrize("config,epochs", [("spiral.yaml", 60), ("autoencoder.yaml", 3)])
def test_small_configs_train(tmp_path, capsys, config, epochs):
    argv = ["-c", str(REPO / "configs" / config), "-q", "--run-id", "r", "--epochs", str(epochs),
            "--set", f"trainer.save_dir={tmp_path}"]
    assert train_main(argv) == 0
    (run,) = (tmp_path / "models").glob("*/r")
    history = load_checkpoint(run / f"checkpoint-epoch{epochs}.npz").metadata["history"]
    assert history[-1]["loss"] < history[0]["loss"]
    if config == "spiral.yaml":
        assert history[-1]["accuracy"] >= 0.95
