"""``Bernoulli``: 1 with probability ``probs`` (or ``sigmoid(logits)``), else 0."""
import numpy as np

from framework import backend
from framework.core.variable import Variable
from framework.distributions.distribution import Distribution, broadcast_all, draw_uniform
from framework.distributions.utils import lazy_property, logits_to_probs, probs_to_logits
from framework.functions import softplus


class Bernoulli(Distribution):
    """PyTorch's ``torch.distributions.Bernoulli``: exactly one of ``probs`` (in [0, 1])
    or ``logits`` (log-odds). Samples are floats 0./1.; ``log_prob`` is
    ``value * logits - softplus(logits)`` (minus the logits' binary cross-entropy)."""

    arg_constraints = {"probs": "Interval(lower_bound=0.0, upper_bound=1.0)",
                       "logits": "Real()"}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            self.probs, = broadcast_all(probs)
            param = self.probs
        else:
            self.logits, = broadcast_all(logits)
            param = self.logits
        self._param = param
        super().__init__(param.shape, (), validate_args)
        a = param.data
        if "probs" in self.__dict__:
            self._check_param("probs", (a >= 0) & (a <= 1),
                              "Interval(lower_bound=0.0, upper_bound=1.0)")
        else:
            self._check_param("logits", a == a, "Real()")

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def mean(self):
        return self.probs

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    @property
    def mode(self):
        p = self.probs.data
        xp = backend.get_array_module(p)
        out = xp.where(p == 0.5, np.nan, (p >= 0.5)).astype(p.dtype)
        return Variable(out, requires_grad=False)

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        p = self.probs.data
        u = draw_uniform(shape, p)
        xp = backend.get_array_module(p)
        return Variable(xp.asarray((u < p).astype(p.dtype)), requires_grad=False)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return logits * value - softplus(logits)

    def entropy(self):
        return softplus(self.logits) - self.logits * self.probs

    def enumerate_support(self, expand=True):
        p = self.probs.data
        xp = backend.get_array_module(p)
        values = xp.arange(2, dtype=p.dtype).reshape((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = xp.ascontiguousarray(xp.broadcast_to(values, (2,) + tuple(self._batch_shape)))
        return Variable(values, requires_grad=False)

    def _support_ok(self, arr):
        return (arr == 0) | (arr == 1)

    def _support_name(self):
        return "Boolean()"


__all__ = ["Bernoulli"]
