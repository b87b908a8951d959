"""framework.distributions (PyTorch's torch.distributions): values against numpy formulas
and PyTorch's numbers, gradients against central differences, seeded sample frequencies,
argument checks, and a REINFORCE policy that learns a two-armed bandit."""
import math

import numpy as np
import pytest

import framework as torch
from framework import nn, optim
from framework.distributions import (Bernoulli, Categorical, Distribution, Normal,
                                     kl_divergence, register_kl)
from framework.utils import gradient_check


def _np(t):
    return np.asarray(t.data)


# ---------------------------------------------------------------------- Categorical
def test_categorical_probs_are_normalised_and_logits_are_log_probs():
    m = Categorical(torch.tensor([[1.0, 2.0, 7.0], [2.0, 1.0, 1.0]]))
    np.testing.assert_allclose(_np(m.probs), [[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]], rtol=1e-6)
    np.testing.assert_allclose(_np(m.logits), np.log(_np(m.probs)), rtol=1e-6)
    assert tuple(m.batch_shape) == (2,) and tuple(m.event_shape) == ()
    c = Categorical(logits=torch.tensor([1.0, 2.0, 3.0]))
    # PyTorch: logits - logsumexp(logits), probs = softmax
    np.testing.assert_allclose(_np(c.logits), [-2.4076061, -1.4076061, -0.40760612], rtol=1e-6)
    np.testing.assert_allclose(_np(c.probs), [0.09003057, 0.24472846, 0.66524094], rtol=1e-6)
    assert tuple(c.batch_shape) == ()


def test_categorical_log_prob_entropy_match_pytorch():
    m = Categorical(torch.tensor([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]]))
    np.testing.assert_allclose(_np(m.log_prob(torch.tensor([2, 0]))),
                               [-0.35667494, -0.6931472], rtol=1e-6)
    # a (2, 1) value broadcasts against batch_shape (2,) to (2, 2)
    np.testing.assert_allclose(_np(m.log_prob(torch.tensor([[2], [1]]))),
                               [[-0.35667494, -1.3862944], [-1.609438, -1.3862944]], rtol=1e-6)
    np.testing.assert_allclose(_np(m.entropy()), [0.80181855, 1.0397208], rtol=1e-6)
    assert _np(m.log_prob(torch.tensor(1))).shape == (2,)
    assert math.isclose(float(Categorical(logits=torch.tensor([1.0, 2.0, 3.0])).entropy().item()),
                        0.8323958, rel_tol=1e-6)


def test_categorical_zero_probability_entropy_is_finite():
    m = Categorical(torch.tensor([0.0, 0.5, 0.5]))
    assert math.isclose(float(m.entropy().item()), math.log(2), rel_tol=1e-6)


def test_categorical_log_prob_gradient_flows_to_probs_and_logits():
    p = torch.tensor([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]], requires_grad=True)
    Categorical(p).log_prob(torch.tensor([2, 0])).sum().backward()
    # PyTorch's p.grad
    np.testing.assert_allclose(_np(p.grad), [[-1.0, -1.0, 0.42857146], [1.0, -1.0, -1.0]],
                               rtol=1e-5)
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((4, 5))
    idx = torch.tensor(rng.integers(0, 5, size=4))
    gradient_check(lambda x: Categorical(logits=x).log_prob(idx), logits)
    gradient_check(lambda x: Categorical(logits=x).entropy(), logits)
    probs = rng.uniform(0.1, 1.0, size=(4, 5))
    gradient_check(lambda x: Categorical(probs=x).log_prob(idx), probs)
    gradient_check(lambda x: Categorical(probs=x).entropy(), probs)


