"""framework.config.overrides: --set key=value and the --lr/--bs/--epochs shortcuts."""
import pytest

from framework.config import apply_overrides, load_config, load_yaml, validate_config
from framework.config.overrides import SCHEMA
from framework.config.schema import ExperimentConfig, field_names
from framework.errors import ConfigError


@pytest.fixture
def raw(write_config):
    return load_yaml(write_config())


def test_set_values_are_parsed_as_yaml(raw):
    out = apply_overrides(raw, ["trainer.epochs=3", "optimizer.args.lr=1e-3",
                                "data_loader.args.shuffle=false", "arch.args.hidden=[64, 32]",
                                "trainer.monitor=max val_accuracy", "name=digits_small"])
    assert out["trainer"]["epochs"] == 3
    assert out["optimizer"]["args"]["lr"] == 0.001 and isinstance(
        out["optimizer"]["args"]["lr"], float)
    assert out["data_loader"]["args"]["shuffle"] is False
    assert out["arch"]["args"]["hidden"] == [64, 32]
    assert out["trainer"]["monitor"] == "max val_accuracy"
    cfg = validate_config(out)
    assert cfg.name == "digits_small" and cfg.trainer.epochs == 3


def test_input_is_not_modified(raw):
    apply_overrides(raw, ["trainer.epochs=3", "arch.args.hidden=[1]"], lr=0.5)
    assert raw["trainer"]["epochs"] == 20 and raw["arch"]["args"]["hidden"] == [128]
    assert raw["optimizer"]["args"]["lr"] == 0.001


def test_shortcuts(raw):
    out = apply_overrides(raw, lr=0.01, bs=32, epochs=5)
    assert out["optimizer"]["args"]["lr"] == 0.01
    assert out["data_loader"]["args"]["batch_size"] == 32
    assert out["trainer"]["epochs"] == 5
    out = apply_overrides(raw, lr="1e-4", bs="16")  # strings from argv are parsed too
    assert out["optimizer"]["args"]["lr"] == 1e-4 and out["data_loader"]["args"]["batch_size"] == 16


def test_shortcuts_win_over_set(raw):
    out = apply_overrides(raw, ["trainer.epochs=3"], epochs=4)
    assert out["trainer"]["epochs"] == 4


def test_new_keys_under_args_are_allowed(raw):
    out = apply_overrides(raw, ["optimizer.args.weight_decay=5e-4", "arch.args.dropout=0.2",
                                "data_loader.args.drop_last=true",
                                "data_loader.args.dataset.args.root=data/x",
                                "lr_scheduler.args.new.deep.key=1"])
    assert out["optimizer"]["args"]["weight_decay"] == 5e-4
    assert out["arch"]["args"]["dropout"] == 0.2
    assert out["data_loader"]["args"]["drop_last"] is True
    assert out["data_loader"]["args"]["dataset"]["args"]["root"] == "data/x"
    assert out["lr_scheduler"]["args"]["new"] == {"deep": {"key": 1}}
    cfg = validate_config(out)
    assert cfg.data_loader.args.extra == {"drop_last": True}


def test_missing_sections_are_created(write_config):
    raw = load_yaml(write_config("""\
        name: x
        arch: {type: mlp}
        data_loader: {args: {dataset: {type: digits}}}
        loss: mse
        optimizer: {type: SGD}
        lr_scheduler: null
        trainer: {epochs: 1}
        """))
    out = apply_overrides(raw, ["lr_scheduler.type=StepLR", "lr_scheduler.args.step_size=2",
                                "optimizer.args.lr=0.1"])
    assert out["lr_scheduler"] == {"type": "StepLR", "args": {"step_size": 2}}
    assert out["optimizer"]["args"] == {"lr": 0.1}


def test_a_loss_name_expands_to_a_component(raw):
    out = apply_overrides(raw, ["loss.args.label_smoothing=0.1"])
    assert out["loss"] == {"type": "cross_entropy", "args": {"label_smoothing": 0.1}}
    assert validate_config(out).loss.args == {"label_smoothing": 0.1}


