"""LambdaLR, MultiplicativeLR, LinearLR, ConstantLR, OneCycleLR,
CosineAnnealingWarmRestarts and SequentialLR against their rules written out in float64,
and their state_dicts (plain data, JSON) resuming mid-run."""
import json
import math

import numpy as np
import pytest

import framework as fw
from framework import optim
from framework.optim import lr_scheduler as S

N = 30


def _opt(lr=0.1, groups=1, cls=optim.SGD, **kwargs):
    ps = [fw.Parameter(np.zeros(2)) for _ in range(groups)]
    return cls([{"params": [p], "lr": lr * (i + 1)} for i, p in enumerate(ps)], lr=lr, **kwargs)


def _sequence(sched, n=N, key="lr"):
    """Group 0's ``key`` at steps 0..n-1 (step() after each)."""
    out = []
    for _ in range(n):
        group = sched.optimizer.param_groups[0]
        out.append(group[key] if key != "beta1" else group["betas"][0])
        sched.optimizer.step()
        sched.step()
    return out


def test_lambdalr_is_base_times_the_function():
    f = lambda e: 0.95 ** e + (e % 3) * 0.1  # noqa: E731
    sched = S.LambdaLR(_opt(0.2), f)
    np.testing.assert_allclose(_sequence(sched), [0.2 * f(t) for t in range(N)], rtol=1e-14)


def test_lambdalr_one_function_per_group():
    opt = _opt(0.1, groups=2)
    sched = S.LambdaLR(opt, [lambda e: 1.0 / (e + 1), lambda e: 2.0 ** -e])
    for _ in range(4):
        opt.step()
        sched.step()
    np.testing.assert_allclose(sched.get_last_lr(), [0.1 / 5, 0.2 * 2.0 ** -4], rtol=1e-15)
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas.*got 1"):
        S.LambdaLR(opt, [lambda e: 1.0])
    with pytest.raises(TypeError, match="lr_lambda should be a function.*float"):
        S.LambdaLR(opt, 0.5)


def test_multiplicativelr_multiplies_from_epoch_1():
    f = lambda e: 0.9 + 0.002 * e  # noqa: E731
    got = _sequence(S.MultiplicativeLR(_opt(0.3), f))
    want = [0.3 * math.prod(f(k) for k in range(1, t + 1)) for t in range(N)]
    np.testing.assert_allclose(got, want, rtol=1e-13)


@pytest.mark.parametrize("start,end,total", [(1 / 3, 1.0, 5), (0.1, 0.6, 7), (1.0, 0.25, 3)])
def test_linearlr_ramps_then_holds(start, end, total):
    got = _sequence(S.LinearLR(_opt(0.5), start, end, total))
    want = [0.5 * (start + (end - start) * min(t, total) / total) for t in range(N)]
    np.testing.assert_allclose(got, want, rtol=1e-13)


def test_constantlr_scales_then_restores():
    got = _sequence(S.ConstantLR(_opt(0.5), factor=0.25, total_iters=4))
    np.testing.assert_allclose(got, [0.125] * 4 + [0.5] * (N - 4), rtol=1e-15)


@pytest.mark.parametrize("make,message", [
    (lambda o: S.LinearLR(o, start_factor=0), "Starting multiplicative factor.*got 0"),
    (lambda o: S.LinearLR(o, end_factor=1.5), "Ending multiplicative factor.*got 1.5"),
    (lambda o: S.ConstantLR(o, factor=2.0), "between 0 and 1, got 2.0"),
    (lambda o: S.ConstantLR(o, total_iters=-1), "total_iters must be a non-negative integer"),
    (lambda o: S.OneCycleLR(o, max_lr=1.0), "either total_steps OR"),
    (lambda o: S.OneCycleLR(o, 1.0, total_steps=0), "positive integer total_steps, but got 0"),
    (lambda o: S.OneCycleLR(o, 1.0, 10, pct_start=1.5), "pct_start, but got 1.5"),
    (lambda o: S.OneCycleLR(o, 1.0, 10, anneal_strategy="exp"), "'cos' or 'linear'.*'exp'"),
    (lambda o: S.OneCycleLR(o, [1.0, 2.0], 10), "expected 1 values for max_lr"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, T_0=0), "positive integer T_0, but got 0"),
    (lambda o: S.CosineAnnealingWarmRestarts(o, 2, T_mult=0), "T_mult >= 1, but got 0"),
    (lambda o: S.SequentialLR(o, [], []), "at least one scheduler"),
])
def test_bad_arguments_name_the_value(make, message):
    with pytest.raises(ValueError, match=message):
        make(_opt())


# ---------------------------------------------------------------------------- OneCycleLR
def _anneal(kind, start, end, pct):
    if kind == "cos":
        return end + (start - end) / 2 * (1 + math.cos(math.pi * pct))
    return start + (end - start) * pct


