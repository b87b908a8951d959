"""Bad input to train.py / test.py: exit 2, one clear line, no traceback, no run folder."""
import subprocess
import sys

import numpy as np
import pytest
import yaml

from framework import backend
from framework.trainer.cli import test_main as eval_main
from framework.trainer.cli import train_main

from trainer_helpers import REPO, run_dirs, small_config, subprocess_env  # noqa: E402  (tests/trainer)


def _fails(capsys, argv, *needles, main=train_main):
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 2, err
    lines = [line for line in err.strip().splitlines() if line]
    assert len(lines) == 1, err          # one clear line
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _write(tmp_path, cfg, name="bad.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(cfg) if not isinstance(cfg, str) else cfg)
    return str(path)


@pytest.fixture
def saved(tmp_path):
    return tmp_path / "saved"


def _cfg(saved, **changes):
    return small_config(saved, **changes)


def test_unknown_key_names_closest_key(tmp_path, saved, capsys):
    cfg = _cfg(saved)
    cfg["trainr"] = cfg.pop("trainer")
    _fails(capsys, ["-c", _write(tmp_path, cfg)], "trainr", "trainer")
    assert run_dirs(saved) == []


def test_unknown_nested_key(tmp_path, saved, capsys):
    cfg = _cfg(saved)
    cfg["trainer"]["epoch"] = 3
    _fails(capsys, ["-c", _write(tmp_path, cfg)], "trainer.epoch", "epochs")


def test_wrong_type(tmp_path, saved, capsys):
    _fails(capsys, ["-c", _write(tmp_path, _cfg(saved, **{"trainer.epochs": "ten"}))],
           "trainer.epochs", "ten")
    assert run_dirs(saved) == []


@pytest.mark.parametrize("key,value,needle", [
    ("data_loader.args.batch_size", 0, "batch_size"),
    ("data_loader.args.batch_size", -4, "batch_size"),
    ("data_loader.args.validation_split", 1.0, "validation_split"),
    ("data_loader.args.validation_split", -0.1, "validation_split"),
    ("optimizer.args.lr", -0.1, "lr"),
])
def test_bad_values(tmp_path, saved, capsys, key, value, needle):
    _fails(capsys, ["-c", _write(tmp_path, _cfg(saved, **{key: value}))], needle, str(value))
    assert run_dirs(saved) == []


def test_unknown_registry_name_lists_closest(tmp_path, saved, capsys):
    line = _fails(capsys, ["-c", _write(tmp_path, _cfg(saved, **{"arch.type": "mlpp"}))],
                  "arch", "mlpp", "mlp")
    assert "lenet" in line  # the known names are listed
    assert run_dirs(saved) == []


def test_unknown_optimizer_name(tmp_path, saved, capsys):
    _fails(capsys, ["-c", _write(tmp_path, _cfg(saved, **{"optimizer.type": "Adamm"}))],
           "optimizer", "Adamm", "Adam")


def test_argument_the_factory_does_not_take(tmp_path, saved, capsys):
    cfg = _cfg(saved)
    cfg["arch"]["args"]["hiden"] = [8]
    _fails(capsys, ["-c", _write(tmp_path, cfg)], "hiden", "hidden")
    assert run_dirs(saved) == []


def test_yaml_syntax_error_names_line(tmp_path, capsys):
    text = "name: x\narch: {type: mlp\ntrainer:\n  epochs: 2\n"
    _fails(capsys, ["-c", _write(tmp_path, text)], "bad.yaml", "line")


@pytest.mark.parametrize("text,needle", [("", "empty"), ("- a\n- b\n", "mapping"),
                                         ("just a string\n", "mapping")])
def test_empty_or_non_mapping_file(tmp_path, capsys, text, needle):
    _fails(capsys, ["-c", _write(tmp_path, text)], needle)


def test_missing_config_file(tmp_path, capsys):
    _fails(capsys, ["-c", str(tmp_path / "nope.yaml")], "nope.yaml", "not found")


def test_no_config_at_all(capsys):
    _fails(capsys, [], "-c")


def test_bad_set_key(tmp_path, saved, capsys):
    path = _write(tmp_path, _cfg(saved))
    _fails(capsys, ["-c", path, "--set", "trainer.epochz=3"], "epochz", "epochs")
    _fails(capsys, ["-c", path, "--set", "trainer.epochs"], "trainer.epochs")
    assert run_dirs(saved) == []


def test_duplicate_key_is_an_error(tmp_path, saved, capsys):
    text = yaml.safe_dump(_cfg(saved)) + "seed: 3\n"
    _fails(capsys, ["-c", _write(tmp_path, text)], "seed", "duplicate")


def test_monitor_of_a_value_not_logged(tmp_path, saved, capsys):
    _fails(capsys, ["-c", _write(tmp_path, _cfg(saved, **{"trainer.monitor": "max val_acc"}))],
           "trainer.monitor", "val_accuracy")


def test_gpu_without_gpu_exits_2_with_reason(tmp_path, saved, capsys, monkeypatch):
    # the probe's answer is replaced, so the no-GPU path runs on GPU machines too
    monkeypatch.setattr(backend, "_gpu_status", (False, "no CUDA device is visible"))
    path = _write(tmp_path, _cfg(saved))
    line = _fails(capsys, ["-c", path, "-d", "gpu"], "gpu")
    assert backend.gpu_status()[1].split(":")[0] in line
    _fails(capsys, ["-c", _write(tmp_path, _cfg(saved, device="gpu"), "g.yaml")], "gpu")
    assert run_dirs(saved) == []


def test_bad_device_string(tmp_path, saved, capsys):
    _fails(capsys, ["-c", _write(tmp_path, _cfg(saved)), "-d", "tpu"], "tpu")


@pytest.mark.parametrize("main", [train_main, eval_main])
def test_missing_truncated_and_foreign_checkpoints(tmp_path, saved, capsys, main):
    missing = tmp_path / "missing.npz"
    _fails(capsys, ["-r", str(missing)], "missing.npz", main=main)
    truncated = tmp_path / "truncated.npz"
    np.savez(truncated, a=np.arange(1000.0))
    truncated.write_bytes(truncated.read_bytes()[:300])
    _fails(capsys, ["-r", str(truncated)], "truncated.npz", main=main)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, w=np.ones(3))
    _fails(capsys, ["-r", str(foreign)], "foreign.npz", "not a zeronn checkpoint", main=main)
    assert run_dirs(saved) == []


