"""Adadelta, Adamax, NAdam and RAdam against PyTorch's update rules written out in float64,
their defaults, their checks and their state_dict round trips."""
import copy
import inspect
import math

import numpy as np
import pytest

import framework as fw
from framework import optim

STEPS = 8
SHAPE = (3, 4)


def _grads(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(SHAPE) for _ in range(STEPS)]


def _start():
    return np.random.default_rng(42).standard_normal(SHAPE)


def _run(opt_factory, grads, p0):
    p = fw.Parameter(p0.copy())
    opt = opt_factory([p])
    out = []
    for g in grads:
        opt.zero_grad()
        p.grad = fw.Variable(g.copy())
        opt.step()
        out.append(p.data.copy())
    return out, opt, p


def _check(history, expected, rtol=1e-12, atol=1e-14):
    assert len(history) == len(expected)
    for i, (got, want) in enumerate(zip(history, expected)):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=f"step {i + 1}")


# ---------------------------------------------------------------------------- rules
def adadelta_rule(grads, p, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    v, u, out = np.zeros_like(p), np.zeros_like(p), []
    for g in grads:
        g = -g if maximize else g
        g = g + weight_decay * p
        v = rho * v + (1 - rho) * g * g
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        p = p - lr * delta
        out.append(p)
    return out


def adamax_rule(grads, p, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                maximize=False):
    b1, b2 = betas
    m, u, out = np.zeros_like(p), np.zeros_like(p), []
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        p = p - lr / (1 - b1 ** t) * m / u
        out.append(p)
    return out


def nadam_rule(grads, p, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
               momentum_decay=4e-3, decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    m, v, prod, out = np.zeros_like(p), np.zeros_like(p), 1.0, []
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        if decoupled_weight_decay:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        prod *= mu
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        denom = np.sqrt(v / (1 - b2 ** t)) + eps
        p = p - lr * (1 - mu) / (1 - prod) * g / denom \
            - lr * mu_next / (1 - prod * mu_next) * m / denom
        out.append(p)
    return out


def radam_rule(grads, p, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
               decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    m, v, out = np.zeros_like(p), np.zeros_like(p), []
    rho_inf = 2 / (1 - b2) - 1
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        if decoupled_weight_decay:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
        if rho_t > 5:
            r = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                          / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p = p - lr * m_hat * r * math.sqrt(1 - b2 ** t) / (np.sqrt(v) + eps)
        else:
            p = p - lr * m_hat
        out.append(p)
    return out


CASES = [
    ("Adadelta", adadelta_rule, {}),
    ("Adadelta", adadelta_rule, dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1)),
    ("Adadelta", adadelta_rule, dict(maximize=True)),
    ("Adamax", adamax_rule, {}),
    ("Adamax", adamax_rule, dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1, maximize=True)),
    ("NAdam", nadam_rule, {}),
    ("NAdam", nadam_rule, dict(lr=0.05, weight_decay=0.1, momentum_decay=0.05)),
    ("NAdam", nadam_rule, dict(weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", radam_rule, {}),  # rho_t <= 5 for these steps: the un-rectified branch
    # beta2 = 0.9: rho_t passes 5 at step 6, so both branches run
    ("RAdam", radam_rule, dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1)),
    ("RAdam", radam_rule, dict(betas=(0.9, 0.9), weight_decay=0.1, decoupled_weight_decay=True,
                               maximize=True)),
]


@pytest.mark.parametrize("name,rule,kwargs", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_the_update_rule(name, rule, kwargs):
    grads, p0 = _grads(), _start()
    history, _, _ = _run(lambda ps: getattr(optim, name)(ps, **kwargs), grads, p0)
    _check(history, rule(grads, p0, **kwargs))


def test_radam_takes_both_branches_in_the_test_above():
    b2 = 0.9
    rho_inf = 2 / (1 - b2) - 1
    rho = [rho_inf - 2 * t * b2 ** t / (1 - b2 ** t) for t in range(1, STEPS + 1)]
    assert min(rho) <= 5 < max(rho)


@pytest.mark.parametrize("name,defaults", [
    ("Adadelta", dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False)),
    ("Adamax", dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, maximize=False)),
    ("NAdam", dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                   decoupled_weight_decay=False, maximize=False)),
    ("RAdam", dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                   decoupled_weight_decay=False, maximize=False)),
])
def test_pytorch_defaults(name, defaults):
    cls = getattr(optim, name)
    assert list(inspect.signature(cls).parameters)[0] == "params"
    opt = cls([fw.Parameter(np.zeros(2))])
    assert opt.defaults == defaults
    assert {k: v for k, v in opt.param_groups[0].items() if k != "params"} == defaults


