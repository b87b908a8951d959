"""PyTorch's ``torch.distributions`` (``from framework.distributions import Categorical``):
probability distributions whose ``log_prob``, ``entropy`` and ``rsample`` are built from
differentiable tensor operations, for policy gradients (REINFORCE), variational
objectives and likelihoods.

``Distribution`` (the base), ``Categorical``, ``Normal``, ``Bernoulli``, and
``kl_divergence`` (Normal, Categorical and Bernoulli pairs; ``register_kl`` adds more).
Samples come from the framework's generator, so ``framework.manual_seed`` repeats them.
"""
from framework.distributions.bernoulli import Bernoulli
from framework.distributions.categorical import Categorical
from framework.distributions.distribution import Distribution
from framework.distributions.kl import kl_divergence, register_kl
from framework.distributions.normal import Normal

__all__ = ["Distribution", "Categorical", "Normal", "Bernoulli", "kl_divergence",
           "register_kl"]