def test_lr_in_exponent_notation_is_a_number(tmp_path, saved):
    text = yaml.safe_dump(_cfg(saved, **{"trainer.epochs": 1})).replace("lr: 0.01", "lr: 1e-3")
    assert "1e-3" in text
    status = train_main(["-c", _write(tmp_path, text), "-q"])
    assert status == 0
    (run,) = run_dirs(saved)
    assert "lr: 0.001" in (run / "config.yaml").read_text()


def test_factory_rejecting_a_value_is_a_config_error(tmp_path, saved, capsys):
    _fails(capsys, ["-c", _write(tmp_path, _cfg(saved, **{"arch.args.activation": "swishy"}))],
           "arch", "swishy")
    assert run_dirs(saved) == []


def test_missing_data_files_exit_2(tmp_path, saved, capsys):
    cfg = _cfg(saved, **{"data_loader.args.dataset": {"type": "mnist",
                                                       "args": {"data_dir": str(tmp_path / "none")}}})
    _fails(capsys, ["-c", _write(tmp_path, cfg)], "mnist", "download")
    assert run_dirs(saved) == []


def test_subprocess_exit_code_and_debug_traceback(tmp_path, saved):
    path = _write(tmp_path, _cfg(saved, **{"arch.type": "mlpp"}))
    cmd = [sys.executable, str(REPO / "train.py"), "-c", path]
    out = subprocess.run(cmd, capture_output=True, text=True, env=subprocess_env(), cwd=tmp_path)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.startswith("error: arch: ")
    out = subprocess.run(cmd + ["--debug"], capture_output=True, text=True,
                         env=subprocess_env(), cwd=tmp_path)
    assert out.returncode == 1 and "Traceback" in out.stderr and "RegistryError" in out.stderr
    out = subprocess.run([sys.executable, str(REPO / "train.py"), "--epochs", "x"],
                         capture_output=True, text=True, env=subprocess_env(), cwd=tmp_path)
    assert out.returncode == 2 and "--epochs" in out.stderr and "Traceback" not in out.stderr
    assert run_dirs(saved) == []


def test_resume_into_a_different_model_exits_2(tmp_path, saved, capsys):
    path = _write(tmp_path, _cfg(saved, **{"trainer.epochs": 1}))
    assert train_main(["-c", path, "-q", "--run-id", "one"]) == 0
    ckpt = saved / "models/tiny/one/checkpoint-epoch1.npz"
    other = _write(tmp_path, _cfg(saved, **{"arch.args.hidden": [16]}), "other.yaml")
    line = _fails(capsys, ["-r", str(ckpt), "-c", other], "checkpoint-epoch1.npz", "layers.1.weight")
    assert "shape" in line
    assert [p.name for p in run_dirs(saved)] == ["one"]


def test_threads_limit_must_be_positive(tmp_path, saved, capsys):
    _fails(capsys, ["-c", _write(tmp_path, _cfg(saved)), "--threads", "0"], "--threads", "0")
    assert run_dirs(saved) == []
