"""dropout: inverted scaling in training, identity in test mode."""
import numpy as np
import pytest

import framework.functions as F
import framework as fw
from framework import Variable
from framework.utils import array_allclose


def test_dropout_drops_and_rescales(xp, to_xp):
    np.random.seed(0)
    if xp is not np:
        xp.random.seed(0)
    x = Variable(to_xp(np.ones((200, 100))))
    y = F.dropout(x, dropout_ratio=0.3)
    values = np.unique(y.numpy())
    assert set(np.round(values, 6)) == {0.0, round(1 / 0.7, 6)}
    kept = float((y.numpy() != 0).mean())
    assert abs(kept - 0.7) < 0.02
    assert abs(float(y.numpy().mean()) - 1.0) < 0.03  # the expectation is unchanged
    y.backward(gradient=to_xp(np.full((200, 100), 2.0)))
    assert array_allclose(x.grad, 2.0 * y.numpy())  # the same mask and scale


def test_dropout_gradient_check_with_fixed_mask(rng):
    x = rng.normal(size=(3, 4))

    def f(v):
        np.random.seed(1)  # the same mask for every evaluation
        return F.dropout(v, 0.5)

    from framework.utils import gradient_check
    assert gradient_check(f, x)


def test_dropout_is_identity_in_test_mode():
    x = Variable(np.arange(6.0))
    with fw.test_mode():
        y = F.dropout(x, 0.5)
    assert array_allclose(y, x.data)
    assert F.dropout(np.arange(3.0), 0.0).numpy().tolist() == [0.0, 1.0, 2.0]


def test_dropout_ratio_one_zeroes_everything_and_bad_ratio_fails():
    y = F.dropout(Variable(np.ones(5)), 1.0)
    assert np.all(y.data == 0)
    with pytest.raises(ValueError, match=r"dropout_ratio must be in \[0, 1\], got 1.5"):
        F.dropout(Variable(np.ones(5)), 1.5)


def test_dropout_repeatable_with_seed_and_keeps_float32():
    x = Variable(np.ones((4, 5), dtype=np.float32))
    np.random.seed(3)
    a = F.dropout(x).data
    np.random.seed(3)
    b = F.dropout(x).data
    assert np.array_equal(a, b) and a.dtype == np.float32


@pytest.mark.parametrize("ratio", [0.5, 0.25, 0.1, 0.3, 0.9, 1 / 3])
def test_keep_mask_drops_with_the_asked_probability(ratio):
    from framework.functions.noise import keep_mask
    np.random.seed(7)
    n = 400_000
    dropped = 1.0 - float(keep_mask(np, (n,), ratio).mean())
    # Binomial standard error at n=4e5 is <= 8e-4; 5 of them.
    assert abs(dropped - ratio) < 4e-3, (ratio, dropped)


def test_keep_mask_edges_and_empty_shapes():
    from framework.functions.noise import keep_mask
    assert keep_mask(np, (3, 4), 0.0).all()
    assert not keep_mask(np, (3, 4), 1.0).any()
    assert keep_mask(np, (0, 5), 0.5).shape == (0, 5)
    # A ratio just under 1 drops (nearly) everything, never keeps by rounding up.
    assert not keep_mask(np, (1000,), 1 - 1e-12).any()
    # Elements are drawn independently: neighbours agree about half the time at 0.5.
    m = keep_mask(np, (200_000,), 0.5)
    assert abs(float((m[1:] == m[:-1]).mean()) - 0.5) < 0.01
