"""One schema: validation, overrides, the resolved config and the README's key list all
come from the config dataclasses' field metadata."""
import re
from dataclasses import fields
from pathlib import Path

import pytest

from framework.config import apply_overrides, config_to_dict, validate_config
from framework.config.overrides import SCHEMA
from framework.config.schema import ExperimentConfig, TrainerConfig, keys_markdown
from framework.errors import ConfigError

README = Path(__file__).resolve().parents[2] / "README.md"


def _raw(**trainer):
    return {"name": "x", "arch": {"type": "mlp"},
            "data_loader": {"args": {"dataset": {"type": "digits"}}}, "loss": "mse",
            "optimizer": {"type": "SGD"}, "trainer": {"epochs": 1, **trainer}}


def test_readme_key_list_is_the_generated_one():
    text = README.read_text()
    found = re.search(r"<!-- config keys: [^>]*-->\n(.*?)\n<!-- end of config keys -->",
                      text, re.S)
    assert found, "README lost its generated config key list"
    assert found.group(1) == keys_markdown()  # regenerate with keys_markdown() when it fails


@pytest.mark.parametrize("f", [f for f in fields(TrainerConfig)
                               if f.metadata.get("kind", "value") == "value"],
                         ids=lambda f: f.name)
def test_every_trainer_key_is_checked_overridable_resolved_and_documented(f):
    # a mapping is a wrong value for every leaf key: its own check rejects it, by name
    with pytest.raises(ConfigError, match=rf"^trainer\.{f.name}: expected "):
        validate_config(_raw(**{f.name: {"bad": 1}}))
    assert f.name in SCHEMA["trainer"]
    default = TrainerConfig(epochs=1)
    value = getattr(default, f.name)
    cfg = validate_config(apply_overrides(_raw(), [f"trainer.{f.name}={value}"]))
    assert getattr(cfg.trainer, f.name) == value
    assert config_to_dict(cfg)["trainer"][f.name] == value
    assert f"| `trainer.{f.name}` |" in keys_markdown()


def test_every_top_level_key_is_in_every_derived_view():
    names = [f.name for f in fields(ExperimentConfig)]
    assert list(SCHEMA) == names
    # an optional section is written only when the config gives it
    assert list(config_to_dict(validate_config(_raw()))) == \
        [n for n in names if n != "distributed"]
    assert config_to_dict(validate_config(_raw()))["lr_scheduler"] is None  # written as null
    full = validate_config(dict(_raw(), distributed={"backend": "mpi"}))
    assert list(config_to_dict(full)) == names
    assert config_to_dict(full)["distributed"] == {"backend": "mpi", "sync_batchnorm": False}
    table = keys_markdown()
    assert all(f"| `{n}` |" in table for n in names)


def test_device_spelling_follows_the_backend():
    assert validate_config(dict(_raw(), device="GPU:1")).device == "gpu:1"
    with pytest.raises(ConfigError, match="device: expected 'cpu', 'gpu'"):
        validate_config(dict(_raw(), device="cpu:0"))
