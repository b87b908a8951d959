"""Shared fixtures for the config tests: API.md's example config, written to tmp_path."""
import textwrap

import pytest

# API.md's "Experiment config" example, verbatim (line numbers matter to the tests).
EXAMPLE = textwrap.dedent("""\
    name: digits_mlp              # runs go to saved/models/<name>/<run_id>/
    seed: 0
    device: cpu                   # cpu | gpu | gpu:N
    plugins: []                   # extra local plugin modules to load
    arch:                         # the model: a registered model name and its args
      type: mlp
      args: {in_features: 64, hidden: [128], out_features: 10}
    data_loader:
      type: DataLoader            # a registered data loader
      args:
        dataset: {type: digits, args: {}}   # a registered dataset
        batch_size: 64
        shuffle: true
        validation_split: 0.1     # fraction or a count
    loss: cross_entropy           # a name, or {type: name, args: {...}}
    metrics: [accuracy]
    optimizer: {type: Adam, args: {lr: 0.001}}
    lr_scheduler: {type: StepLR, args: {step_size: 10, gamma: 0.5}}   # optional
    trainer:
      epochs: 20
      save_dir: saved/
      save_period: 1
      verbosity: 2
      monitor: min val_loss       # "min|max <metric>", or off
      early_stop: 10
      tensorboard: true
    """)


@pytest.fixture
def write_config(tmp_path):
    """Write YAML text (default: the example) to tmp_path/config.yaml; return the path."""
    def write(text=EXAMPLE, name="config.yaml"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path
    return write


@pytest.fixture
def example_text():
    return EXAMPLE
