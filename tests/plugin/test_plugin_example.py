"""The example plugin package, found through its entry point, trains through the registries.

The package is made discoverable the way pip would: a dist-info directory holding its
``entry_points.txt`` (generated from its own pyproject.toml) on ``sys.path`` next to its
sources; a slower test really installs it with ``pip --target``, offline.
"""
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import framework
from framework.errors import RegistryError
from framework.plugin import load_plugins

import tomllib

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "zeronn-plugin-example"
PLUGIN = "zeronn-plugin-example"


def _project():
    with open(EXAMPLE / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)["project"]


@pytest.fixture
def forget_example():
    """Drop the example's modules from sys.modules after the test."""
    yield
    for name in [n for n in sys.modules if n.split(".")[0] == "zeronn_plugin_example"]:
        del sys.modules[name]


@pytest.fixture
def example_installed(tmp_path, monkeypatch, forget_example):
    """The example on sys.path with a dist-info as pip would write it."""
    project = _project()
    site = tmp_path / "site"
    info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\n"
                                   f"Version: {project['version']}\n")
    table = project["entry-points"]["zeronn"]
    (info / "entry_points.txt").write_text(
        "[zeronn]\n" + "".join(f"{k} = {v}\n" for k, v in table.items()))
    monkeypatch.syspath_prepend(str(EXAMPLE / "src"))
    monkeypatch.syspath_prepend(str(site))
    return project


def test_example_declares_one_entry_point_in_group_zeronn():
    project = _project()
    assert project["entry-points"]["zeronn"] == {PLUGIN: "zeronn_plugin_example.plugin"}
    assert project["name"] == PLUGIN


def test_example_is_found_through_its_entry_point(example_installed):
    manager = load_plugins(builtins=[])
    assert not [f for f in manager.failures if f.name == PLUGIN], manager.failures
    info = manager.plugins[PLUGIN]
    assert (info.package, info.version, info.source) == (PLUGIN, "0.1.0", "entry point")
    assert info.registered == {"datasets": ["example_blobs"], "models": ["example_mlp"],
                               "losses": ["example_smooth_ce"],
                               "callbacks": ["example_gradient_noise"],
                               "trainers": ["example_l1"]}
    for kind, name in [("models", "example_mlp"), ("datasets", "example_blobs"),
                       ("losses", "example_smooth_ce"), ("callbacks", "example_gradient_noise"),
                       ("trainers", "example_l1")]:
        entry = manager.registries[kind].get(name)
        assert (entry.owner.plugin, entry.owner.package) == (PLUGIN, PLUGIN)
        assert entry.description


def test_example_trains_through_the_registries(example_installed):
    from framework import optim
    from framework.data import DataLoader

    manager = load_plugins(builtins=[])
    train = manager.build("datasets", "example_blobs", train=True, n_samples=300, seed=1)
    test = manager.build("datasets", "example_blobs", train=False, n_samples=200, seed=1)
    model = manager.build("models", "example_mlp", in_features=2, hidden=16, out_features=3)
    loss_fn = manager.build("losses", "example_smooth_ce", smoothing=0.1)
    assert isinstance(model, framework.nn.Module)
    optimizer = optim.Adam(model.parameters(), lr=0.05)
    loader = DataLoader(train, batch_size=32, shuffle=True, seed=0)

    x_train, t_train = train.arrays
    with framework.no_grad():
        initial = float(loss_fn(model(x_train), t_train).data)
    epoch_losses = []
    for _ in range(15):
        losses = []
        for x, t in loader:
            loss = loss_fn(model(x), t)
            model.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(float(loss.data))
        epoch_losses.append(np.mean(losses))
    x_test, t_test = test.arrays
    with framework.no_grad():
        predicted = np.asarray(model(x_test).data).argmax(axis=1)
    accuracy = float((predicted == t_test).mean())
    # With smoothing 0.1 over 3 classes the loss cannot go below the entropy of the
    # smoothed targets, about 0.29; an untrained model starts near ln 3 = 1.1.
    floor = -(0.9 + 0.1 / 3) * np.log(0.9 + 0.1 / 3) - 2 * (0.1 / 3) * np.log(0.1 / 3)
    assert initial > 0.8, initial
    assert epoch_losses[-1] < floor + 0.1, (floor, epoch_losses)
    assert epoch_losses[-1] < epoch_losses[0], epoch_losses
    assert accuracy > 0.9, accuracy


