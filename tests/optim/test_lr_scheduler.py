"""lr schedulers against closed forms and PyTorch's documented recursions."""
import json
import math

import numpy as np
import pytest

import framework as fw
from framework import optim
from framework.optim import lr_scheduler as S

N = 30


def _opt(lr=0.1, groups=1):
    ps = [fw.Parameter(np.zeros(2)) for _ in range(groups)]
    return optim.SGD([{"params": [p], "lr": lr * (i + 1)} for i, p in enumerate(ps)], lr=lr)


def _sequence(sched, n=N):
    """The lr of group 0 at epochs 0..n-1 (step() called after each epoch)."""
    out = []
    for _ in range(n):
        out.append(sched.optimizer.param_groups[0]["lr"])
        assert sched.get_last_lr()[0] == out[-1]
        sched.optimizer.step()
        sched.step()
    return out


def test_construction_sets_initial_lr_and_takes_the_first_step():
    opt = _opt(0.1, groups=2)
    sched = S.StepLR(opt, step_size=3)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.2]
    assert sched.base_lrs == [0.1, 0.2] and sched.last_epoch == 0
    assert sched.get_last_lr() == [0.1, 0.2]


def test_resuming_needs_initial_lr():
    with pytest.raises(KeyError, match=r"initial_lr.*param_groups\[0\]"):
        S.ExponentialLR(_opt(), gamma=0.9, last_epoch=4)


def test_steplr_closed_form():
    got = _sequence(S.StepLR(_opt(0.1), step_size=7, gamma=0.5))
    want = [0.1 * 0.5 ** (t // 7) for t in range(N)]
    np.testing.assert_allclose(got, want, rtol=1e-15)


def test_multisteplr_with_repeated_milestone():
    got = _sequence(S.MultiStepLR(_opt(0.1), milestones=[20, 5, 12, 12], gamma=0.3))
    want = [0.1 * 0.3 ** sum(m <= t for m in [5, 12, 12, 20]) for t in range(N)]
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_exponentiallr_closed_form():
    got = _sequence(S.ExponentialLR(_opt(0.2), gamma=0.9))
    np.testing.assert_allclose(got, [0.2 * 0.9 ** t for t in range(N)], rtol=1e-13)


@pytest.mark.parametrize("T_max,eta_min", [(10, 0.0), (7, 0.01), (1, 0.0)])
def test_cosine_follows_torch_recursion_past_t_max(T_max, eta_min):
    base = 0.1
    got = _sequence(S.CosineAnnealingLR(_opt(base), T_max=T_max, eta_min=eta_min))
    # PyTorch's documented recursion, written out
    want = [base]
    for t in range(1, N):
        prev = want[-1]
        if (t - 1 - T_max) % (2 * T_max) == 0:
            want.append(prev + (base - eta_min) * (1 - math.cos(math.pi / T_max)) / 2)
        else:
            want.append(eta_min + (prev - eta_min) * (1 + math.cos(math.pi * t / T_max))
                        / (1 + math.cos(math.pi * (t - 1) / T_max)))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    # ... which agrees with the closed form, including past T_max where it climbs back
    closed = [eta_min + (base - eta_min) * (1 + math.cos(math.pi * t / T_max)) / 2
              for t in range(N)]
    np.testing.assert_allclose(got, closed, rtol=1e-9, atol=1e-12)
    assert got[T_max] == pytest.approx(eta_min, abs=1e-12)
    assert got[2 * T_max] == pytest.approx(base, rel=1e-9)


def test_cosine_is_chainable_with_a_manual_change():
    opt = _opt(0.1)
    sched = S.CosineAnnealingLR(opt, T_max=10)
    sched.step()
    opt.param_groups[0]["lr"] *= 0.5  # another scheduler (or the user) halves it
    before = opt.param_groups[0]["lr"]
    sched.step()
    factor = (1 + math.cos(math.pi * 2 / 10)) / (1 + math.cos(math.pi / 10))
    assert opt.param_groups[0]["lr"] == pytest.approx(before * factor, rel=1e-14)


def test_step_with_epoch_uses_closed_form_and_warns():
    sched = S.StepLR(_opt(0.1), step_size=3, gamma=0.5)
    with pytest.warns(DeprecationWarning):
        sched.step(7)
    assert sched.get_last_lr() == [pytest.approx(0.1 * 0.25)]


def test_scheduler_state_dict_round_trips_through_json():
    opt = _opt(0.1, groups=2)
    sched = S.CosineAnnealingLR(opt, T_max=5, eta_min=0.001)
    for _ in range(8):
        sched.step()
    sd = json.loads(json.dumps(sched.state_dict()))
    opt2 = _opt(0.1, groups=2)
    for g, g2 in zip(opt.param_groups, opt2.param_groups):
        g2["lr"] = g["lr"]
    sched2 = S.CosineAnnealingLR(opt2, T_max=99)
    sched2.load_state_dict(sd)
    assert sched2.T_max == 5 and sched2.last_epoch == 8
    for _ in range(12):
        sched.step()
        sched2.step()
        assert sched2.get_last_lr() == sched.get_last_lr()
    with pytest.raises(ValueError, match="2 values in 'base_lrs'.*1 parameter groups"):
        S.StepLR(_opt(), step_size=2).load_state_dict(sd)


def test_scheduler_argument_checks():
    with pytest.raises(TypeError, match="Optimizer, got list"):
        S.StepLR([1], step_size=2)
    with pytest.raises(ValueError, match="step_size must be a positive integer, got 0"):
        S.StepLR(_opt(), step_size=0)
    with pytest.raises(ValueError, match="T_max must be a positive integer"):
        S.CosineAnnealingLR(_opt(), T_max=2.5)
    with pytest.raises(ValueError, match="milestones must be integers"):
        S.MultiStepLR(_opt(), milestones=[1.5])


# ---------------------------------------------------------------------------- plateau
def test_plateau_patience_and_cooldown():
    opt = _opt(1.0)
    sched = S.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1)
    metrics = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8]
    lrs = []
    for m in metrics:
        sched.step(m)
        lrs.append(opt.param_groups[0]["lr"])
    # best 0.9 at epoch 2; bad epochs 3,4,5 -> reduce at 5 (3 > patience 2); cooldown
    # swallows epoch 6; bad 7, 8 is an improvement; bad 9,10,11 -> reduce at 12
    assert lrs == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25]
    assert sched.get_last_lr() == [0.25]


