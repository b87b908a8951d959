"""Each optimizer against PyTorch's published update rule, written out by hand."""
import numpy as np
import pytest

import framework as fw
from framework import optim

STEPS = 6
SHAPE = (3, 4)


def _grads(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(SHAPE).astype(dtype) for _ in range(STEPS)]


def _start(dtype=np.float64):
    return np.random.default_rng(42).standard_normal(SHAPE).astype(dtype)


def _run(make_opt, grads, p0):
    """Run the optimizer on one parameter, feeding the given gradients; return every p."""
    p = fw.Parameter(p0.copy())
    opt = make_opt([p])
    history = []
    for g in grads:
        opt.zero_grad()
        p.grad = fw.Variable(g.copy())
        opt.step()
        history.append(p.data.copy())
    return history


def _check(history, expected, rtol=1e-12, atol=1e-14):
    assert len(history) == len(expected)
    for i, (got, want) in enumerate(zip(history, expected)):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=f"step {i + 1}")


# ---------------------------------------------------------------------------- SGD
@pytest.mark.parametrize("momentum,dampening,weight_decay,nesterov,maximize", [
    (0.0, 0.0, 0.0, False, False),
    (0.9, 0.0, 0.0, False, False),
    (0.9, 0.3, 0.01, False, False),
    (0.8, 0.0, 0.05, True, False),
    (0.9, 0.0, 0.01, True, True),
])
def test_sgd_matches_torch_rule(momentum, dampening, weight_decay, nesterov, maximize):
    lr = 0.05
    grads, p = _grads(), _start()
    expected, buf = [], None
    for t, g in enumerate(grads):
        d = -g if maximize else g.copy()
        d = d + weight_decay * p
        if momentum:
            buf = d.copy() if t == 0 else momentum * buf + (1 - dampening) * d
            d = d + momentum * buf if nesterov else buf
        p = p - lr * d
        expected.append(p)
    history = _run(lambda ps: optim.SGD(ps, lr=lr, momentum=momentum, dampening=dampening,
                                        weight_decay=weight_decay, nesterov=nesterov,
                                        maximize=maximize), grads, _start())
    _check(history, expected)


def test_sgd_plain_step_is_exact():
    p = fw.Parameter(np.array([1.0, -2.0]))
    p.grad = fw.Variable(np.array([0.5, 4.0]))
    optim.SGD([p], lr=0.25).step()
    np.testing.assert_array_equal(p.data, [0.875, -3.0])


# ---------------------------------------------------------------------------- Adam(W)
def _adam_expected(grads, p, lr, b1, b2, eps, wd, amsgrad, decoupled):
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    vmax = np.zeros_like(p)
    out = []
    for t, g in enumerate(grads, start=1):
        if decoupled:
            p = p * (1 - lr * wd)
        else:
            g = g + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        if amsgrad:
            vmax = np.maximum(vmax, v)
            second = vmax
        else:
            second = v
        # eps after the bias correction: sqrt(v) / sqrt(1 - b2^t) + eps
        denom = np.sqrt(second) / np.sqrt(1 - b2 ** t) + eps
        p = p - lr / (1 - b1 ** t) * m / denom
        out.append(p)
    return out


@pytest.mark.parametrize("cls", [optim.Adam, optim.AdamW])
@pytest.mark.parametrize("weight_decay,amsgrad,eps", [
    (0.0, False, 1e-8), (0.1, False, 1e-8), (0.0, True, 1e-8), (0.05, True, 1e-3),
    (0.0, False, 0.5),
])
def test_adam_matches_torch_rule(cls, weight_decay, amsgrad, eps):
    lr, betas = 0.01, (0.8, 0.95)
    # a shrinking gradient makes v fall, so amsgrad's maximum actually matters
    grads = [g / (k + 1) ** 2 for k, g in enumerate(_grads(1))]
    expected = _adam_expected(grads, _start(), lr, *betas, eps, weight_decay, amsgrad,
                              decoupled=cls is optim.AdamW)
    history = _run(lambda ps: cls(ps, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                  amsgrad=amsgrad), grads, _start())
    _check(history, expected)


def test_amsgrad_changes_the_result_here():
    grads = [g / (k + 1) ** 2 for k, g in enumerate(_grads(1))]
    plain = _run(lambda ps: optim.Adam(ps, lr=0.01, betas=(0.8, 0.95)), grads, _start())
    ams = _run(lambda ps: optim.Adam(ps, lr=0.01, betas=(0.8, 0.95), amsgrad=True),
               grads, _start())
    assert not np.allclose(plain[-1], ams[-1])


def test_adam_eps_is_added_after_bias_correction():
    # one step with g=1: m_hat = 1, v_hat = 1, so p moves by lr / (1 + eps)
    p = fw.Parameter(np.zeros(1))
    p.grad = fw.Variable(np.ones(1))
    optim.Adam([p], lr=1.0, eps=0.5).step()
    np.testing.assert_allclose(p.data, [-1 / 1.5], rtol=1e-12)


