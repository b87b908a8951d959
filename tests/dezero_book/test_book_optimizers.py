"""Chapter 46 and the hooks: DeZero's optimizers against their update rules in numpy."""
import math

import numpy as np
import pytest

import framework as dezero
import framework.functions as F
import framework.layers as L
from framework import optimizers
from framework.models import MLP


def _quadratic_model():
    """A Layer with one parameter; loss = sum(c * p**2) gives grad 2*c*p."""
    layer = dezero.Layer()
    layer.p = dezero.Parameter(np.array([1.0, -2.0, 3.0]))
    return layer


C = np.array([1.0, 0.5, 2.0])


def _run(optimizer, steps=4):
    model = _quadratic_model()
    optimizer.setup(model)
    history = []
    for _ in range(steps):
        model.cleargrads()
        F.sum(C * model.p ** 2).backward()
        optimizer.update()
        history.append(model.p.data.copy())
    return history


def _by_hand(rule, steps=4):
    p = np.array([1.0, -2.0, 3.0])
    state = {}
    out = []
    for t in range(1, steps + 1):
        g = 2 * C * p
        p = rule(p, g, state, t)
        out.append(p.copy())
    return out


def test_sgd_default_lr_is_dezeros():
    assert optimizers.SGD().lr == 0.01
    got = _run(optimizers.SGD(lr=0.1))
    np.testing.assert_allclose(got, _by_hand(lambda p, g, s, t: p - 0.1 * g))


def test_momentum_sgd():
    def rule(p, g, s, t):
        s["v"] = 0.9 * s.get("v", 0) - 0.05 * g
        return p + s["v"]
    np.testing.assert_allclose(_run(optimizers.MomentumSGD(lr=0.05)), _by_hand(rule))


def test_adagrad():
    def rule(p, g, s, t):
        s["h"] = s.get("h", 0) + g * g
        return p - 0.1 * g / (np.sqrt(s["h"]) + 1e-8)
    np.testing.assert_allclose(_run(optimizers.AdaGrad(lr=0.1)), _by_hand(rule))


def test_adadelta():
    def rule(p, g, s, t):
        rho, eps = 0.95, 1e-6
        s["msg"] = rho * s.get("msg", 0) + (1 - rho) * g * g
        dx = np.sqrt((s.get("msdx", 0) + eps) / (s["msg"] + eps)) * g
        s["msdx"] = rho * s.get("msdx", 0) + (1 - rho) * dx * dx
        return p - dx
    np.testing.assert_allclose(_run(optimizers.AdaDelta()), _by_hand(rule))


def test_adam_with_dezeros_bias_corrected_lr():
    def rule(p, g, s, t):
        b1, b2, eps, alpha = 0.9, 0.999, 1e-8, 0.01
        s["m"] = s.get("m", 0) + (1 - b1) * (g - s.get("m", 0))
        s["v"] = s.get("v", 0) + (1 - b2) * (g * g - s.get("v", 0))
        lr = alpha * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        return p - lr * s["m"] / (np.sqrt(s["v"]) + eps)
    opt = optimizers.Adam(alpha=0.01)
    np.testing.assert_allclose(_run(opt), _by_hand(rule))
    assert opt.t == 4
    assert opt.lr == pytest.approx(0.01 * math.sqrt(1 - 0.999 ** 4) / (1 - 0.9 ** 4))


def test_weight_decay_hook():
    opt = optimizers.SGD(lr=0.1)
    opt.add_hook(optimizers.WeightDecay(0.5))
    np.testing.assert_allclose(_run(opt), _by_hand(lambda p, g, s, t: p - 0.1 * (g + 0.5 * p)))


def test_clip_grad_hook():
    def rule(p, g, s, t):
        norm = np.sqrt((g ** 2).sum())
        rate = 1.0 / (norm + 1e-6)
        return p - 0.1 * (g * rate if rate < 1 else g)
    opt = optimizers.SGD(lr=0.1)
    opt.add_hook(optimizers.ClipGrad(1.0))
    np.testing.assert_allclose(_run(opt), _by_hand(rule))


def test_freeze_param_keeps_the_frozen_layer():
    np.random.seed(0)
    model = MLP((4, 2))
    x = np.random.rand(3, 5)
    opt = optimizers.SGD(lr=0.5).setup(model)  # before the first call: W have no data yet
    opt.add_hook(optimizers.FreezeParam(model.l0))
    model(x)
    frozen = [p.data.copy() for p in model.l0.params()]
    trained = [p.data.copy() for p in model.l1.params()]
    model.cleargrads()
    F.sum(model(x)).backward()
    opt.update()
    for p, before in zip(model.l0.params(), frozen):
        np.testing.assert_array_equal(p.data, before)
    assert all(not np.array_equal(p.data, b) for p, b in zip(model.l1.params(), trained))


def test_setup_before_the_first_call_trains_lazy_layers():
    # Step 46's pattern: the optimizer is set up before the layers know their sizes.
    np.random.seed(0)
    x = np.random.rand(100, 1)
    y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)
    model = MLP((10, 1))
    opt = optimizers.SGD(0.2).setup(model)
    losses = []
    for _ in range(200):
        loss = F.mean_squared_error(y, model(x))
        model.cleargrads()
        loss.backward()
        opt.update()
        losses.append(float(loss.data))
    assert losses[-1] < losses[0] * 0.5


def test_dezero_and_pytorch_signatures_do_not_mix_silently():
    with pytest.raises(TypeError, match="framework.optim"):
        optimizers.SGD(L.Linear(2).parameters())
    with pytest.raises(RuntimeError, match="setup"):
        optimizers.SGD().update()