def test_categorical_sample_shape_dtype_frequencies_and_seed():
    m = Categorical(torch.tensor([0.1, 0.2, 0.7]))
    torch.manual_seed(0)
    s = m.sample((20000,))
    assert s.dtype == np.int64 and tuple(s.shape) == (20000,) and not s.requires_grad
    freq = np.bincount(_np(s), minlength=3) / 20000
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.015)
    torch.manual_seed(0)
    np.testing.assert_array_equal(_np(m.sample((20000,))), _np(s))
    batched = Categorical(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
    out = _np(batched.sample((5,)))
    assert out.shape == (5, 2)
    assert (out[:, 0] == 0).all() and (out[:, 1] == 1).all()
    assert tuple(m.sample().shape) == ()


def test_categorical_mean_variance_mode_support():
    m = Categorical(torch.tensor([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]]))
    assert np.isnan(_np(m.mean)).all() and _np(m.mean).shape == (2,)
    assert np.isnan(_np(m.variance)).all()
    np.testing.assert_array_equal(_np(m.mode), [2, 0])
    np.testing.assert_array_equal(_np(m.enumerate_support()), [[0, 0], [1, 1], [2, 2]])
    assert _np(m.enumerate_support(expand=False)).shape == (3, 1)


def test_categorical_argument_errors():
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        Categorical()
    with pytest.raises(ValueError, match="Either `probs` or `logits`"):
        Categorical(torch.tensor([0.5, 0.5]), logits=torch.tensor([0.0, 0.0]))
    with pytest.raises(ValueError, match="Simplex"):
        Categorical(torch.tensor([-0.1, 1.1]))
    with pytest.raises(ValueError, match="at least one-dimensional"):
        Categorical(torch.tensor(1.0))
    m = Categorical(torch.tensor([0.2, 0.3, 0.5]))
    with pytest.raises(ValueError, match="support"):
        m.log_prob(torch.tensor([3]))
    with pytest.raises(ValueError, match="support"):
        m.log_prob(torch.tensor([-1]))
    with pytest.raises(ValueError, match="Tensor"):
        m.log_prob(1)
    with pytest.raises(ValueError, match="broadcastable"):
        Categorical(torch.tensor([[0.5, 0.5]] * 3)).log_prob(torch.tensor([0, 1]))
    # validation off: no checks
    Categorical(torch.tensor([-0.1, 1.1]), validate_args=False)


# ---------------------------------------------------------------------- Normal
def test_normal_values_match_pytorch_and_formulas():
    n = Normal(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]))
    x = torch.tensor([0.5, 0.5])
    np.testing.assert_allclose(_np(n.log_prob(x)), [-1.0439385, -1.6433357], rtol=1e-6)
    np.testing.assert_allclose(_np(n.cdf(x)), [0.69146246, 0.4012937], rtol=1e-6)
    np.testing.assert_allclose(_np(n.entropy()), [1.4189385, 2.1120858], rtol=1e-6)
    np.testing.assert_allclose(_np(n.mean), [0.0, 1.0])
    np.testing.assert_allclose(_np(n.stddev), [1.0, 2.0])
    np.testing.assert_allclose(_np(n.variance), [1.0, 4.0])
    loc, scale, v = np.array([0.0, 1.0]), np.array([1.0, 2.0]), np.array([0.5, 0.5])
    ref = -(v - loc) ** 2 / (2 * scale ** 2) - np.log(scale) - 0.5 * np.log(2 * np.pi)
    np.testing.assert_allclose(_np(n.log_prob(x)), ref, rtol=1e-6)


def test_normal_broadcasts_numbers_and_tensors():
    n = Normal(0.0, 1.0)
    assert tuple(n.batch_shape) == ()
    assert math.isclose(float(n.log_prob(torch.tensor(0.3)).item()), -0.96393853, rel_tol=1e-6)
    m = Normal(torch.zeros(3, 1), torch.ones(1, 4))
    assert tuple(m.batch_shape) == (3, 4)
    assert tuple(m.sample((2,)).shape) == (2, 3, 4)
    assert tuple(Normal(torch.zeros(3), 2.0).scale.shape) == (3,)