def _example_config(tmp_path, **trainer):
    import yaml
    cfg = yaml.safe_load((EXAMPLE / "configs" / "blobs.yaml").read_text())
    cfg["trainer"].update(save_dir=str(tmp_path / "saved"), **trainer)
    path = tmp_path / "blobs.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_example_config_uses_its_callback_and_trainer_and_resumes_exactly(
        example_installed, tmp_path, monkeypatch):
    from framework.trainer.checkpoint import load_checkpoint
    from framework.trainer.cli import train_main
    from zeronn_plugin_example import GradientNoise, L1Trainer

    built = []
    monkeypatch.setattr(L1Trainer, "train", lambda self, _real=L1Trainer.train: (
        built.append(self), _real(self))[1])
    path = _example_config(tmp_path)
    assert train_main(["-c", str(path), "-q", "--run-id", "full"]) == 0
    (trainer,) = built
    assert isinstance(trainer, L1Trainer) and trainer.l1 == 1e-4
    assert isinstance(trainer.callbacks["example_gradient_noise"], GradientNoise)
    models = tmp_path / "saved/models/example_blobs"
    ck3 = models / "full/checkpoint-epoch3.npz"
    assert train_main(["-r", str(ck3), "-q", "--run-id", "resumed"]) == 0
    full = load_checkpoint(models / "full/checkpoint-epoch6.npz")
    resumed = load_checkpoint(models / "resumed/checkpoint-epoch6.npz")

    def history(ckpt):
        return [{k: v for k, v in h.items() if k != "seconds"}
                for h in ckpt.metadata["history"]]

    assert history(resumed) == history(full)  # bit-identical continuation
    for name, value in full.model_state.items():
        np.testing.assert_array_equal(resumed.model_state[name], value)
    noise = full.callbacks_state["example_gradient_noise"]
    assert resumed.callbacks_state["example_gradient_noise"] == noise
    assert noise["t"] == 6 * 15  # 480 training samples in batches of 32, 6 epochs
    # the noise matters: starting its generator afresh on resume gives another run
    monkeypatch.setattr(GradientNoise, "load_state_dict", lambda self, state: None)
    assert train_main(["-r", str(ck3), "-q", "--run-id", "fresh"]) == 0
    fresh = load_checkpoint(models / "fresh/checkpoint-epoch6.npz")
    assert history(fresh)[:3] == history(full)[:3]
    assert history(fresh)[3:] != history(full)[3:]


def test_example_factories_reject_misspelled_arguments(example_installed):
    manager = load_plugins(builtins=[])
    with pytest.raises(RegistryError) as info:
        manager.build("models", "example_mlp", hiden=8)
    assert str(info.value) == (
        "models 'example_mlp' got an unexpected argument 'hiden' (did you mean 'hidden'?); "
        "signature: example_mlp(in_features=2, hidden=16, out_features=3)")


def test_example_blobs_are_seeded_and_split(example_installed):
    from zeronn_plugin_example import ExampleBlobs
    a, b = ExampleBlobs(seed=3), ExampleBlobs(seed=3)
    np.testing.assert_array_equal(a.arrays[0], b.arrays[0])
    test = ExampleBlobs(train=False, seed=3)
    assert not np.array_equal(a.arrays[0], test.arrays[0])
    x, t = a[0]
    assert x.dtype == np.float32 and x.shape == (2,) and t.dtype == np.int64
    assert set(np.unique(a.arrays[1])) == {0, 1, 2}
    with pytest.raises(ValueError, match="n_samples and num_classes must be >= 1"):
        ExampleBlobs(n_samples=0)


def _offline_wheel_build_problem():
    """Why pip cannot build a wheel here without the network, or None."""
    import importlib.util
    if importlib.util.find_spec("setuptools") is None:
        return "setuptools is not installed"
    import setuptools
    version = tuple(int(p) for p in setuptools.__version__.split(".")[:2] if p.isdigit())
    # setuptools builds wheels on its own from 70.1; before that it needs `wheel`.
    if version < (70, 1) and importlib.util.find_spec("wheel") is None:
        return f"setuptools {setuptools.__version__} needs the `wheel` package to build offline"
    return None


@pytest.mark.slow
@pytest.mark.skipif(bool(_offline_wheel_build_problem()),
                    reason=f"pip cannot build without the network: {_offline_wheel_build_problem()}")
def test_pip_installed_example_is_discovered(tmp_path, monkeypatch, forget_example):
    source = tmp_path / "source"
    # Build from a copy: setuptools writes egg-info next to the sources.
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("*.egg-info", "build"))
    target = tmp_path / "target"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
         "--no-index", "--disable-pip-version-check", "--quiet", "--target", str(target),
         str(source)],
        capture_output=True, text=True, timeout=240, env={
            "PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path), "HOME": str(tmp_path),
            "PIP_NO_CACHE_DIR": "1"})
    assert done.returncode == 0, done.stderr
    assert list(target.glob("zeronn_plugin_example-0.1.0.dist-info/entry_points.txt"))
    monkeypatch.syspath_prepend(str(target))
    manager = load_plugins(builtins=[])
    info = manager.plugins[PLUGIN]
    assert (info.package, info.version) == (PLUGIN, "0.1.0")
    entry = manager.registries["models"].get("example_mlp")
    assert Path(sys.modules[entry.factory.__module__].__file__).is_relative_to(target)
    model = manager.build("models", "example_mlp", hidden=4)
    assert model(np.zeros((2, 2), dtype=np.float32)).shape == (2, 3)
