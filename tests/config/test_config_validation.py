"""framework.config validation: API.md's example, defaults, and every kind of mistake."""
import re

import pytest
import yaml

from framework.config import (ComponentConfig, DataLoaderArgs, ExperimentConfig,
                              SchedulerConfig, TrainerConfig, load_config, validate_config)
from framework.config.schema import field_names
from framework.errors import ConfigError

MINIMAL = """\
name: tiny
arch: {type: mlp}
data_loader: {args: {dataset: {type: digits}}}
loss: mse
optimizer: {type: SGD, args: {lr: 0.1}}
trainer: {epochs: 2}
"""


def test_api_example_loads_exactly(write_config):
    cfg = load_config(write_config())
    assert cfg == ExperimentConfig(
        name="digits_mlp", seed=0, device="cpu", plugins=[],
        arch=ComponentConfig(type="mlp", args={"in_features": 64, "hidden": [128],
                                               "out_features": 10}),
        data_loader=cfg.data_loader.__class__(
            type="DataLoader",
            args=DataLoaderArgs(dataset=ComponentConfig(type="digits", args={}),
                                batch_size=64, shuffle=True, validation_split=0.1)),
        loss=ComponentConfig(type="cross_entropy"),
        metrics=[ComponentConfig(type="accuracy")],
        optimizer=ComponentConfig(type="Adam", args={"lr": 0.001}),
        lr_scheduler=SchedulerConfig(type="StepLR", args={"step_size": 10, "gamma": 0.5}),
        trainer=TrainerConfig(epochs=20, save_dir="saved/", save_period=1, verbosity=2,
                              monitor="min val_loss", early_stop=10, tensorboard=True,
                              log_step=10, histograms=False))
    assert cfg.trainer.monitor_mode == "min" and cfg.trainer.monitor_metric == "val_loss"
    assert cfg.data_loader.args.factory_kwargs() == {"batch_size": 64, "shuffle": True}


def test_defaults(write_config):
    cfg = load_config(write_config(MINIMAL))
    assert (cfg.seed, cfg.device, cfg.plugins, cfg.metrics, cfg.lr_scheduler) == \
        (0, "cpu", [], [], None)
    assert cfg.data_loader.type == "DataLoader"
    assert cfg.data_loader.args == DataLoaderArgs(dataset=ComponentConfig(type="digits"))
    assert cfg.trainer == TrainerConfig(epochs=2)
    assert (cfg.trainer.save_dir, cfg.trainer.monitor, cfg.trainer.early_stop,
            cfg.trainer.log_step, cfg.trainer.histograms, cfg.trainer.tensorboard) == \
        ("saved/", "off", 0, 10, False, True)
    assert cfg.trainer.monitor_mode == "off" and cfg.trainer.monitor_metric is None


def _raw(**changes):
    raw = yaml.safe_load(MINIMAL)
    for dotted_key, value in changes.items():
        *parents, last = dotted_key.split("__")
        node = raw
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value
    return raw


def _error(**changes):
    with pytest.raises(ConfigError) as info:
        validate_config(_raw(**changes))
    return str(info.value)