def test_plateau_threshold_rel_abs_and_max_mode():
    # rel: 0.99995 is not better than 1.0 * (1 - 1e-4)
    opt = _opt(1.0)
    sched = S.ReduceLROnPlateau(opt, patience=0, threshold=1e-4)
    sched.step(1.0)
    sched.step(0.99995)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)
    # abs threshold 0.1 in max mode: 1.05 is no improvement over 1.0, 1.2 is
    opt = _opt(1.0)
    sched = S.ReduceLROnPlateau(opt, mode="max", patience=1, threshold=0.1,
                                threshold_mode="abs")
    for m in [1.0, 1.05, 1.2, 1.25]:
        sched.step(m)
    assert opt.param_groups[0]["lr"] == 1.0
    sched.step(1.0)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)


def test_plateau_min_lr_and_eps():
    opt = _opt(1.0, groups=2)
    sched = S.ReduceLROnPlateau(opt, factor=0.1, patience=0, min_lr=[0.05, 0.5])
    for m in [1.0, 1.0, 1.0, 1.0]:
        sched.step(m)
    assert [g["lr"] for g in opt.param_groups] == [pytest.approx(0.05), 0.5]
    opt = _opt(1e-8)
    sched = S.ReduceLROnPlateau(opt, factor=0.5, patience=0)  # change < eps: skipped
    sched.step(1.0)
    sched.step(1.0)
    assert opt.param_groups[0]["lr"] == 1e-8


def test_plateau_state_round_trip_and_errors():
    opt = _opt(1.0)
    sched = S.ReduceLROnPlateau(opt, patience=3)
    for m in [3.0, 2.0, 2.5]:
        sched.step(np.float32(m))
    sd = json.loads(json.dumps(sched.state_dict()))
    other = S.ReduceLROnPlateau(_opt(1.0), patience=3)
    other.load_state_dict(sd)
    assert other.best == 2.0 and other.num_bad_epochs == 1 and other.last_epoch == 3
    assert math.isinf(S.ReduceLROnPlateau(_opt()).state_dict()["best"])
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        S.ReduceLROnPlateau(_opt(), factor=1.0)
    with pytest.raises(ValueError, match="mode 'low' is unknown"):
        S.ReduceLROnPlateau(_opt(), mode="low")
    with pytest.raises(ValueError, match="threshold mode 'x' is unknown"):
        S.ReduceLROnPlateau(_opt(), threshold_mode="x")
    with pytest.raises(ValueError, match="expected 1 min_lrs"):
        S.ReduceLROnPlateau(_opt(), min_lr=[0.1, 0.2])
