"""The installed ``zeronn`` command: its entry point and every subcommand through it."""
import csv
import importlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def _declared_target():
    with open(REPO / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["scripts"]["zeronn"]


def _installed_entry_point():
    """The ``zeronn`` console-script entry point of an installed zeronn, or None."""
    try:
        dist = importlib.metadata.distribution("zeronn")
    except importlib.metadata.PackageNotFoundError:
        return None
    return next((ep for ep in dist.entry_points
                 if ep.group == "console_scripts" and ep.name == "zeronn"), None)


def _console_main():
    """What the ``zeronn`` script runs: the installed entry point when zeronn is
    installed (``pip install -e .``), else the target pyproject.toml declares."""
    ep = _installed_entry_point()
    if ep is not None:
        assert ep.value == _declared_target()
        return ep.load()
    module, _, attr = _declared_target().partition(":")
    return getattr(importlib.import_module(module), attr)


def zeronn(monkeypatch, *args):
    """Run the console script's function with ``args``; returns its exit status."""
    monkeypatch.setattr(sys, "argv", ["zeronn", *map(str, args)])
    with pytest.raises(SystemExit) as exit_info:
        _console_main()()
    return exit_info.value.code


def test_pyproject_declares_the_script_and_the_extras():
    with open(REPO / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    assert project["scripts"]["zeronn"] == "framework.cli:console_main"
    extras = project["optional-dependencies"]
    assert any(d.startswith("onnx") for d in extras["onnx"])
    assert any(d.startswith("onnxruntime") for d in extras["onnx"])
    assert any(d.startswith("optuna") for d in extras["tune"])


def test_installed_script_is_on_path_when_zeronn_is_installed():
    if _installed_entry_point() is None:
        pytest.skip("zeronn is not pip-installed here (test_pip_install_puts_zeronn_on_path "
                    "installs it into a temporary prefix instead)")
    exe = shutil.which("zeronn") or str(Path(sys.executable).parent / "zeronn")
    result = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for command in ("train", "test", "list", "plugins", "summary", "sweep", "export"):
        assert command in result.stdout


@pytest.mark.slow
def test_pip_install_puts_zeronn_on_path(tmp_path):
    """``pip install -e .`` writes a ``zeronn`` script that runs the command."""
    prefix = tmp_path / "prefix"
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    # a copy of the sources, so that the install's build files stay out of the checkout
    src = tmp_path / "src"
    shutil.copytree(REPO, src, ignore=shutil.ignore_patterns(
        "saved", ".git", "__pycache__", "*.egg-info", "tests", "benchmarks", "build"))
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
         "--prefix", str(prefix), "-e", str(src)],
        capture_output=True, text=True, env=env, timeout=300)
    if install.returncode != 0 and "No module named pip" in install.stderr:
        pytest.skip("pip is not available in this interpreter")
    assert install.returncode == 0, install.stdout + install.stderr
    script = prefix / "bin" / "zeronn"
    assert script.is_file()
    run_env = dict(os.environ, PYTHONPATH=str(src), OPENBLAS_NUM_THREADS="1")
    result = subprocess.run([str(script), "list", "models"], capture_output=True, text=True,
                            env=run_env, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "lenet" in result.stdout and "conv_autoencoder" in result.stdout


def _tiny_config(tmp_path, **extra):
    cfg = {
        "name": "tiny", "seed": 0,
        "arch": {"type": "mlp", "args": {"in_features": 64, "hidden": [16], "out_features": 10,
                                         "batch_norm": True}},
        "data_loader": {"type": "DataLoader", "args": {
            "dataset": {"type": "digits", "args": {}}, "batch_size": 64, "shuffle": True,
            "validation_split": 0.1}},
        "loss": "cross_entropy", "metrics": ["accuracy"],
        "optimizer": {"type": "Adam", "args": {"lr": 0.01}},
        "trainer": {"epochs": 1, "save_dir": str(tmp_path / "saved"), "verbosity": 1,
                    "monitor": "min val_loss", "tensorboard": False}, **extra}
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.fixture
def trained(tmp_path, monkeypatch):
    """A config and the checkpoint that ``zeronn train`` made from it."""
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    config = _tiny_config(tmp_path)
    assert zeronn(monkeypatch, "train", "-c", config, "--run-id", "r1", "-q") == 0
    return config, tmp_path / "saved/models/tiny/r1/model_best.npz"


def test_train_and_test(trained, monkeypatch, capsys):
    config, checkpoint = trained
    assert checkpoint.is_file()
    capsys.readouterr()
    assert zeronn(monkeypatch, "test", "-r", checkpoint, "-q") == 0
    out = capsys.readouterr().out
    assert "test accuracy:" in out and "test loss:" in out
    assert zeronn(monkeypatch, "test", "-r", checkpoint.parent / "missing.npz") == 2
    assert "zeronn test" not in capsys.readouterr().err  # a one-line error, not usage


def test_train_usage_names_zeronn(monkeypatch, capsys):
    assert zeronn(monkeypatch, "train", "--bogus") == 2
    assert capsys.readouterr().err.startswith("zeronn train: error: unrecognized arguments")


def test_list_and_plugins(monkeypatch, capsys):
    assert zeronn(monkeypatch, "list", "models") == 0
    out = capsys.readouterr().out
    assert out.startswith("models (") and "lenet" in out and "mlp" in out
    assert zeronn(monkeypatch, "plugins") == 0
    out = capsys.readouterr().out
    assert "zeronn.models" in out and "plugins loaded" in out
    assert zeronn(monkeypatch, "list", "modles") == 2
    assert "did you mean 'models'" in capsys.readouterr().err


def test_summary_of_a_config(tmp_path, monkeypatch, capsys):
    config = _tiny_config(tmp_path)
    assert zeronn(monkeypatch, "summary", "-c", config, "--columns",
                  "input_size,output_size,num_params") == 0
    out = capsys.readouterr().out
    assert "│    └─Linear: 2-2" in out and "[64, 1, 8, 8]" in out      # the config's batch
    # 64*16+16, BN 2*16, 16*10+10
    assert "Total params: 1,242" in out and "Buffers: 33" in out
    assert zeronn(monkeypatch, "summary", "-c", config, "--input-size", "2,64",
                  "--depth", "1") == 0
    out = capsys.readouterr().out
    assert "├─Sequential: 1-1" in out and "[2, 10]" in out and "Linear" not in out
    assert zeronn(monkeypatch, "summary", "-c", config, "--input-size", "2,x") == 2
    assert "--input-size" in capsys.readouterr().err
    assert zeronn(monkeypatch, "summary", "-c", config, "--input-size", "2,63") == 2
    assert "sample forward pass failed" in capsys.readouterr().err


def test_export_a_checkpoint(trained, tmp_path, monkeypatch, capsys):
    pytest.importorskip("onnxruntime", reason="needs the onnx extra: pip install -e '.[onnx]'")
    onnx = pytest.importorskip("onnx", reason="needs the onnx extra")
    _, checkpoint = trained
    out_path = tmp_path / "tiny.onnx"
    assert zeronn(monkeypatch, "export", "-r", checkpoint, "-o", out_path,
                  "--batch-size", "5") == 0
    out = capsys.readouterr().out
    assert "traced on a batch of shape [5, 1, 8, 8]" in out
    assert "onnxruntime agrees with zeronn on a batch of 4" in out
    diff = float(out.rsplit("max abs difference ", 1)[1].split()[0])
    assert diff < 1e-5
    onnx.checker.check_model(onnx.load(str(out_path)))
    assert zeronn(monkeypatch, "export", "-r", checkpoint) == 2   # -o is required


@pytest.mark.slow  # about 8 s on 2 shared cores
def test_sweep_grid_from_the_command_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    config = _tiny_config(tmp_path)
    assert zeronn(monkeypatch, "sweep", "-c", config, "--grid",
                  "optimizer.args.lr=1e-3,5e-2", "--sweep-id", "g") == 0
    out = capsys.readouterr().out
    sweep_dir = tmp_path / "saved/sweeps/tiny/g"
    rows = list(csv.DictReader(open(sweep_dir / "results.csv")))
    assert sorted(float(r["optimizer.args.lr"]) for r in rows) == [1e-3, 5e-2]
    assert float(rows[0]["val_loss"]) <= float(rows[1]["val_loss"])
    assert "results, best val_loss first (min):" in out
    # the same id again is refused, naming the way to resume
    assert zeronn(monkeypatch, "sweep", "-c", config, "--grid", "seed=1,2",
                  "--sweep-id", "g") == 2
    assert "--resume" in capsys.readouterr().err
    assert zeronn(monkeypatch, "sweep", "-c", config) == 2   # nothing to sweep
    assert "nothing to sweep" in capsys.readouterr().err


def test_bad_subcommand(monkeypatch, capsys):
    assert zeronn(monkeypatch, "bogus") == 2
    assert "invalid choice: 'bogus'" in capsys.readouterr().err


def test_thin_entry_points_share_the_code():
    import framework.__main__ as module_main
    import framework.cli as cli
    from framework.trainer import cli as trainer_cli
    assert cli.train_main is trainer_cli.train_main and cli.test_main is trainer_cli.test_main
    for script, name in (("train.py", "train_main"), ("test.py", "test_main")):
        assert f"from framework.trainer.cli import {name}" in (REPO / script).read_text()
    assert callable(module_main.main)
    np.testing.assert_equal(1, 1)