def test_adamw_defaults_and_decoupling():
    p = fw.Parameter(np.ones(2))
    opt = optim.AdamW([p])
    assert opt.defaults["weight_decay"] == 1e-2 and opt.defaults["lr"] == 1e-3
    # a zero gradient leaves only the decay: p * (1 - lr * wd); Adam's L2 form would not move
    p.grad = fw.Variable(np.zeros(2))
    opt.step()
    np.testing.assert_allclose(p.data, [1 - 1e-5] * 2, rtol=1e-13)
    q = fw.Parameter(np.ones(2))
    q.grad = fw.Variable(np.zeros(2))
    optim.Adam([q], weight_decay=1e-2).step()
    np.testing.assert_allclose(q.data, [1 - 1e-3 / (1 + 1e-8)] * 2, rtol=1e-6)


# ---------------------------------------------------------------------------- RMSprop
@pytest.mark.parametrize("momentum,centered,weight_decay", [
    (0.0, False, 0.0), (0.9, False, 0.0), (0.0, True, 0.0), (0.5, True, 0.02),
])
def test_rmsprop_matches_torch_rule(momentum, centered, weight_decay):
    lr, alpha, eps = 0.01, 0.9, 1e-6
    grads, p = _grads(2), _start()
    sq, ga, buf = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    expected = []
    for g in grads:
        g = g + weight_decay * p
        sq = alpha * sq + (1 - alpha) * g * g
        if centered:
            ga = alpha * ga + (1 - alpha) * g
            avg = np.sqrt(sq - ga * ga) + eps
        else:
            avg = np.sqrt(sq) + eps
        if momentum:
            buf = momentum * buf + g / avg
            p = p - lr * buf
        else:
            p = p - lr * g / avg
        expected.append(p)
    history = _run(lambda ps: optim.RMSprop(ps, lr=lr, alpha=alpha, eps=eps, momentum=momentum,
                                            centered=centered, weight_decay=weight_decay),
                   grads, _start())
    _check(history, expected)


# ---------------------------------------------------------------------------- AdaGrad
@pytest.mark.parametrize("lr_decay,weight_decay,init_acc", [
    (0.0, 0.0, 0.0), (0.1, 0.0, 0.0), (0.05, 0.01, 0.5),
])
def test_adagrad_matches_torch_rule(lr_decay, weight_decay, init_acc):
    lr, eps = 0.1, 1e-10
    grads, p = _grads(3), _start()
    acc = np.full_like(p, init_acc)
    expected = []
    for t, g in enumerate(grads, start=1):
        g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        acc = acc + g * g
        p = p - clr * g / (np.sqrt(acc) + eps)
        expected.append(p)
    history = _run(lambda ps: optim.Adagrad(ps, lr=lr, lr_decay=lr_decay,
                                            weight_decay=weight_decay,
                                            initial_accumulator_value=init_acc), grads, _start())
    _check(history, expected)


def test_adagrad_alias_and_eager_state():
    assert optim.Adagrad is optim.AdaGrad
    p = fw.Parameter(np.zeros((2, 2)))
    sd = optim.AdaGrad([p], initial_accumulator_value=0.25).state_dict()
    assert sd["state"][0]["step"] == 0.0
    np.testing.assert_array_equal(sd["state"][0]["sum"], np.full((2, 2), 0.25))


# ---------------------------------------------------------------------------- dtypes
ALL = [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    lambda ps: optim.Adam(ps, lr=0.1, weight_decay=1e-3, amsgrad=True),
    lambda ps: optim.AdamW(ps, lr=0.1),
    lambda ps: optim.RMSprop(ps, lr=0.1, momentum=0.5, centered=True, weight_decay=1e-3),
    lambda ps: optim.AdaGrad(ps, lr=0.1, lr_decay=0.01, weight_decay=1e-3),
]


@pytest.mark.parametrize("make", ALL, ids=["SGD", "Adam", "AdamW", "RMSprop", "AdaGrad"])
def test_float32_stays_float32_and_tracks_float64(make):
    grads64, p64 = _grads(4), _start()
    h64 = _run(make, grads64, p64)
    h32 = _run(make, [g.astype(np.float32) for g in grads64], p64.astype(np.float32))
    assert all(h.dtype == np.float32 for h in h32)
    np.testing.assert_allclose(h32[-1], h64[-1], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("make", ALL, ids=["SGD", "Adam", "AdamW", "RMSprop", "AdaGrad"])
def test_float32_survives_numpy_float64_hyperparameters(make):
    p = fw.Parameter(np.ones(3, np.float32))
    opt = make([p])
    for key in ("lr", "weight_decay", "eps", "momentum", "alpha"):
        if key in opt.param_groups[0]:
            opt.param_groups[0][key] = np.float64(opt.param_groups[0][key])
    for _ in range(2):
        p.grad = fw.Variable(np.full(3, 0.5, np.float32))
        opt.step()
    assert p.data.dtype == np.float32
    for value in opt.state[p].values():
        if isinstance(value, np.ndarray):
            assert value.dtype == np.float32


def test_updates_in_place_and_skips_params_without_grad():
    a, b = fw.Parameter(np.ones(2)), fw.Parameter(np.ones(2))
    data_a = a.data
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = fw.Variable(np.ones(2))
    opt.step()
    assert a.data is data_a and not np.all(a.data == 1)
    np.testing.assert_array_equal(b.data, [1.0, 1.0])
    assert b not in opt.state or not opt.state[b]
