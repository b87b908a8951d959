"""nn.utils: clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters."""
import math

import numpy as np
import pytest

from framework import Variable, nn
from framework.utils import gradient_check


def _params_with_grads():
    a = nn.Parameter(np.zeros((2, 2)))
    b = nn.Parameter(np.zeros(3))
    c = nn.Parameter(np.zeros(1))  # no gradient: skipped
    a.grad = Variable(np.array([[3.0, -4.0], [0.0, 12.0]]))
    b.grad = Variable(np.array([1.0, -2.0, 2.0]))
    return [a, b, c]


def test_clip_grad_norm_scales_and_returns_the_total_norm():
    params = _params_with_grads()
    total = nn.utils.clip_grad_norm_(params, max_norm=6.5)
    expected = math.sqrt(9 + 16 + 144 + 1 + 4 + 4)  # 13.6...
    assert isinstance(total, Variable) and np.isclose(float(total.data), expected)
    coef = 6.5 / (expected + 1e-6)
    assert np.allclose(params[0].grad.data, np.array([[3.0, -4.0], [0.0, 12.0]]) * coef)
    assert np.allclose(params[1].grad.data, np.array([1.0, -2.0, 2.0]) * coef)
    # Below the limit nothing changes.
    params = _params_with_grads()
    nn.utils.clip_grad_norm_(params, max_norm=100.0)
    assert np.array_equal(params[1].grad.data, [1.0, -2.0, 2.0])


def test_clip_grad_norm_inf_and_p_norms_and_nonfinite():
    params = _params_with_grads()
    assert float(nn.utils.clip_grad_norm_(params, 1.0, norm_type=float("inf")).data) == 12.0
    assert np.isclose(np.abs(params[0].grad.data).max(), 12 / (12 + 1e-6))
    params = _params_with_grads()
    total = nn.utils.clip_grad_norm_(params, 100.0, norm_type=1)
    assert float(total.data) == 3 + 4 + 12 + 1 + 2 + 2
    params = _params_with_grads()
    params[1].grad.data[0] = np.inf
    with pytest.raises(RuntimeError, match="error_if_nonfinite=False"):
        nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert nn.utils.clip_grad_norm_(nn.Parameter(np.zeros(2)), 1.0).data == 0.0
    with pytest.raises(ValueError, match="norm_type"):
        nn.utils.clip_grad_norm_(params, 1.0, norm_type=0)


def test_clip_grad_value_():
    params = _params_with_grads()
    nn.utils.clip_grad_value_(params, 2.5)
    assert np.array_equal(params[0].grad.data, [[2.5, -2.5], [0.0, 2.5]])
    assert np.array_equal(params[1].grad.data, [1.0, -2.0, 2.0])
    with pytest.raises(ValueError, match="clip_value"):
        nn.utils.clip_grad_value_(params, -1)


def test_parameters_to_vector_and_back():
    m = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = nn.utils.parameters_to_vector(m.parameters())
    flat = np.concatenate([p.data.reshape(-1) for p in m.parameters()])
    assert vec.shape == (11,) and np.array_equal(vec.data, flat)
    arrays = [p.data for p in m.parameters()]
    nn.utils.vector_to_parameters(np.arange(11.0), m.parameters())
    assert np.array_equal(m[0].weight.data, np.arange(6.0).reshape(2, 3))
    assert np.array_equal(m[1].bias.data, [10.0])
    assert all(p.data is a for p, a in zip(m.parameters(), arrays))  # in place
    # parameters_to_vector is differentiable: the gradient reaches each parameter.
    ws = [np.random.default_rng(0).standard_normal((2, 3)), np.ones(4)]
    gradient_check(lambda a, b: nn.utils.parameters_to_vector([a, b]) * np.arange(10.0), *ws)
    with pytest.raises(ValueError, match=r"expected \(11,\)"):
        nn.utils.vector_to_parameters(np.zeros(10), m.parameters())
    with pytest.raises(TypeError, match="tensor"):
        nn.utils.vector_to_parameters([0.0] * 11, m.parameters())