@pytest.mark.parametrize("key, value, expected", [
    ("trainer__epochs", "ten", "trainer.epochs: expected a positive integer, got 'ten' (str)"),
    ("trainer__epochs", 0, "trainer.epochs: expected a positive integer, got 0 (int)"),
    ("trainer__epochs", True, "trainer.epochs: expected a positive integer, got True (bool)"),
    ("trainer__epochs", 2.0, "got 2.0 (float)"),
    ("trainer__save_period", 0, "trainer.save_period: expected a positive integer"),
    ("trainer__verbosity", 3, "trainer.verbosity: expected 0, 1 or 2, got 3 (int)"),
    ("trainer__verbosity", False, "got False (bool)"),
    ("trainer__monitor", "minimize loss", "trainer.monitor: expected 'off', 'min <metric>'"),
    ("trainer__monitor", "min", "trainer.monitor"),
    ("trainer__early_stop", -1, "trainer.early_stop: expected an integer >= 0"),
    ("trainer__tensorboard", "yes please", "trainer.tensorboard: expected true or false"),
    ("trainer__tensorboard", 1, "got 1 (int)"),
    ("trainer__log_step", 0, "trainer.log_step: expected a positive integer"),
    ("trainer__histograms", "no", "trainer.histograms: expected true or false"),
    ("trainer__save_dir", "", "trainer.save_dir: expected a folder path"),
    ("data_loader__args__batch_size", 0, "data_loader.args.batch_size: expected a positive"),
    ("data_loader__args__batch_size", -5, "got -5 (int)"),
    ("data_loader__args__batch_size", 8.0, "got 8.0 (float)"),
    ("data_loader__args__shuffle", "true", "data_loader.args.shuffle: expected true or false"),
    ("data_loader__args__validation_split", 1.0, "validation_split: expected a fraction in "
                                                 "[0, 1) or a sample count >= 0, got 1.0"),
    ("data_loader__args__validation_split", -0.1, "got -0.1 (float)"),
    ("data_loader__args__validation_split", -3, "got -3 (int)"),
    ("data_loader__args__validation_split", True, "got True (bool)"),
    ("data_loader__args__dataset", "digits", "data_loader.args.dataset: expected a mapping"),
    ("optimizer__args__lr", -0.1, "optimizer.args.lr: expected a positive number, got -0.1"),
    ("optimizer__args__lr", 0, "optimizer.args.lr: expected a positive number, got 0 (int)"),
    ("optimizer__args__lr", "fast", "got 'fast' (str)"),
    ("optimizer__args__lr", True, "got True (bool)"),
    ("optimizer__args__weight_decay", -1e-4, "optimizer.args.weight_decay: expected a number"),
    ("optimizer__type", 3, "optimizer.type: expected a registered name"),
    ("optimizer__args", [1], "optimizer.args: expected a mapping"),
    ("seed", -1, "seed: expected an integer in [0, 2**32)"),
    ("seed", 2 ** 32, "seed: expected an integer"),
    ("seed", "0", "got '0' (str)"),
    ("device", "tpu", "device: expected 'cpu', 'gpu', 'gpu:N', 'cuda' or 'cuda:N', got 'tpu'"),
    ("device", "cpu:0", "device"),
    ("device", "gpu:x", "device"),
    ("plugins", "my_models", "plugins: expected a list of module names, got 'my_models' (str);"
                             " write [my_models]"),
    ("plugins", ["ok.mod", "not a module"], "plugins[1]: expected an importable module name"),
    ("metrics", "accuracy", "metrics: expected a list of metric names"),
    ("metrics", [{"type": "top_k", "arg": {}}], "metrics[0].arg: unknown key 'arg'; did you "
                                               "mean 'args'?"),
    ("metrics", [5], "metrics[0]: expected a mapping"),
    ("loss", {"args": {}}, "loss: missing required key 'type'"),
    ("loss", "", "loss: expected a registered name"),
    ("arch", "mlp", "arch: expected a mapping like {type: <registered name>, args: {...}}, got "
                    "'mlp' (str); write {type: mlp}"),
    ("arch__args", {1: 2}, "arch.args[1]: argument names must be strings"),
    ("lr_scheduler", "StepLR", "lr_scheduler: expected a mapping"),
    ("name", "my run", "name: 'my run' is not a safe folder name"),
    ("name", "../x", "not a safe folder name"),
    ("name", 12, "name: expected a folder name (a string), got 12 (int)"),
    ("trainer", [1], "trainer: expected a mapping"),
])
def test_bad_values(key, value, expected):
    assert expected in _error(**{key: value})


@pytest.mark.parametrize("key, typo, suggestion, where", [
    ("trainer__epoch", 3, "epochs", "trainer.epoch"),
    ("trainer__monitr", "off", "monitor", "trainer.monitr"),
    ("optimiser", {}, "optimizer", "optimiser"),
    ("lr_schedular", None, "lr_scheduler", "lr_schedular"),
    ("arch__arg", {}, "args", "arch.arg"),
    ("data_loader__tpye", "X", "type", "data_loader.tpye"),
])
def test_unknown_keys_suggest_closest(key, typo, suggestion, where):
    msg = _error(**{key: typo})
    assert f"{where}: unknown key" in msg and f"did you mean {suggestion!r}?" in msg
    assert "valid keys:" in msg


def test_unknown_key_without_close_match():
    msg = _error(zzzzzz=1)
    assert "unknown key 'zzzzzz' (valid keys: name, seed" in msg and "did you mean" not in msg


@pytest.mark.parametrize("missing", ["name", "arch", "data_loader", "loss", "optimizer",
                                     "trainer"])
