"""The built-in plugin registers every optimizer and scheduler under PyTorch's names."""
import inspect

import numpy as np
import pytest

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
    assert sorted(entries) == ["AdaGrad", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax",
                               "LBFGS", "NAdam", "RAdam", "RMSprop", "SGD"]
    assert entries["AdamW"][0] is optim.AdamW and entries["Adagrad"][0] is optim.AdaGrad
    for name, (factory, description, override) in entries.items():
        assert description and not override
        assert next(iter(inspect.signature(factory).parameters)) == "params"
        p = fw.Parameter(np.ones(2))
        p.grad = fw.Variable(np.ones(2))
        opt = factory([p], lr=0.1)
        if getattr(factory, "needs_closure", False):  # LBFGS
            def closure():
                opt.zero_grad()
                loss = (p * p).sum()
                loss.backward()
                return loss
            opt.step(closure)
        else:
            opt.step()
        assert np.all(p.data < 1), name


def test_register_lr_schedulers():
    entries = _record(plugin.register_lr_schedulers)
    assert sorted(entries) == ["ConstantLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
                               "ExponentialLR", "LambdaLR", "LinearLR", "MultiStepLR",
                               "MultiplicativeLR", "OneCycleLR", "ReduceLROnPlateau",
                               "SequentialLR", "StepLR"]
    assert entries["StepLR"][0] is lr_scheduler.StepLR
    args = {"StepLR": {"step_size": 2}, "MultiStepLR": {"milestones": [1]},
            "ExponentialLR": {"gamma": 0.9}, "CosineAnnealingLR": {"T_max": 4},
            "ReduceLROnPlateau": {}, "LambdaLR": {"lr_lambda": "math:exp"},
            "MultiplicativeLR": {"lr_lambda": "math:cos"},
            "LinearLR": {"start_factor": 1.0}, "ConstantLR": {"factor": 1.0},
            "OneCycleLR": {"max_lr": 2.5, "total_steps": 4},
            "CosineAnnealingWarmRestarts": {"T_0": 2},
            "SequentialLR": {"schedulers": [{"type": "ConstantLR", "args": {"factor": 1.0}},
                                            {"type": "LambdaLR",
                                             "args": {"lr_lambda": "math:exp"}}],
                             "milestones": [2]}}
    for name, (factory, description, _) in entries.items():
        assert description
        assert next(iter(inspect.signature(factory).parameters)) == "optimizer"
        sched = factory(optim.SGD([fw.Parameter(np.ones(1))], lr=0.1), **args[name])
        assert sched.get_last_lr() == [pytest.approx(0.1, rel=1e-14)], name


def test_hooks_are_pluggy_implementations():
    for hook in (plugin.register_optimizers, plugin.register_lr_schedulers):
        assert hasattr(hook, "zeronn_impl")


def test_config_spellings_of_function_and_scheduler_arguments():
    entries = _record(plugin.register_lr_schedulers)
    opt = optim.SGD([fw.Parameter(np.ones(1))], lr=0.1)
    with pytest.raises(ValueError, match="'exp' should be an import path"):
        entries["LambdaLR"][0](opt, lr_lambda="exp")
    with pytest.raises(ValueError, match="'math:nope' cannot be imported"):
        entries["LambdaLR"][0](opt, lr_lambda="math:nope")
    with pytest.raises(ValueError, match=r"schedulers\[1\] should be .*LinearLR.*'Bogus'"):
        entries["SequentialLR"][0](opt, schedulers=[{"type": "LinearLR"}, {"type": "Bogus"}],
                                   milestones=[1])
    opt = optim.SGD([fw.Parameter(np.ones(1))], lr=0.1)
    sched = entries["SequentialLR"][0](
        opt, schedulers=[{"type": "LinearLR", "args": {"start_factor": 0.5, "total_iters": 2}},
                         {"type": "ExponentialLR", "args": {"gamma": 0.5}}], milestones=[2])
    lrs = []
    for _ in range(5):
        lrs.append(opt.param_groups[0]["lr"])
        sched.step()
    np.testing.assert_allclose(lrs, [0.05, 0.075, 0.1, 0.05, 0.025], rtol=1e-15)
