"""nn.init: PyTorch's fills, gains and fan modes, in place on Parameters."""
import math

import numpy as np
import pytest

from framework import nn
from framework.nn import init


def _p(*shape):
    return nn.Parameter(np.zeros(shape, np.float32))


def test_constant_fills_in_place():
    p = _p(3, 4)
    data = p.data
    assert init.ones_(p) is p and np.all(p.data == 1) and p.data is data
    init.zeros_(p)
    assert np.all(p.data == 0)
    init.constant_(p, 2.5)
    assert np.all(p.data == 2.5) and p.dtype == np.float32
    init.eye_(p)
    assert np.array_equal(p.data, np.eye(3, 4))


def test_calculate_gain():
    assert init.calculate_gain("linear") == 1
    assert init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="gelu"):
        init.calculate_gain("gelu")


def test_fans():
    assert init.calculate_fan_in_and_fan_out((5, 3)) == (3, 5)
    assert init.calculate_fan_in_and_fan_out((8, 4, 3, 3)) == (36, 72)
    with pytest.raises(ValueError, match="2 dimensions"):
        init.calculate_fan_in_and_fan_out((3,))


def test_uniform_and_normal_statistics():
    np.random.seed(0)
    p = _p(200, 300)
    init.uniform_(p, -2, 3)
    assert p.data.min() >= -2 and p.data.max() <= 3
    assert abs(p.data.mean() - 0.5) < 0.05
    init.normal_(p, 1.0, 0.5)
    assert abs(p.data.mean() - 1) < 0.01 and abs(p.data.std() - 0.5) < 0.01
    init.trunc_normal_(p, 0, 1, -1, 1)
    assert p.data.min() >= -1 and p.data.max() <= 1


def test_xavier_and_kaiming_match_torch_formulas():
    np.random.seed(1)
    p = _p(300, 200)  # fan_in 200, fan_out 300
    init.xavier_uniform_(p, gain=2.0)
    bound = 2.0 * math.sqrt(6 / 500)
    assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.99 * bound
    init.xavier_normal_(p)
    assert p.data.std() == pytest.approx(math.sqrt(2 / 500), rel=0.02)
    init.kaiming_uniform_(p, nonlinearity="relu")
    bound = math.sqrt(2) * math.sqrt(3 / 200)
    assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.99 * bound
    init.kaiming_normal_(p, mode="fan_out", nonlinearity="relu")
    assert p.data.std() == pytest.approx(math.sqrt(2 / 300), rel=0.02)
    init.kaiming_uniform_(p, a=math.sqrt(5))  # PyTorch's layer default: U(+-1/sqrt(fan_in))
    assert np.abs(p.data).max() <= 1 / math.sqrt(200)
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_normal_(p, mode="fan_avg")


def test_init_through_apply():
    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))

    def reinit(m):
        if isinstance(m, nn.Linear):
            init.xavier_uniform_(m.weight)
            init.zeros_(m.bias)

    net.apply(reinit)
    assert all(np.all(m.bias.data == 0) for m in net if isinstance(m, nn.Linear))


def test_init_rejects_non_arrays():
    with pytest.raises(TypeError, match="Parameter"):
        init.zeros_([1, 2])