def test_missing_required_sections(missing):
    raw = _raw()
    del raw[missing]
    with pytest.raises(ConfigError, match=f"missing required key '{missing}'"):
        validate_config(raw)


def test_missing_nested_required_keys():
    raw = _raw()
    del raw["trainer"]["epochs"]
    with pytest.raises(ConfigError, match="trainer: missing required key 'epochs'"):
        validate_config(raw)
    raw = _raw(data_loader={"args": {"batch_size": 3}})
    with pytest.raises(ConfigError, match="data_loader.args: missing required key 'dataset'"):
        validate_config(raw)
    with pytest.raises(ConfigError, match="data_loader: missing required key 'args'"):
        validate_config(_raw(data_loader={"type": "DataLoader"}))


def test_errors_name_file_and_line(write_config, example_text):
    path = write_config(example_text.replace("epochs: 20", "epochs: ten"))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value) == (f"{path}, line 20: trainer.epochs: expected a positive "
                               f"integer, got 'ten' (str)")
    path = write_config(example_text.replace("  save_period: 1", "  save_perod: 1"))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}, line 22: trainer.save_perod: unknown key "
                                      f"'save_perod'; did you mean 'save_period'?")


def test_accepted_variants():
    cfg = validate_config(_raw(
        optimizer={"type": "SGD", "args": {"lr": 1, "weight_decay": 0, "momentum": 0.9}},
        loss={"type": "mse", "args": None},
        metrics=["accuracy", {"type": "top_k", "args": {"k": 3}}],
        lr_scheduler=None, device="gpu:1", plugins=None, seed=2 ** 32 - 1,
        data_loader={"type": "MyLoader", "args": {"dataset": {"type": "d", "args": {"n": 1}},
                                                  "validation_split": 100, "drop_last": True,
                                                  "seed": 3}},
        trainer={"epochs": 1, "early_stop": None, "monitor": False, "verbosity": 0}))
    assert cfg.optimizer.args == {"lr": 1, "weight_decay": 0, "momentum": 0.9}  # int lr is ok
    assert cfg.loss == ComponentConfig(type="mse", args={})
    assert cfg.metrics == [ComponentConfig(type="accuracy"),
                           ComponentConfig(type="top_k", args={"k": 3})]
    assert cfg.device == "gpu:1" and cfg.plugins == [] and cfg.seed == 2 ** 32 - 1
    assert cfg.data_loader.type == "MyLoader"
    assert cfg.data_loader.args.validation_split == 100  # a count stays an int
    assert isinstance(cfg.data_loader.args.validation_split, int)
    assert cfg.data_loader.args.extra == {"drop_last": True, "seed": 3}
    assert cfg.data_loader.args.factory_kwargs() == {"batch_size": 1, "shuffle": False,
                                                     "drop_last": True, "seed": 3}
    assert cfg.trainer.early_stop == 0 and cfg.trainer.monitor == "off"  # YAML `off` = False


# ids spelled out: a bare "gpu" id would read as the gpu marker's keyword
@pytest.mark.parametrize("device", ["cpu", "gpu", "gpu:0", "cuda", "cuda:3"],
                         ids=lambda d: f"device-{d}")
def test_devices(device):
    assert validate_config(_raw(device=device)).device == device


@pytest.mark.parametrize("monitor, expected", [("max val_accuracy", "max val_accuracy"),
                                               ("  min   loss ", "min loss"), ("off", "off"),
                                               ("OFF", "off")])
def test_monitor_forms(monitor, expected):
    assert validate_config(_raw(trainer={"epochs": 1, "monitor": monitor})).trainer.monitor \
        == expected


def test_yaml_exponent_lr_is_a_float(write_config):
    cfg = load_config(write_config(MINIMAL.replace("lr: 0.1", "lr: 5e-4")))
    assert cfg.optimizer.args["lr"] == 5e-4


def test_args_are_free_form():
    cfg = validate_config(_raw(arch={"type": "m", "args": {"anything": {"nested": [1]},
                                                           "x": None}}))
    assert cfg.arch.args == {"anything": {"nested": [1]}, "x": None}


def test_schema_field_order_matches_api_example(example_text):
    top_keys = [line.split(":")[0] for line in example_text.splitlines()
                if re.match(r"[a-z_]+:", line)]
    # API.md's example leaves out `callbacks:` and `distributed:` (their own sections
    # show them)
    assert top_keys == [k for k in field_names(ExperimentConfig)
                        if k not in ("callbacks", "distributed")]
