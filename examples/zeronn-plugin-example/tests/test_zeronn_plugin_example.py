"""How a plugin author tests a plugin: load it into a fresh manager, build by name."""
import numpy as np

from framework.plugin import load_plugins


def _manager():
    # Only this plugin: no built-ins, no other installed packages.
    return load_plugins(["zeronn_plugin_example.plugin"], builtins=[], entry_points=False)


def test_registers_a_model_a_dataset_a_loss_a_callback_and_a_trainer():
    manager = _manager()
    info = manager.plugins["zeronn_plugin_example.plugin"]
    assert info.registered == {"datasets": ["example_blobs"], "models": ["example_mlp"],
                               "losses": ["example_smooth_ce"],
                               "callbacks": ["example_gradient_noise"],
                               "trainers": ["example_l1"]}


def test_builds_by_name():
    manager = _manager()
    data = manager.build("datasets", "example_blobs", train=False, n_samples=10)
    x, t = data[0]
    assert len(data) == 10 and x.shape == (2,) and 0 <= t < 3
    model = manager.build("models", "example_mlp", hidden=4)
    y = model(np.zeros((5, 2), dtype=np.float32))
    assert y.shape == (5, 3)
    loss = manager.build("losses", "example_smooth_ce", smoothing=0.0)
    assert float(loss(y, np.zeros(5, dtype=np.int64)).data) > 0