def test_normal_sample_and_rsample():
    n = Normal(torch.tensor([1.0, -2.0]), torch.tensor([0.5, 3.0]))
    torch.manual_seed(1)
    s = _np(n.sample((40000,)))
    np.testing.assert_allclose(s.mean(0), [1.0, -2.0], atol=0.05)
    np.testing.assert_allclose(s.std(0), [0.5, 3.0], rtol=0.03)
    torch.manual_seed(1)
    np.testing.assert_array_equal(_np(n.sample((40000,))), s)
    loc = torch.tensor([1.0, -2.0], requires_grad=True)
    scale = torch.tensor([0.5, 3.0], requires_grad=True)
    assert not Normal(loc, scale).sample().requires_grad
    torch.manual_seed(2)
    r = Normal(loc, scale).rsample((1000,))
    r.sum().backward()
    eps = (_np(r) - np.array([1.0, -2.0])) / np.array([0.5, 3.0])
    np.testing.assert_allclose(_np(loc.grad), [1000.0, 1000.0])
    np.testing.assert_allclose(_np(scale.grad), eps.sum(0), rtol=1e-4)


def test_normal_gradients():
    rng = np.random.default_rng(3)
    loc, scale, x = rng.standard_normal(4), rng.uniform(0.5, 2.0, 4), rng.standard_normal(4)
    xt = torch.tensor(x)
    gradient_check(lambda a, b: Normal(a, b).log_prob(xt), loc, scale)
    gradient_check(lambda a, b: Normal(a, b).cdf(xt), loc, scale)
    gradient_check(lambda b: Normal(torch.tensor(loc), b).entropy(), scale)
    gradient_check(lambda v: Normal(torch.tensor(loc), torch.tensor(scale)).log_prob(v), x)


def test_normal_argument_errors():
    with pytest.raises(ValueError, match="GreaterThan"):
        Normal(0.0, -1.0)
    with pytest.raises(ValueError, match="GreaterThan"):
        Normal(torch.zeros(2), torch.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match="Real"):
        Normal(torch.tensor(float("nan")), 1.0)
    with pytest.raises(ValueError, match="support"):
        Normal(0.0, 1.0).log_prob(torch.tensor(float("nan")))
    Normal(0.0, -1.0, validate_args=False)


# ---------------------------------------------------------------------- Bernoulli, KL
def test_bernoulli_values_samples_and_gradients():
    b = Bernoulli(torch.tensor([0.3, 0.9]))
    np.testing.assert_allclose(_np(b.log_prob(torch.tensor([1.0, 0.0]))),
                               [-1.2039728, -2.302585], rtol=1e-5)
    np.testing.assert_allclose(_np(b.entropy()), [0.6108643, 0.32508302], rtol=1e-5)
    np.testing.assert_allclose(_np(b.mean), [0.3, 0.9])
    np.testing.assert_allclose(_np(b.variance), [0.21, 0.09], rtol=1e-5)
    torch.manual_seed(0)
    s = _np(b.sample((20000,)))
    assert s.dtype == np.float32 and set(np.unique(s)) <= {0.0, 1.0}
    np.testing.assert_allclose(s.mean(0), [0.3, 0.9], atol=0.015)
    lb = Bernoulli(logits=torch.tensor([0.0, 2.0]))
    np.testing.assert_allclose(_np(lb.probs), 1 / (1 + np.exp(-np.array([0.0, 2.0]))), rtol=1e-6)
    rng = np.random.default_rng(4)
    v = torch.tensor(rng.integers(0, 2, 5).astype(np.float64))
    gradient_check(lambda z: Bernoulli(logits=z).log_prob(v), rng.standard_normal(5))
    gradient_check(lambda p: Bernoulli(probs=p).log_prob(v), rng.uniform(0.1, 0.9, 5))
    gradient_check(lambda z: Bernoulli(logits=z).entropy(), rng.standard_normal(5))
    with pytest.raises(ValueError, match="Interval"):
        Bernoulli(torch.tensor(1.5))
    with pytest.raises(ValueError, match="Boolean"):
        b.log_prob(torch.tensor([0.5, 1.0]))


