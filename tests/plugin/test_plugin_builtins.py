"""Every built-in registry entry is built from its name, as a config would build it.

The built-ins are found the way the product finds them (the ``zeronn`` distribution's
entry points, read from the checkout's pyproject.toml); required constructor arguments
come from ``REQUIRED`` below, so a new built-in with a new required argument fails here
until a value is added.
"""
import ast
from pathlib import Path

import numpy as np
import pytest

from framework.plugin import load_plugins
from framework.plugin._discovery import builtin_sources

REPO = Path(__file__).resolve().parents[2]

# Values for required arguments (those without a default), by parameter name.
REQUIRED = {
    "in_features": 4, "out_features": 3, "num_classes": 3, "hidden": [8],
    "in_channels": 1, "out_channels": 2, "kernel_size": 3,
    "lr": 0.1, "step_size": 2, "milestones": [2, 4], "gamma": 0.5, "T_max": 10,
    "k": 3, "lr_lambda": "math:exp", "max_lr": 0.5, "T_0": 3,
    "schedulers": [{"type": "LinearLR", "args": {}}, {"type": "ExponentialLR",
                                                     "args": {"gamma": 0.9}},
                   {"type": "ConstantLR", "args": {}}],
}
# Entries whose defaults alone do not describe a complete run (PyTorch's signature has
# "total_steps OR epochs and steps_per_epoch").
EXTRA = {("lr_schedulers", "OneCycleLR"): {"total_steps": 10}}


def _load_builtins():
    return load_plugins(entry_points=False)


def _collect():
    """(kind, name) of every built-in entry, for parametrization."""
    manager = _load_builtins()
    return [(kind, name) for kind, reg in manager.registries.items() for name in reg]


@pytest.fixture(scope="module")
def builtins():
    return _load_builtins()


@pytest.mark.parametrize("source", builtin_sources()[0], ids=lambda s: s.name)
def test_builtin_plugin_loads_without_failure(builtins, source):
    failures = [f.message for f in builtins.failures if f.name == source.name]
    assert failures == []
    info = builtins.plugins[source.name]
    assert (info.package, info.source) == ("zeronn", "builtin")
    assert info.registered, f"{source.name} registers nothing"
    for kind, names in info.registered.items():
        for name in names:
            entry = builtins.registries[kind].get(name)
            assert entry.owner == info.owner
            assert entry.description, f"{kind} {name!r} of {source.name} has no description"


def _required_args(entry, leading=0, given=()):
    import inspect
    params = list(inspect.signature(entry.factory).parameters.values())[leading:]
    args = {}
    for p in params:
        if p.default is inspect.Parameter.empty and p.kind in (
                p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in given:
            assert p.name in REQUIRED, (
                f"{entry.kind} {entry.name!r} requires {p.name!r}: add a value for it to "
                f"REQUIRED in {Path(__file__).name}")
            args[p.name] = REQUIRED[p.name]
    return args


def _parameters():
    from framework import nn
    return [nn.Parameter(np.ones((3, 2), dtype=np.float32))]


def _build(manager, kind, name, request):
    registry = manager.registries[kind]
    entry = registry.get(name)
    if kind == "datasets":
        kwargs = {"train": True}
        if "data_dir" in __import__("inspect").signature(entry.factory).parameters:
            # data sets read from a folder use the reference data (skipped where absent);
            # a DataError with the data present is a failure
            kwargs["data_dir"] = str(request.getfixturevalue("shared_data"))
        kwargs.update(_required_args(entry, given=kwargs))
        built = [registry.build(name, **dict(kwargs, train=t)) for t in (True, False)]
        for dataset in built:
            assert len(dataset) > 0
            assert isinstance(dataset[0], tuple) and len(dataset[0]) == 2
        return built[0]
    if kind == "data_loaders":
        from framework.data import TensorDataset
        data = TensorDataset(np.arange(20, dtype=np.float32).reshape(10, 2), np.arange(10))
        kwargs = dict(_required_args(entry, leading=1), batch_size=4)
        loader = registry.build(name, data, **kwargs)
        x, t = next(iter(loader))
        assert np.asarray(x).shape == (4, 2) and np.asarray(t).shape == (4,)
        return loader
    if kind == "optimizers":
        return registry.build(name, _parameters(), **_required_args(entry, leading=1))
    if kind == "lr_schedulers":
        optimizer = manager.build("optimizers", "SGD", _parameters(), lr=0.1)
        return registry.build(name, optimizer, **_required_args(entry, leading=1),
                              **EXTRA.get((kind, name), {}))
    if kind == "trainers":
        return _build_trainer(manager, name)
    return registry.build(name, **_required_args(entry))


def _build_trainer(manager, name):
    import logging

    from framework.config import validate_config
    from framework.trainer import Trainer
    from framework.trainer.builder import build_experiment
    from framework.trainer.factory import build_trainer

    cfg = validate_config({
        "name": "t", "arch": {"type": "mlp", "args": {"in_features": 64, "hidden": [8],
                                                    "out_features": 10}},
        "data_loader": {"args": {"dataset": {"type": "digits"}, "batch_size": 64}},
        "loss": "cross_entropy", "optimizer": {"type": "SGD", "args": {"lr": 0.1}},
        "trainer": {"type": name, "epochs": 1, "tensorboard": False}})
    exp = build_experiment(cfg, manager.registries)
    trainer = build_trainer(cfg, manager.registries, exp, logger=logging.getLogger("t"),
                            writer=None, show_progress=False)
    assert isinstance(trainer, Trainer)
    return trainer


@pytest.mark.parametrize("kind, name", _collect())
def test_every_builtin_entry_builds_from_its_name(builtins, kind, name, request):
    built = _build(builtins, kind, name, request)
    assert built is not None
    if kind == "models":
        from framework import nn
        assert isinstance(built, nn.Module)
        assert list(built.parameters()), f"model {name!r} has no parameters"
    if kind in ("losses", "metrics"):
        assert callable(built)
    if kind == "callbacks":
        from framework.trainer import Callback
        assert isinstance(built, Callback)


def test_framework_never_imports_plugins():
    offenders = []
    for path in sorted((REPO / "framework").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(REPO)}:{node.lineno} imports {n}"
                          for n in names if n == "plugins" or n.startswith("plugins.")]
    assert offenders == []