def test_list_items_by_index(raw):
    out = apply_overrides(raw, ["metrics.0=top_k", "plugins=[my.mod]"])
    assert out["metrics"] == ["top_k"] and out["plugins"] == ["my.mod"]
    out = apply_overrides(raw, ["metrics.0.args.k=3"])
    assert out["metrics"] == [{"type": "accuracy", "args": {"k": 3}}]
    with pytest.raises(ConfigError, match=r"metrics has 1 item\(s\), no item '4'"):
        apply_overrides(raw, ["metrics.4=x"])
    with pytest.raises(ConfigError, match="metrics is a list; expected an item index"):
        apply_overrides(raw, ["metrics.first=x"])


def test_replace_and_clear_sections(raw):
    out = apply_overrides(raw, ["lr_scheduler=null", "optimizer={type: SGD, args: {lr: 1}}"])
    cfg = validate_config(out)
    assert cfg.lr_scheduler is None and cfg.optimizer.type == "SGD"
    assert validate_config(apply_overrides(raw, ["lr_scheduler="])).lr_scheduler is None


@pytest.mark.parametrize("item, words", [
    ("trainer.epoch=3", ["--set trainer.epoch=3", "unknown key 'epoch' in trainer",
                         "did you mean 'epochs'?"]),
    ("optimiser.args.lr=1", ["unknown key 'optimiser'", "did you mean 'optimizer'?"]),
    ("arch.arg.x=1", ["unknown key 'arg' in arch", "did you mean 'args'?"]),
    ("trainer.epochs.x=1", ["trainer.epochs is a single value; it has no key 'x'"]),
    ("trainer.epochs", ["--set expects key=value", "'trainer.epochs'"]),
    ("trainer..epochs=1", ["invalid key 'trainer..epochs'"]),
    ("=3", ["invalid key ''"]),
    ("trainer.epochs=[1, 2", ["--set trainer.epochs=[1, 2", "invalid YAML"]),
    ("name.x=1", ["name is a single value"]),
])
def test_bad_overrides(raw, item, words):
    with pytest.raises(ConfigError) as info:
        apply_overrides(raw, [item])
    assert all(w in str(info.value) for w in words), str(info.value)


def test_path_through_a_scalar_is_an_error(write_config):
    raw = load_yaml(write_config("name: x\narch: 5\n"))
    with pytest.raises(ConfigError, match=r"cannot set arch.args.x: arch is 5 \(int\), not a "
                                          r"mapping"):
        apply_overrides(raw, ["arch.args.x=1"])


def test_validation_errors_name_the_override(write_config):
    with pytest.raises(ConfigError) as info:
        load_config(write_config(), ["trainer.epochs=ten"])
    assert str(info.value) == ("--set trainer.epochs=ten: trainer.epochs: expected a positive "
                               "integer, got 'ten' (str)")
    with pytest.raises(ConfigError, match=r"^--bs 0: data_loader.args.batch_size: expected a "
                                          r"positive integer"):
        load_config(write_config(), bs=0)
    with pytest.raises(ConfigError, match=r"^--lr -1: optimizer.args.lr: expected a positive"):
        load_config(write_config(), lr=-1)
    # a whole section replaced by --set: errors inside it point at the override
    with pytest.raises(ConfigError, match=r"^--set trainer=\{epochs: 0\}: trainer.epochs"):
        load_config(write_config(), ["trainer={epochs: 0}"])


def test_untouched_keys_keep_their_lines(write_config, example_text):
    path = write_config(example_text.replace("save_period: 1", "save_period: 0"))
    with pytest.raises(ConfigError, match=rf"^{path}, line 22: trainer.save_period"):
        load_config(path, ["trainer.epochs=3"])


def test_a_single_string_is_one_override(raw):
    assert apply_overrides(raw, "trainer.epochs=2")["trainer"]["epochs"] == 2


def test_plain_dict_input():
    out = apply_overrides({"trainer": {"epochs": 1}}, ["trainer.epochs=2"])
    assert out == {"trainer": {"epochs": 2}} and out.where(("trainer", "epochs")) == \
        "--set trainer.epochs=2"


def test_schema_covers_every_config_key():
    assert list(SCHEMA) == field_names(ExperimentConfig)