STATE_KEYS = {"Adadelta": {"step", "square_avg", "acc_delta"},
              "Adamax": {"step", "exp_avg", "exp_inf"},
              "NAdam": {"step", "mu_product", "exp_avg", "exp_avg_sq"},
              "RAdam": {"step", "exp_avg", "exp_avg_sq"}}


@pytest.mark.parametrize("name", sorted(STATE_KEYS))
def test_state_dict_round_trip_continues_exactly(name):
    grads, p0 = _grads(3), _start()
    make = lambda ps: getattr(optim, name)(ps, lr=0.05)  # noqa: E731
    straight, _, _ = _run(make, grads, p0)
    # run half, save (deep copy, as a checkpoint would), restore into a fresh optimizer
    first, opt, p = _run(make, grads[:4], p0)
    saved = copy.deepcopy(opt.state_dict())
    assert set(saved["state"][0]) == STATE_KEYS[name]
    assert saved["state"][0]["step"] == 4.0
    p2 = fw.Parameter(p.data.copy())
    opt2 = make([p2])
    opt2.load_state_dict(saved)
    rest = []
    for g in grads[4:]:
        p2.grad = fw.Variable(g.copy())
        opt2.step()
        rest.append(p2.data.copy())
    for got, want in zip(first + rest, straight):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", sorted(STATE_KEYS))
def test_float32_parameters_stay_float32(name):
    p = fw.Parameter(np.ones(3, np.float32))
    opt = getattr(optim, name)([p], lr=0.1)
    for key in ("lr", "eps", "weight_decay"):
        opt.param_groups[0][key] = np.float64(opt.param_groups[0][key])
    for _ in range(3):
        p.grad = fw.Variable(np.full(3, 0.5, np.float32))
        opt.step()
    assert p.data.dtype == np.float32 and np.all(p.data < 1)
    assert all(v.dtype == np.float32 for v in opt.state[p].values() if isinstance(v, np.ndarray))


@pytest.mark.parametrize("make,message", [
    (lambda ps: optim.Adadelta(ps, lr=-1), "Invalid learning rate: -1"),
    (lambda ps: optim.Adadelta(ps, rho=1.5), "Invalid rho value: 1.5"),
    (lambda ps: optim.Adadelta(ps, eps=-1e-6), "Invalid epsilon value"),
    (lambda ps: optim.Adamax(ps, betas=(0.9, 1.0)), "Invalid beta parameter at index 1: 1.0"),
    (lambda ps: optim.Adamax(ps, weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    (lambda ps: optim.NAdam(ps, momentum_decay=-1), "Invalid momentum_decay value: -1"),
    (lambda ps: optim.RAdam(ps, betas=(-0.1, 0.9)), "Invalid beta parameter at index 0"),
])
def test_bad_hyperparameters_name_the_value(make, message):
    with pytest.raises(ValueError, match=message):
        make([fw.Parameter(np.zeros(2))])


@pytest.mark.parametrize("name", sorted(STATE_KEYS))
def test_trains_a_small_regression(name):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]])
    model = fw.nn.Linear(3, 1)
    lr = {"Adadelta": 5.0, "Adamax": 0.1, "NAdam": 0.05, "RAdam": 0.05}[name]
    opt = getattr(optim, name)(model.parameters(), lr=lr)
    loss_fn = fw.nn.MSELoss()
    first = None
    for _ in range(300):
        opt.zero_grad()
        loss = loss_fn(model(fw.Variable(x.astype(np.float32))), fw.Variable(y.astype(np.float32)))
        loss.backward()
        opt.step()
        first = float(loss.data) if first is None else first
    assert float(loss.data) < 0.05 * first, (name, first, float(loss.data))
