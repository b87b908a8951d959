"""The optional ``distributed:`` config section."""
from pathlib import Path

import pytest

from framework.config import config_to_dict, load_yaml, validate_config
from framework.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]


def _raw(section):
    raw = load_yaml(REPO / "configs" / "default.yaml")
    if section is not None:
        raw["distributed"] = section
    return raw


def test_absent_by_default_and_left_out_of_the_resolved_config():
    cfg = validate_config(_raw(None))
    assert cfg.distributed is None
    assert "distributed" not in config_to_dict(cfg)


def test_defaults_and_round_trip():
    cfg = validate_config(_raw({}))
    assert (cfg.distributed.backend, cfg.distributed.sync_batchnorm) == ("auto", False)
    cfg = validate_config(_raw({"backend": "mpi", "sync_batchnorm": True}))
    d = config_to_dict(cfg)
    assert d["distributed"] == {"backend": "mpi", "sync_batchnorm": True}
    assert validate_config(d) == cfg


@pytest.mark.parametrize("section, message", [
    ({"backend": "gloo"}, "distributed.backend: expected one of auto, mpi, nccl, got 'gloo'"),
    ({"sync_bn": True}, "distributed.sync_bn: unknown key 'sync_bn'; did you mean "
                        "'sync_batchnorm'?"),
    ({"sync_batchnorm": "yes"}, "distributed.sync_batchnorm: expected true or false"),
    ("mpi", "distributed: expected a mapping like {backend: mpi, sync_batchnorm: false}"),
])
def test_bad_sections_name_the_key(section, message):
    with pytest.raises(ConfigError, match=message.replace("{", r"\{").replace("}", r"\}")):
        validate_config(_raw(section))