def one_cycle_rule(step, total, max_lr, pct_start=0.3, kind="cos", three_phase=False,
                   div=25.0, final_div=1e4, base_m=0.85, max_m=0.95):
    """(lr, momentum) at ``step`` as the 1cycle policy defines it (PyTorch's phase ends)."""
    initial, peak = max_lr / div, max_lr
    low = initial / final_div
    up_end = pct_start * total - 1
    if three_phase:
        phases = [(up_end, initial, peak, max_m, base_m),
                  (2 * pct_start * total - 2, peak, initial, base_m, max_m),
                  (total - 1, initial, low, max_m, max_m)]
    else:
        phases = [(up_end, initial, peak, max_m, base_m), (total - 1, peak, low, base_m, max_m)]
    begin = 0.0
    for i, (end, lr0, lr1, m0, m1) in enumerate(phases):
        if step <= end or i == len(phases) - 1:
            pct = (step - begin) / (end - begin)
            return _anneal(kind, lr0, lr1, pct), _anneal(kind, m0, m1, pct)
        begin = end


@pytest.mark.parametrize("kind,three_phase,pct", [("cos", False, 0.3), ("linear", False, 0.25),
                                                  ("cos", True, 0.3), ("linear", True, 0.4)])
def test_onecycle_lr_and_momentum_follow_the_policy(kind, three_phase, pct):
    total = 40
    opt = _opt(0.1, momentum=0.9)
    sched = S.OneCycleLR(opt, max_lr=2.0, total_steps=total, pct_start=pct,
                         anneal_strategy=kind, three_phase=three_phase)
    lrs, moms = [], []
    for _ in range(total):
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(opt.param_groups[0]["momentum"])
        opt.step()
        sched.step()
    want = [one_cycle_rule(t, total, 2.0, pct, kind, three_phase) for t in range(total)]
    np.testing.assert_allclose(lrs, [w[0] for w in want], rtol=1e-12)
    np.testing.assert_allclose(moms, [w[1] for w in want], rtol=1e-12)
    assert lrs[0] == pytest.approx(2.0 / 25) and max(lrs) == pytest.approx(2.0, rel=1e-3)
    assert lrs[-1] == pytest.approx(2.0 / 25 / 1e4, rel=1e-12)


def test_onecycle_cycles_adams_beta1_and_per_group_max_lr():
    opt = _opt(0.1, groups=2, cls=optim.Adam)
    sched = S.OneCycleLR(opt, max_lr=[1.0, 3.0], epochs=2, steps_per_epoch=5,
                         base_momentum=0.8, max_momentum=0.9)
    betas = _sequence(sched, 10, key="beta1")
    want = [one_cycle_rule(t, 10, 1.0, base_m=0.8, max_m=0.9)[1] for t in range(10)]
    np.testing.assert_allclose(betas, want, rtol=1e-12)
    assert opt.param_groups[0]["betas"][1] == 0.999
    assert opt.param_groups[1]["max_lr"] == 3.0
    with pytest.raises(ValueError, match="Tried to step 11 times.*total steps is 10"):
        opt.step()
        sched.step()


def test_onecycle_needs_momentum_or_betas_to_cycle_them():
    opt = _opt(cls=optim.Adadelta)
    with pytest.raises(ValueError, match="neither momentum nor betas.*cycle_momentum=False"):
        S.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    sched = S.OneCycleLR(opt, max_lr=1.0, total_steps=10, cycle_momentum=False)
    assert sched.get_last_lr() == [pytest.approx(0.04)]


