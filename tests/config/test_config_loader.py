"""framework.config.loader: safe_load semantics, exponent floats, duplicate keys, lines."""
import os

import pytest
import yaml

from framework.config import ConfigLoader, RawConfig, load_yaml, parse_value
from framework.errors import ConfigError


@pytest.mark.parametrize("text, expected", [
    ("1e-3", 1e-3), ("5e-4", 5e-4), ("1E5", 1e5), ("-2e+2", -200.0), ("+3e0", 3.0),
    ("1.0e3", 1000.0), ("1.5E-2", 0.015), (".5e1", 5.0), ("1_000e1", 10000.0),
    ("0.001", 0.001), ("1.0e+3", 1000.0), (".inf", float("inf")),
])
def test_exponent_floats(text, expected):
    value = parse_value(text)
    assert isinstance(value, float) and value == expected


def test_plain_safe_load_would_read_them_as_strings():
    # the reason ConfigLoader exists; if PyYAML changes this, the repair is harmless
    assert yaml.safe_load("lr: 1e-3") == {"lr": "1e-3"}
    assert yaml.load("lr: 1e-3", Loader=ConfigLoader) == {"lr": 0.001}


@pytest.mark.parametrize("text, expected", [
    ("3", 3), ("-7", -7), ("0x1f", 31), ("true", True), ("off", False), ("null", None),
    ("", None), ("e5", "e5"), ("1e", "1e"), ("1e-3x", "1e-3x"), ("1.2.3", "1.2.3"),
    ("min val_loss", "min val_loss"), ("[64, 32]", [64, 32]), ("{a: 1e-2}", {"a": 0.01}),
    ("'1e-3'", "1e-3"), ("2024-01-01", __import__("datetime").date(2024, 1, 1)),
])
def test_everything_else_is_safe_load(text, expected):
    assert parse_value(text) == expected
    assert type(parse_value(text)) is type(expected)


def test_safe_loader_refuses_python_tags():
    with pytest.raises(ConfigError, match="invalid YAML"):
        parse_value("!!python/object/apply:os.system ['echo hi']")


def test_base_safe_loader_is_not_modified():
    assert yaml.load("x: 1e-3", Loader=yaml.SafeLoader) == {"x": "1e-3"}


def test_load_yaml_records_lines(write_config):
    path = write_config()
    raw = load_yaml(path)
    assert isinstance(raw, RawConfig) and raw.source == str(path)
    assert raw["optimizer"]["args"]["lr"] == 0.001
    assert raw.where(("name",)) == f"{path}, line 1"
    assert raw.where(("trainer", "epochs")) == f"{path}, line 20"
    assert raw.where(("data_loader", "args", "batch_size")) == f"{path}, line 12"
    assert raw.where(("metrics", 0)) == f"{path}, line 16"
    # unknown paths fall back to the nearest parent, then the file
    assert raw.where(("trainer", "nope", "deeper")) == f"{path}, line 19"
    assert raw.where(("absent",)) == str(path)


def test_duplicate_key_names_both_lines(write_config):
    path = write_config("""\
        name: a
        trainer:
          epochs: 3
          save_dir: x
          epochs: 4
        """)
    with pytest.raises(ConfigError) as info:
        load_yaml(path)
    msg = str(info.value)
    assert str(path) in msg and "line 5" in msg and "line 3" in msg
    assert "duplicate key 'epochs'" in msg


def test_duplicate_top_level_and_flow_keys(write_config):
    with pytest.raises(ConfigError, match="duplicate key 'name'"):
        load_yaml(write_config("name: a\nname: b\n"))
    with pytest.raises(ConfigError, match="duplicate key 'lr'"):
        load_yaml(write_config("optimizer: {type: SGD, args: {lr: 1, lr: 2}}\n"))


def test_merge_keys_may_be_overridden(write_config):
    raw = load_yaml(write_config("""\
        base: &b {epochs: 3, save_dir: x}
        trainer:
          <<: *b
          epochs: 5
        """))
    assert raw["trainer"] == {"epochs": 5, "save_dir": "x"}


def test_syntax_error_gives_line_and_column(write_config):
    path = write_config("name: a\ntrainer:\n  epochs: [1, 2\n  x: 1\n")
    with pytest.raises(ConfigError) as info:
        load_yaml(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}, line ") and "column" in msg and "invalid YAML" in msg


def test_tab_indentation_error(write_config):
    with pytest.raises(ConfigError, match=r"line 2, column 1: invalid YAML"):
        load_yaml(write_config("trainer:\n\tepochs: 3\n"))


def test_missing_file_suggests_close_name(tmp_path, write_config):
    write_config(name="default.yaml")
    with pytest.raises(ConfigError) as info:
        load_yaml(tmp_path / "defualt.yaml")
    msg = str(info.value)
    assert "not found" in msg and "defualt.yaml" in msg
    assert os.path.join(str(tmp_path), "default.yaml") in msg


def test_missing_file_in_missing_folder(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_yaml(tmp_path / "no" / "c.yaml")


def test_folder(tmp_path):
    with pytest.raises(ConfigError, match="is a folder"):
        load_yaml(tmp_path)


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n", "---\n"])
def test_empty_file(write_config, text):
    path = write_config(text)
    with pytest.raises(ConfigError, match="empty") as info:
        load_yaml(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("text, kind", [("- a\n- b\n", "list"), ("just text\n", "str"),
                                        ("42\n", "int")])
def test_top_level_must_be_a_mapping(write_config, text, kind):
    with pytest.raises(ConfigError, match=f"must be a mapping.*got a {kind}"):
        load_yaml(write_config(text))


def test_not_utf8(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(ConfigError, match="UTF-8"):
        load_yaml(path)


def test_raw_config_copy_is_deep(write_config):
    raw = load_yaml(write_config())
    clone = raw.copy()
    clone["trainer"]["epochs"] = 1
    assert raw["trainer"]["epochs"] == 20 and clone.locations == raw.locations
