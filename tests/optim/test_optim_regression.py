"""Every optimizer trains a linear regression to the true weights (real autograd)."""
import numpy as np
import pytest

import framework as fw
import framework.functions as F
from framework import optim
from framework.optim import lr_scheduler

TRUE_W = np.array([[2.0], [-3.0], [0.5]], np.float32)
TRUE_B = np.float32(1.5)


def _data():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (128, 3)).astype(np.float32)
    y = x @ TRUE_W + TRUE_B + 0.01 * rng.standard_normal((128, 1)).astype(np.float32)
    return x, y


@pytest.mark.parametrize("make,steps", [
    (lambda ps: optim.SGD(ps, lr=0.3), 300),
    (lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True), 300),
    (lambda ps: optim.Adam(ps, lr=0.05), 600),
    (lambda ps: optim.AdamW(ps, lr=0.05, weight_decay=1e-4), 600),
    (lambda ps: optim.RMSprop(ps, lr=0.05), 600),
    (lambda ps: optim.AdaGrad(ps, lr=0.5), 600),
], ids=["SGD", "SGD-nesterov", "Adam", "AdamW", "RMSprop", "AdaGrad"])
def test_linear_regression_converges(make, steps):
    x, y = _data()
    W = fw.Parameter(np.zeros((3, 1), np.float32))
    b = fw.Parameter(np.zeros(1, np.float32))
    opt = make([W, b])
    sched = lr_scheduler.ExponentialLR(opt, gamma=0.995)
    first = None
    for _ in range(steps):
        opt.zero_grad()
        loss = F.mean_squared_error(F.linear(x, W, b), y)
        loss.backward()
        opt.step()
        sched.step()
        first = float(loss.data) if first is None else first
    assert W.data.dtype == np.float32 and b.data.dtype == np.float32
    assert float(loss.data) < 1e-3 < first
    np.testing.assert_allclose(W.data, TRUE_W, atol=0.02)
    np.testing.assert_allclose(b.data, [TRUE_B], atol=0.02)
