"""Loss modules: PyTorch's formulas and reductions, gradients checked numerically."""
import numpy as np
import pytest

from framework import nn
from framework.utils import gradient_check


def _log_softmax(x, axis=1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


@pytest.fixture
def logits():
    np.random.seed(0)
    return np.random.randn(5, 4), np.array([0, 3, 1, 1, 2])


def test_cross_entropy_reductions(logits):
    x, t = logits
    per = -_log_softmax(x)[np.arange(5), t]
    assert np.isclose(nn.CrossEntropyLoss()(x, t).data, per.mean())
    assert np.isclose(nn.CrossEntropyLoss(reduction="sum")(x, t).data, per.sum())
    assert np.allclose(nn.CrossEntropyLoss(reduction="none")(x, t).data, per)
    gradient_check(lambda v: nn.CrossEntropyLoss()(v, t), x)
    gradient_check(lambda v: nn.CrossEntropyLoss(reduction="none")(v, t), x)


def test_cross_entropy_weight_ignore_index_and_soft_targets(logits):
    x, t = logits
    w = np.array([1.0, 2.0, 0.5, 3.0])
    per = -_log_softmax(x)[np.arange(5), t]
    loss = nn.CrossEntropyLoss(weight=w)(x, t).data
    assert np.isclose(loss, (per * w[t]).sum() / w[t].sum())
    t_ign = t.copy()
    t_ign[1] = -100
    keep = t_ign != -100
    assert np.isclose(nn.CrossEntropyLoss()(x, t_ign).data, per[keep].mean())
    gradient_check(lambda v: nn.CrossEntropyLoss(weight=w)(v, t_ign), x)
    probs = np.eye(4)[t]
    assert np.isclose(nn.CrossEntropyLoss()(x, probs).data, per.mean())
    # (N, C, d) inputs
    x3 = np.random.randn(2, 4, 3)
    t3 = np.random.randint(0, 4, size=(2, 3))
    per3 = -np.take_along_axis(_log_softmax(x3), t3[:, None], axis=1)[:, 0]
    out = nn.CrossEntropyLoss(reduction="none")(x3, t3)
    assert out.shape == (2, 3) and np.allclose(out.data, per3)


def test_cross_entropy_bad_targets(logits):
    x, t = logits
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        nn.CrossEntropyLoss(reduction="sum")(x, t + 4)
    with pytest.raises(ValueError, match="reduction"):
        nn.CrossEntropyLoss(reduction="avg")


def test_nll_loss(logits):
    x, t = logits
    logp = _log_softmax(x)
    assert np.isclose(nn.NLLLoss()(logp, t).data, -logp[np.arange(5), t].mean())
    assert np.isclose(nn.NLLLoss()(logp[0], t[0]).data, -logp[0, t[0]])
    gradient_check(lambda v: nn.NLLLoss(reduction="sum")(v, t), logp)


def test_mse_and_l1():
    np.random.seed(1)
    a, b = np.random.randn(4, 3), np.random.randn(4, 3)
    assert np.isclose(nn.MSELoss()(a, b).data, ((a - b) ** 2).mean())  # over elements
    assert np.isclose(nn.MSELoss(reduction="sum")(a, b).data, ((a - b) ** 2).sum())
    assert np.allclose(nn.MSELoss(reduction="none")(a, b).data, (a - b) ** 2)
    assert np.isclose(nn.L1Loss()(a, b).data, np.abs(a - b).mean())
    gradient_check(lambda v: nn.MSELoss()(v, b), a)
    gradient_check(lambda v: nn.L1Loss()(v, b), a)
    with pytest.raises(ValueError, match="reshape"):
        nn.MSELoss()(np.zeros((4, 1)), np.zeros(4))


def test_bce_and_bce_with_logits():
    np.random.seed(2)
    z = np.random.randn(6, 2)
    p = 1 / (1 + np.exp(-z))
    t = (np.random.rand(6, 2) > 0.5).astype(np.float64)
    ref = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    assert np.isclose(nn.BCELoss()(p, t).data, ref.mean())
    assert np.allclose(nn.BCELoss(reduction="none")(p, t).data, ref)
    assert np.isclose(nn.BCEWithLogitsLoss()(z, t).data, ref.mean())
    assert np.isclose(nn.BCEWithLogitsLoss(reduction="sum")(z, t.astype(np.int64)).data,
                      ref.sum())
    w = np.array([1.0, 3.0])
    assert np.isclose(nn.BCELoss(weight=w)(p, t).data, (ref * w).mean())
    pw = np.array([2.0, 0.5])
    ref_pw = -(pw * t * np.log(p) + (1 - t) * np.log(1 - p))
    assert np.isclose(nn.BCEWithLogitsLoss(pos_weight=pw)(z, t).data, ref_pw.mean())
    gradient_check(lambda v: nn.BCELoss()(v, t), p)
    gradient_check(lambda v: nn.BCEWithLogitsLoss(pos_weight=pw)(v, t), z)
    # extreme logits stay finite; p = 0 or 1 is clamped as torch does
    assert np.isfinite(nn.BCEWithLogitsLoss()(np.array([[800.0, -800.0]]),
                                              np.array([[0.0, 1.0]])).data)
    assert np.isclose(nn.BCELoss()(np.array([0.0]), np.array([1.0])).data, 100.0)


def test_loss_dtype_follows_input():
    x = np.random.randn(3, 2).astype(np.float32)
    assert nn.CrossEntropyLoss()(x, np.array([0, 1, 1])).dtype == np.float32
    assert nn.MSELoss()(x, np.zeros_like(x)).dtype == np.float32
    assert nn.BCEWithLogitsLoss()(x, np.ones_like(x)).dtype == np.float32