# ---------------------------------------------------------------------------- warm restarts
@pytest.mark.parametrize("T_0,T_mult", [(5, 1), (3, 2), (2, 3)])
def test_warm_restarts_rule(T_0, T_mult):
    eta_min, base = 0.01, 0.5
    got = _sequence(S.CosineAnnealingWarmRestarts(_opt(base), T_0, T_mult, eta_min), n=40)
    want, t_cur, t_i = [], 0, T_0
    for _ in range(40):
        want.append(eta_min + (base - eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2)
        t_cur += 1
        if t_cur >= t_i:
            t_cur, t_i = t_cur - t_i, t_i * T_mult
    np.testing.assert_allclose(got, want, rtol=1e-13)


def test_warm_restarts_fractional_epoch():
    sched = S.CosineAnnealingWarmRestarts(_opt(1.0), T_0=4, T_mult=2)
    sched.step(5.5)  # second cycle (length 8) began at epoch 4
    assert sched.T_i == 8 and sched.T_cur == pytest.approx(1.5)
    assert sched.get_last_lr()[0] == pytest.approx((1 + math.cos(math.pi * 1.5 / 8)) / 2)
    with pytest.raises(ValueError, match="non-negative epoch, but got -1"):
        sched.step(-1)


# ---------------------------------------------------------------------------- SequentialLR
def test_sequential_warmup_then_cosine_then_step():
    opt = _opt(0.4)
    sched = S.SequentialLR(opt, [S.LinearLR(opt, 0.1, 1.0, 4), S.CosineAnnealingLR(opt, T_max=8),
                                 S.StepLR(opt, step_size=3, gamma=0.5)], milestones=[5, 13])
    got = _sequence(sched)
    want = []
    for t in range(N):
        if t < 5:
            want.append(0.4 * (0.1 + 0.9 * min(t, 4) / 4))
        elif t < 13:
            want.append(0.4 * (1 + math.cos(math.pi * (t - 5) / 8)) / 2)
        else:
            want.append(0.4 * 0.5 ** ((t - 13) // 3))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-17)


def test_sequential_checks_its_schedulers():
    opt, other = _opt(), _opt()
    a = S.ConstantLR(opt)
    with pytest.raises(ValueError, match="same optimizer.*ConstantLR at index 1"):
        S.SequentialLR(opt, [a, S.ConstantLR(other)], milestones=[2])
    with pytest.raises(ValueError, match="one milestone fewer.*2 schedulers and 2 milestones"):
        S.SequentialLR(opt, [a, S.ExponentialLR(opt, 0.9)], milestones=[2, 3])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        S.SequentialLR(opt, [a, S.ReduceLROnPlateau(opt)], milestones=[2])


# ---------------------------------------------------------------------------- state_dicts
class Decay:
    """A callable object: its attributes are saved, as PyTorch does."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, epoch):
        return self.rate ** epoch


def _builders():
    return {
        "LambdaLR": lambda o: S.LambdaLR(o, lambda e: 1 / (1 + e)),
        "LambdaLR-object": lambda o: S.LambdaLR(o, Decay(0.9)),
        "MultiplicativeLR": lambda o: S.MultiplicativeLR(o, lambda e: 0.95),
        "LinearLR": lambda o: S.LinearLR(o, 0.2, 1.0, 6),
        "ConstantLR": lambda o: S.ConstantLR(o, 0.5, 5),
        "OneCycleLR": lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=12, three_phase=True),
        "CosineAnnealingWarmRestarts": lambda o: S.CosineAnnealingWarmRestarts(o, 2, 2, 1e-3),
        "SequentialLR": lambda o: S.SequentialLR(
            o, [S.LinearLR(o, 0.1, 1.0, 3), S.ExponentialLR(o, 0.8)], milestones=[4]),
    }


@pytest.mark.parametrize("name", sorted(_builders()))
def test_state_dict_is_json_and_resumes_exactly(name):
    build = _builders()[name]
    straight_opt = _opt(0.1, groups=2, momentum=0.9)
    straight = _sequence(build(straight_opt), n=12)
    opt = _opt(0.1, groups=2, momentum=0.9)
    sched = build(opt)
    first = _sequence(sched, n=5)
    saved = json.loads(json.dumps({"opt": opt.state_dict()["param_groups"],
                                   "sched": sched.state_dict()}))
    if name.startswith("LambdaLR"):
        assert saved["sched"]["lr_lambdas"] == ([None] * 2 if name == "LambdaLR"
                                                else [{"rate": 0.9}] * 2)
    # a new run builds the same objects, then loads both states
    opt2 = _opt(0.1, groups=2, momentum=0.9)
    sched2 = build(opt2)
    opt2.load_state_dict({"state": {}, "param_groups": saved["opt"]})
    sched2.load_state_dict(saved["sched"])
    assert sched2.last_epoch == sched.last_epoch == 5
    rest = _sequence(sched2, n=7)
    np.testing.assert_allclose(first + rest, straight, rtol=1e-15)
    assert opt2.param_groups[1]["momentum"] == straight_opt.param_groups[1]["momentum"]


def test_lambda_object_state_is_restored_into_the_new_object():
    opt = _opt()
    sched = S.LambdaLR(opt, Decay(0.5))
    state = sched.state_dict()
    state["lr_lambdas"] = [{"rate": 0.25}]
    fresh = S.LambdaLR(_opt(), Decay(0.5))
    fresh.load_state_dict(state)
    assert fresh.lr_lambdas[0].rate == 0.25
    assert "lr_lambdas" in state  # the caller's dict is not consumed


def test_every_new_scheduler_is_exported():
    for name in ("LambdaLR", "MultiplicativeLR", "LinearLR", "ConstantLR", "OneCycleLR",
                 "CosineAnnealingWarmRestarts", "SequentialLR"):
        assert name in S.__all__ and getattr(S, name).__module__.startswith("framework.optim")
