"""Fixtures for the trainer tests (the helpers live in trainer_helpers.py)."""
import pytest
import yaml

from trainer_helpers import small_config


@pytest.fixture
def write_config(tmp_path):
    """``write_config(**changes) -> path`` of a small config saving under tmp_path/saved."""
    def write(name="config.yaml", **changes):
        path = tmp_path / name
        path.write_text(yaml.safe_dump(small_config(tmp_path / "saved", **changes)))
        return path
    return write