def test_kl_divergence_matches_pytorch_and_flows_gradients():
    n = Normal(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 2.0]))
    np.testing.assert_allclose(_np(kl_divergence(n, Normal(0.5, 1.5))),
                               [0.18324286, 0.15676242], rtol=1e-5)
    m = Categorical(torch.tensor([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]]))
    np.testing.assert_allclose(
        _np(kl_divergence(m, Categorical(torch.tensor([0.3, 0.3, 0.4])))),
        [0.20077673, 0.09233151], rtol=1e-5)
    b = Bernoulli(torch.tensor([0.3, 0.9]))
    np.testing.assert_allclose(_np(kl_divergence(b, Bernoulli(torch.tensor(0.5)))),
                               [0.08228289, 0.36806417], rtol=1e-5)
    # zero probabilities: 0 where p is 0, inf where only q is
    kl = _np(kl_divergence(Categorical(torch.tensor([0.0, 1.0])),
                           Categorical(torch.tensor([0.5, 0.5]))))
    assert math.isclose(float(kl), math.log(2), rel_tol=1e-6)
    assert np.isinf(_np(kl_divergence(Categorical(torch.tensor([0.5, 0.5])),
                                      Categorical(torch.tensor([0.0, 1.0])))))
    rng = np.random.default_rng(5)
    q = Normal(torch.tensor(rng.standard_normal(3)), torch.tensor(rng.uniform(0.5, 2, 3)))
    gradient_check(lambda a, s: kl_divergence(Normal(a, s), q), rng.standard_normal(3),
                   rng.uniform(0.5, 2, 3))
    ql = Categorical(logits=torch.tensor(rng.standard_normal((2, 4))))
    gradient_check(lambda z: kl_divergence(Categorical(logits=z), ql),
                   rng.standard_normal((2, 4)))
    with pytest.raises(NotImplementedError):
        kl_divergence(n, m)


def test_register_kl_and_base_class():
    class Point(Distribution):
        pass

    @register_kl(Point, Point)
    def _kl(p, q):
        return torch.tensor(0.0)

    assert float(kl_divergence(Point(), Point()).item()) == 0.0
    with pytest.raises(NotImplementedError):
        Point().log_prob(torch.tensor(0.0))
    assert isinstance(Normal(0.0, 1.0), Distribution)
    assert Normal.has_rsample and not Categorical.has_rsample


def test_scalar_batch_samples_are_tensors():
    torch.manual_seed(0)
    for d in (Categorical(torch.tensor([0.5, 0.5])), Normal(0.0, 1.0),
              Bernoulli(torch.tensor(0.5))):
        s = d.sample()
        assert tuple(s.shape) == () and isinstance(s, torch.Variable)
        assert tuple(d.sample((3,)).shape) == (3,)
    np.testing.assert_array_equal(_np(Bernoulli(torch.tensor([0.2, 0.5, 0.7])).mode),
                                  [0.0, np.nan, 1.0])
    assert tuple(Normal(0.0, 1.0).rsample().shape) == ()


def test_framework_distributions_is_a_lazy_submodule():
    assert torch.distributions.Categorical is Categorical


# ---------------------------------------------------------------------- REINFORCE
def test_reinforce_learns_the_better_arm_of_a_bandit():
    """PyTorch's REINFORCE recipe (sample, log_prob, -log_prob * R, backward) on a
    two-armed bandit whose arm 1 pays more: the policy comes to prefer arm 1."""
    torch.manual_seed(0)
    rng = np.random.default_rng(1)  # the rewards' stream, apart from the policy's draws
    policy = nn.Linear(1, 2)
    opt = optim.Adam(policy.parameters(), lr=0.05)
    state = torch.ones(1, 1)
    start = float(policy(state).softmax(-1)[0, 1].item())
    payout = np.array([0.2, 0.8])
    for _ in range(60):
        probs = policy(state).softmax(-1)
        m = Categorical(probs)
        actions = m.sample((16,))                       # (16, 1)
        rewards = (rng.random(16) < payout[_np(actions)[:, 0]]).astype(np.float32)
        baseline = rewards.mean()
        loss = (-m.log_prob(actions)[:, 0] * torch.tensor(rewards - baseline)).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
    final = float(policy(state).softmax(-1)[0, 1].item())
    assert start < 0.8 and final > 0.95, (start, final)
