"""Local plugins and models that do not fit the data: one line naming the config key,
exit 2, no run folder; a checkpoint's stored plugins are never imported by themselves."""
import itertools
import sys
import textwrap

import pytest

from adversarial_helpers import (check_fails, craft, eval_main, small_config, train_main,
                                 write_yaml)

_counter = itertools.count()

HEADER = "import numpy as np\nfrom framework.plugin import hookimpl\nimport framework as fw\n"


@pytest.fixture
def saved(tmp_path):
    return tmp_path / "saved"


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """``plugin(source) -> module name`` of a fresh module in the working folder."""
    monkeypatch.chdir(tmp_path)
    names = []

    def make(source, header=True):
        name = f"adv_plugin_{next(_counter)}"
        (tmp_path / f"{name}.py").write_text((HEADER if header else "") +
                                             textwrap.dedent(source))
        names.append(name)
        return name
    yield make
    for name in names:
        sys.modules.pop(name, None)


BROKEN = {
    "raises_on_import": ("raise RuntimeError('boom at import')\n", ["boom at import"]),
    "syntax_error": ("def broken(:\n", ["SyntaxError"]),
    "imports_missing": ("import no_such_dependency_xyz\n", ["no_such_dependency_xyz"]),
    "misspelled_hook": ("@hookimpl\ndef register_model(register):\n    pass\n",
                        ["register_model"]),
    "unmarked_hook": ("def register_models(register):\n    pass\n", ["register_models"]),
    "hook_raises": ("@hookimpl\ndef register_models(register):\n    raise KeyError('x')\n",
                    ["raised in register_models"]),
    "hook_returns": ("@hookimpl\ndef register_models(register):\n    return {'a': 1}\n",
                     ["returned a dict"]),
    "registers_twice": ("@hookimpl\ndef register_models(register):\n"
                        "    register('twin', dict)\n    register('twin', dict)\n",
                        ["registered twice"]),
    "takes_builtin_name": ("@hookimpl\ndef register_models(register):\n"
                           "    register('mlp', dict)\n", ["mlp"]),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_local_plugin(saved, capsys, plugin, tmp_path, case):
    source, needles = BROKEN[case]
    name = plugin(source)
    path = write_yaml(tmp_path / "c.yaml", small_config(saved, plugins=[name]))
    check_fails(capsys, ["-c", path], "plugins", *needles, save_dir=saved)


def test_missing_local_plugin(saved, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write_yaml(tmp_path / "c.yaml", small_config(saved, plugins=["no_such_plugin_mod"]))
    check_fails(capsys, ["-c", path], "no_such_plugin_mod", "cannot find", save_dir=saved)
    path = write_yaml(tmp_path / "d.yaml", small_config(saved))
    check_fails(capsys, ["-c", path, "--plugins", "other_missing_mod"], "other_missing_mod",
                save_dir=saved)


# factories that return the wrong thing: (plugin source, config changes, needles)
FACTORIES = {
    "model_returns_dict": (
        "@hookimpl\ndef register_models(register):\n    register('bad', lambda: {'w': 1})\n",
        {"arch": {"type": "bad", "args": {}}}, ["arch", "'bad'", "dict", "Module"]),
    "forward_returns_array": (
        "class M(fw.nn.Module):\n"
        "    def __init__(self):\n        super().__init__()\n"
        "        self.fc = fw.nn.Linear(64, 10)\n"
        "    def forward(self, x):\n"
        "        return self.fc(fw.functions.reshape(x, (x.shape[0], -1))).data\n"
        "@hookimpl\ndef register_models(register):\n    register('arr', M)\n",
        {"arch": {"type": "arr", "args": {}}}, ["arch (arr)", "ndarray", "Variable"]),
    "loss_returns_float": (
        "@hookimpl\ndef register_losses(register):\n"
        "    register('npf', lambda: lambda y, t: np.float64(1.0))\n",
        {"loss": "npf"}, ["loss (npf)", "float64", "Variable"]),
    "loss_returns_vector": (
        "import framework.functions as F\n"
        "@hookimpl\ndef register_losses(register):\n"
        "    register('vec', lambda: lambda y, t: F.sum(y, axis=1))\n",
        {"loss": "vec"}, ["loss (vec)", "single value"]),
    "loss_raises": (
        "@hookimpl\ndef register_losses(register):\n"
        "    def make():\n        def loss(y, t):\n            raise ValueError('no')\n"
        "        return loss\n    register('raiser', make)\n",
        {"loss": "raiser"}, ["loss (raiser)", "ValueError"]),
    "loss_not_callable": (
        "@hookimpl\ndef register_losses(register):\n    register('notfn', lambda: 42)\n",
        {"loss": "notfn"}, ["loss", "'notfn'", "int"]),
    "metric_returns_text": (
        "@hookimpl\ndef register_metrics(register):\n"
        "    register('txt', lambda: lambda y, t: 'good')\n",
        {"metrics": ["txt"]}, ["metrics[0] (txt)"]),
    "optimizer_returns_object": (
        "@hookimpl\ndef register_optimizers(register):\n"
        "    register('Nope', lambda params, lr=0.1: object())\n",
        {"optimizer": {"type": "Nope", "args": {"lr": 0.1}}, "lr_scheduler": None},
        ["optimizer", "'Nope'", "Optimizer"]),
    "dataset_with_nan": (
        "class D(fw.data.Dataset):\n"
        "    def __init__(self, train=True):\n"
        "        self.x = np.full((32, 64), np.nan, np.float32)\n"
        "        self.t = np.zeros(32, np.int64)\n"
        "    def __len__(self):\n        return 32\n"
        "    def __getitem__(self, i):\n        return self.x[i], self.t[i]\n"
        "@hookimpl\ndef register_datasets(register):\n    register('nan_data', D)\n",
        {"data_loader.args.dataset": {"type": "nan_data", "args": {}},
         "data_loader.args.validation_split": 0.0, "trainer.monitor": "min loss"},
        ["data_loader.args.dataset (nan_data)", "NaN"]),
    "dataset_empty": (
        "class D(fw.data.Dataset):\n"
        "    def __init__(self, train=True):\n        pass\n"
        "    def __len__(self):\n        return 0\n"
        "    def __getitem__(self, i):\n        raise IndexError(i)\n"
        "@hookimpl\ndef register_datasets(register):\n    register('empty_data', D)\n",
        {"data_loader.args.dataset": {"type": "empty_data", "args": {}},
         "data_loader.args.validation_split": 0.0, "trainer.monitor": "min loss"},
        ["data_loader", "no training samples"]),
}


@pytest.mark.parametrize("case", sorted(FACTORIES))
def test_factory_returns_the_wrong_thing(saved, capsys, plugin, tmp_path, case):
    source, changes, needles = FACTORIES[case]
    name = plugin(source)
    path = write_yaml(tmp_path / "c.yaml", small_config(saved, plugins=[name], **changes))
    check_fails(capsys, ["-c", path], *needles, save_dir=saved)


# built-in models that do not fit the data: (config changes, needles)
MISFITS = {
    "in_features": ({"arch.args.in_features": 32},
                    ["arch.args.in_features: 32, but the data has 64 features"]),
    "in_features_big": ({"arch.args.in_features": 784},
                        ["arch.args.in_features: 784, but the data has 64 features"]),
    "out_features": ({"arch.args.out_features": 5},
                     ["arch.args.out_features: 5", "label 9", "[0, 5)"]),
    "huge_hidden": ({"arch.args.hidden": [10 ** 9]}, ["arch.args.hidden[0]", "1000000000"]),
    "huge_two_layers": ({"arch.args.hidden": [200_000, 200_000]}, ["arch.args.hidden"]),
    "negative_hidden": ({"arch.args.hidden": [-3]}, ["arch"]),
    "cnn_on_flat_data": ({"arch": {"type": "lenet", "args": {}}}, ["arch"]),
    "mse_on_class_output": ({"loss": "mse"}, ["loss (mse)"]),
}


@pytest.mark.parametrize("case", sorted(MISFITS))
def test_model_that_does_not_fit(saved, capsys, tmp_path, case):
    changes, needles = MISFITS[case]
    path = write_yaml(tmp_path / "c.yaml", small_config(saved, **changes))
    check_fails(capsys, ["-c", path], *needles, save_dir=saved)


def test_model_that_does_not_fit_in_test_py(saved, capsys, tmp_path):
    path = write_yaml(tmp_path / "c.yaml", small_config(saved, **{"trainer.epochs": 1}))
    assert train_main(["-c", path, "-q", "--run-id", "r"]) == 0
    ckpt = saved / "models" / "adv" / "r" / "model_best.npz"
    bad = craft(ckpt, tmp_path / "wide.npz",
                meta=lambda m: m["metadata"]["config"]["arch"]["args"].update(in_features=32),
                arrays=lambda a: a.update({"model/layers.1.weight":
                                           a["model/layers.1.weight"][:, :32]}))
    check_fails(capsys, ["-r", bad], "wide.npz", "arch.args.in_features: 32", main=eval_main,
                save_dir=saved)


MARKER_PLUGIN = """
import os
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "MARKER"), "w") as f:
    f.write("imported")
from framework.plugin import hookimpl

@hookimpl
def register_models(register):
    pass
"""


def _checkpoint_naming(tmp_path, saved, module):
    path = write_yaml(tmp_path / "c.yaml", small_config(saved, **{"trainer.epochs": 1}))
    assert train_main(["-c", path, "-q", "--run-id", "clean"]) == 0
    ckpt = saved / "models" / "adv" / "clean" / "checkpoint-epoch1.npz"
    return craft(ckpt, tmp_path / "crafted.npz",
                 meta=lambda m: m["metadata"]["config"].update(plugins=[module]))


def test_crafted_checkpoint_never_imports_its_plugins(saved, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "marker_mod.py").write_text(MARKER_PLUGIN)
    crafted = _checkpoint_naming(tmp_path, saved, "marker_mod")
    assert eval_main(["-r", crafted, "-q"]) == 0          # evaluates with the built-ins
    assert train_main(["-r", crafted, "-q", "--epochs", "2", "--run-id", "more"]) == 0
    assert not (tmp_path / "MARKER").exists()
    assert "marker_mod" not in sys.modules
    assert str(tmp_path) not in sys.path
    # named again by the user, it loads
    assert eval_main(["-r", crafted, "-q", "--plugins", "marker_mod"]) == 0
    assert (tmp_path / "MARKER").read_text() == "imported"
    sys.modules.pop("marker_mod", None)


@pytest.mark.parametrize("script", ["test.py", "train.py"])
def test_crafted_checkpoint_in_a_fresh_process(saved, tmp_path, monkeypatch, script):
    import subprocess

    from adversarial_helpers import REPO, subprocess_env
    monkeypatch.chdir(tmp_path)
    (tmp_path / "marker_mod.py").write_text(MARKER_PLUGIN)
    crafted = _checkpoint_naming(tmp_path, saved, "marker_mod")
    extra = ["--epochs", "2", "--run-id", "again"] if script == "train.py" else []
    out = subprocess.run([sys.executable, str(REPO / script), "-r", crafted, "-q", *extra],
                         cwd=tmp_path, env=subprocess_env(), capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert not (tmp_path / "MARKER").exists()


def test_a_named_plugin_may_import_its_siblings_later(saved, capsys, plugin, tmp_path):
    # the working folder stays importable while the command runs, and only then
    sibling = plugin("SIZE = 16\n", header=False)
    name = plugin(f"""
        @hookimpl
        def register_models(register):
            def make():
                import {sibling}  # imported when the model is built, not at load time
                return fw.nn.Sequential(fw.nn.Flatten(), fw.nn.Linear(64, {sibling}.SIZE),
                                        fw.nn.ReLU(), fw.nn.Linear({sibling}.SIZE, 10))
            register("late_import", make)
        """)
    sys.modules.pop(sibling, None)
    path = write_yaml(tmp_path / "c.yaml", small_config(saved, plugins=[name], **{
        "arch": {"type": "late_import", "args": {}}, "trainer.epochs": 1}))
    assert train_main(["-c", path, "-q"]) == 0, capsys.readouterr().err
    assert str(tmp_path) not in sys.path
