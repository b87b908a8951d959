"""framework.config.resolved: the run's config.yaml reads back into an equal config."""
import os

import numpy as np
import pytest
import yaml

from framework.config import (config_to_dict, dump_config, load_config, package_versions,
                              save_resolved_config, validate_config)


def test_round_trip_of_the_example(tmp_path, write_config):
    cfg = load_config(write_config())
    path = tmp_path / "resolved.yaml"
    save_resolved_config(cfg, path, overrides=["--set trainer.epochs=20"],
                         versions=package_versions())
    assert load_config(path) == cfg
    text = path.read_text()
    assert text.startswith("# Resolved config of experiment 'digits_mlp'")
    assert "# overrides: --set trainer.epochs=20" in text and "numpy " + np.__version__ in text
    assert sorted(os.listdir(tmp_path)) == ["config.yaml", "resolved.yaml"]  # no temp files


@pytest.mark.parametrize("sets", [
    [],
    ["trainer.monitor=off", "lr_scheduler=null"],  # 'off' must stay a string in the file
    ["optimizer.args.lr=1e-5", "arch.args.name='1e-3'", "arch.args.flag='yes'",
     "arch.args.empty=''", "arch.args.none=null", "arch.args.nested={a: [1, {b: 2.5}]}"],
    ["data_loader.args.validation_split=150", "data_loader.args.drop_last=true",
     "metrics=[accuracy, {type: top_k, args: {k: 5}}]", "loss={type: mse, args: {w: 2}}"],
    ["arch.args.big=1e300", "arch.args.inf=.inf", "arch.args.neg=-.inf", "arch.args.u='é ✓'",
     "arch.args.multiline='a\\nb'", "arch.args.colon='a: b'", "arch.args.hash='#x'"],
    ["device=gpu:1", "seed=4294967295", "plugins=[my.models, other]"],
])
def test_round_trip_with_overrides(tmp_path, write_config, sets):
    cfg = load_config(write_config(), sets)
    save_resolved_config(cfg, tmp_path / "r.yaml", overrides=[f"--set {s}" for s in sets])
    assert load_config(tmp_path / "r.yaml") == cfg


def test_round_trip_of_minimal_config_fills_defaults(tmp_path, write_config):
    cfg = load_config(write_config("""\
        name: x
        arch: {type: mlp}
        data_loader: {args: {dataset: {type: digits}}}
        loss: mse
        optimizer: {type: SGD}
        trainer: {epochs: 1}
        """))
    save_resolved_config(cfg, tmp_path / "r.yaml")
    data = yaml.safe_load((tmp_path / "r.yaml").read_text())
    assert data["callbacks"] == []
    assert data["trainer"] == {"type": "Trainer", "args": {}, "epochs": 1, "save_dir": "saved/", "save_period": 1,
                               "verbosity": 2, "monitor": "off", "early_stop": 0,
                               "tensorboard": True, "log_step": 10, "histograms": False,
                               "threads": "auto"}
    assert data["data_loader"]["args"] == {"dataset": {"type": "digits", "args": {}},
                                           "batch_size": 1, "shuffle": False,
                                           "validation_split": 0.0}
    assert load_config(tmp_path / "r.yaml") == cfg


def test_config_to_dict_is_plain_and_ordered(write_config):
    cfg = load_config(write_config())
    d = config_to_dict(cfg)
    assert list(d) == ["name", "seed", "device", "plugins", "arch", "data_loader", "loss",
                       "metrics", "optimizer", "lr_scheduler", "callbacks", "trainer"]
    assert d["loss"] == "cross_entropy" and d["metrics"] == ["accuracy"]
    assert validate_config(d) == cfg
    d["arch"]["args"]["hidden"].append(1)  # a copy: the config is unchanged
    assert cfg.arch.args["hidden"] == [128]
    assert yaml.safe_load(dump_config(cfg)) == config_to_dict(cfg)


def test_comments_cannot_break_out_of_their_line(tmp_path, write_config):
    cfg = load_config(write_config())
    save_resolved_config(cfg, tmp_path / "r.yaml", overrides=["--set name=x\nname: injected"])
    assert load_config(tmp_path / "r.yaml") == cfg


def test_save_into_missing_folder(tmp_path, write_config):
    with pytest.raises(FileNotFoundError):
        save_resolved_config(load_config(write_config()), tmp_path / "no" / "c.yaml")


def test_package_versions():
    versions = package_versions()
    assert set(versions) == {"python", "zeronn", "numpy", "pluggy", "pyyaml", "tensorboard",
                             "tqdm"}
    assert versions["numpy"] == np.__version__ and versions["pyyaml"] == yaml.__version__
    assert all(isinstance(v, str) and v for v in versions.values())
