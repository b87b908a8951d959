"""The built-in plugin registers every optimizer and scheduler under PyTorch's names."""
import inspect

import numpy as np

import framework as fw
from framework import optim
from framework.optim import lr_scheduler
from plugins import optimizers as plugin


def _record(hook):
    entries = {}

    def register(name, factory, *, description=None, override=False):
        assert name not in entries
        entries[name] = (factory, description, override)

    hook(register)
    return entries


def test_register_optimizers():
    entries = _record(plugin.register_optimizers)
    assert sorted(entries) == ["AdaGrad", "Adagrad", "Adam", "AdamW", "RMSprop", "SGD"]
    assert entries["AdamW"][0] is optim.AdamW and entries["Adagrad"][0] is optim.AdaGrad
    for name, (factory, description, override) in entries.items():
        assert description and not override
        assert next(iter(inspect.signature(factory).parameters)) == "params"
        p = fw.Parameter(np.ones(2))
        p.grad = fw.Variable(np.ones(2))
        factory([p], lr=0.1).step()
        assert np.all(p.data < 1), name


def test_register_lr_schedulers():
    entries = _record(plugin.register_lr_schedulers)
    assert sorted(entries) == ["CosineAnnealingLR", "ExponentialLR", "MultiStepLR",
                               "ReduceLROnPlateau", "StepLR"]
    assert entries["StepLR"][0] is lr_scheduler.StepLR
    args = {"StepLR": {"step_size": 2}, "MultiStepLR": {"milestones": [1]},
            "ExponentialLR": {"gamma": 0.9}, "CosineAnnealingLR": {"T_max": 4},
            "ReduceLROnPlateau": {}}
    for name, (factory, description, _) in entries.items():
        assert description
        assert next(iter(inspect.signature(factory).parameters)) == "optimizer"
        sched = factory(optim.SGD([fw.Parameter(np.ones(1))], lr=0.1), **args[name])
        assert sched.get_last_lr() == [0.1]


def test_hooks_are_pluggy_implementations():
    for hook in (plugin.register_optimizers, plugin.register_lr_schedulers):
        assert hasattr(hook, "zeronn_impl")
