"""nn.functional losses and the new loss modules (NLLLoss, L1Loss, SmoothL1Loss,
HuberLoss, KLDivLoss): numpy formulas for every reduction, gradients numerically."""
import numpy as np
import pytest

import framework.nn.functional as NF
from framework import Variable, nn
from framework.utils import gradient_check


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _log_softmax(x, axis=1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def _reduce(per, reduction):
    return {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction]


def test_cross_entropy_weight_ignore_index_label_smoothing(rng):
    x = rng.standard_normal((6, 4))
    t = np.array([0, 3, 1, -100, 2, 2])
    w = np.array([1.0, 2.0, 0.5, 3.0])
    eps = 0.2
    lp = _log_softmax(x)
    valid = t != -100
    ts = np.where(valid, t, 0)
    wt = w[ts] * valid
    nll = -(lp[np.arange(6), ts]) * wt
    smooth = -(lp * w).sum(1) * valid
    ref_sum = (1 - eps) * nll.sum() + eps / 4 * smooth.sum()
    got = NF.cross_entropy(x, t, weight=w, label_smoothing=eps, reduction="sum")
    assert np.isclose(got.data, ref_sum)
    got = NF.cross_entropy(x, t, weight=w, label_smoothing=eps)  # mean: by the summed weights
    assert np.isclose(got.data, ref_sum / wt.sum())
    none = NF.cross_entropy(x, t, weight=w, label_smoothing=eps, reduction="none")
    assert np.allclose(none.data, (1 - eps) * nll + eps / 4 * smooth)
    assert none.data[3] == 0
    gradient_check(lambda v: NF.cross_entropy(v, t, weight=w, label_smoothing=eps), x)
    plain = NF.cross_entropy(x[valid], t[valid])
    assert np.isclose(plain.data, -lp[valid][np.arange(5), t[valid]].mean())
    # The legacy size_average/reduce arguments map to reduction as PyTorch maps them.
    assert np.isclose(NF.cross_entropy(x[valid], t[valid], size_average=False).data,
                      -lp[valid][np.arange(5), t[valid]].sum())
    with pytest.raises(ValueError, match="label_smoothing"):
        NF.cross_entropy(x, t, label_smoothing=1.5)


def test_cross_entropy_spatial_and_probability_targets(rng):
    x = rng.standard_normal((2, 3, 4))  # (N, C, d)
    t = rng.integers(0, 3, (2, 4))
    lp = _log_softmax(x)
    per = -np.take_along_axis(lp, t[:, None], axis=1)[:, 0]
    assert np.allclose(NF.cross_entropy(x, t, reduction="none").data, per)
    gradient_check(lambda v: NF.cross_entropy(v, t), x)
    p = rng.random((2, 3, 4))
    p /= p.sum(axis=1, keepdims=True)
    assert np.isclose(NF.cross_entropy(x, p).data, -(lp * p).sum(1).mean())


def test_nll_loss(rng):
    lp = _log_softmax(rng.standard_normal((5, 3)))
    t = np.array([2, 0, 1, 1, 0])
    w = np.array([0.5, 1.0, 2.0])
    per = -lp[np.arange(5), t] * w[t]
    assert np.isclose(NF.nll_loss(lp, t, weight=w).data, per.sum() / w[t].sum())
    assert np.isclose(NF.nll_loss(lp, t, reduction="sum", ignore_index=0).data,
                      -lp[np.arange(5), t][t != 0].sum())
    loss = nn.NLLLoss(weight=w, reduction="none")(lp, t)
    assert np.allclose(loss.data, per)
    gradient_check(lambda v: NF.nll_loss(v, t, weight=w), lp)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses(rng, reduction):
    a, b = rng.uniform(-3, 3, (3, 4)), rng.uniform(-1, 1, (3, 4))
    d = a - b
    huber = np.where(np.abs(d) <= 0.7, 0.5 * d * d, 0.7 * (np.abs(d) - 0.35))
    smooth = np.where(np.abs(d) < 0.5, 0.5 * d * d / 0.5, np.abs(d) - 0.25)
    cases = [
        (NF.mse_loss(a, b, reduction=reduction), nn.MSELoss(reduction=reduction)(a, b), d * d),
        (NF.l1_loss(a, b, reduction=reduction), nn.L1Loss(reduction=reduction)(a, b), np.abs(d)),
        (NF.huber_loss(a, b, reduction=reduction, delta=0.7),
         nn.HuberLoss(reduction=reduction, delta=0.7)(a, b), huber),
        (NF.smooth_l1_loss(a, b, reduction=reduction, beta=0.5),
         nn.SmoothL1Loss(reduction=reduction, beta=0.5)(a, b), smooth),
        (NF.smooth_l1_loss(a, b, reduction=reduction, beta=0.0),
         nn.SmoothL1Loss(reduction=reduction, beta=0.0)(a, b), np.abs(d)),
    ]
    for functional, module, per in cases:
        assert np.allclose(functional.data, _reduce(per, reduction))
        assert np.allclose(module.data, _reduce(per, reduction))
    gradient_check(lambda u, v: NF.huber_loss(u, v, reduction=reduction, delta=0.7), a, b)
    gradient_check(lambda u, v: NF.smooth_l1_loss(u, v, reduction=reduction, beta=0.5), a, b)
    gradient_check(lambda u, v: NF.l1_loss(u, v, reduction=reduction), a, b)


def test_regression_losses_check_shapes_and_arguments():
    with pytest.raises(ValueError, match="shape"):
        NF.huber_loss(np.zeros((3, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="beta"):
        nn.SmoothL1Loss(beta=-1.0)
    with pytest.raises(ValueError, match="delta"):
        nn.HuberLoss(delta=0.0)
    with pytest.raises(ValueError, match="reduction"):
        nn.HuberLoss(reduction="batchmean")


@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
def test_kl_div(rng, reduction):
    logq = _log_softmax(rng.standard_normal((3, 4)))
    p = np.exp(_log_softmax(rng.standard_normal((3, 4))))
    p[0, 1] = 0.0  # 0 log 0 = 0
    per = np.where(p > 0, p * (np.log(np.where(p > 0, p, 1)) - logq), 0.0)
    ref = per.sum() / 3 if reduction == "batchmean" else _reduce(per, reduction)
    assert np.allclose(NF.kl_div(logq, p, reduction=reduction).data, ref)
    assert np.allclose(nn.KLDivLoss(reduction=reduction)(logq, p).data, ref)
    logp = np.log(p + 0.1)
    per_log = np.exp(logp) * (logp - logq)
    ref_log = per_log.sum() / 3 if reduction == "batchmean" else _reduce(per_log, reduction)
    assert np.allclose(NF.kl_div(logq, logp, reduction=reduction, log_target=True).data, ref_log)
    gradient_check(lambda u: NF.kl_div(u, p, reduction=reduction), logq)
    # The target's gradient too (away from 0), in both forms.
    gradient_check(lambda u, v: NF.kl_div(u, v, reduction=reduction), logq, p + 0.2)
    gradient_check(lambda u, v: NF.kl_div(u, v, reduction=reduction, log_target=True), logq, logp)


def test_binary_cross_entropy_functional_and_target_gradients(rng):
    x = rng.standard_normal((3, 4))
    p = 1 / (1 + np.exp(-x))
    t = rng.random((3, 4))
    w = rng.random(4)
    per = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert np.isclose(NF.binary_cross_entropy(p, t, weight=w).data, (per * w).mean())
    assert np.isclose(NF.binary_cross_entropy_with_logits(x, t, weight=w).data, (per * w).mean())
    pw = np.array([1.0, 2.0, 0.5, 3.0])
    per_pw = -(pw * t * np.log(p) + (1 - t) * np.log(1 - p))
    assert np.isclose(NF.binary_cross_entropy_with_logits(x, t, pos_weight=pw, reduction="sum").data,
                      per_pw.sum())
    gradient_check(lambda u, v: NF.binary_cross_entropy(u, v), p, t)
    gradient_check(lambda u, v: NF.binary_cross_entropy_with_logits(u, v, pos_weight=pw), x, t)
    # An array target is a constant: no gradient recorded for it.
    v = Variable(x.copy())
    NF.binary_cross_entropy_with_logits(v, (t > 0.5).astype(int)).backward()
    assert v.grad is not None
