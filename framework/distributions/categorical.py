"""``Categorical``: one of ``K`` classes, by probabilities or (unnormalised) logits."""
import numpy as np

from framework import backend
from framework.core.size import Size
from framework.core.variable import Variable
from framework.distributions.distribution import Distribution, as_param, draw_uniform
from framework.distributions.utils import lazy_property, logits_to_probs, probs_to_logits


class Categorical(Distribution):
    """PyTorch's ``torch.distributions.Categorical``.

    Give exactly one of ``probs`` (non-negative, normalised over the last dimension
    here) or ``logits`` (any reals; the ``logits`` attribute is then the normalised
    log-probabilities ``logits - logsumexp(logits)``). The last dimension indexes the
    classes; the ones before it are ``batch_shape``. ``log_prob`` and ``entropy`` are
    differentiable with respect to the parameter given; ``sample`` draws int64 indices
    from the framework's generator.
    """

    arg_constraints = {"probs": "Simplex()", "logits": "IndependentConstraint(Real(), 1)"}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            probs = as_param(probs)
            if probs.ndim < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
            param = self.probs
        else:
            logits = as_param(logits)
            if logits.ndim < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(-1, keepdim=True)
            param = self.logits
        self._param = param
        self._num_events = param.shape[-1]
        super().__init__(param.shape[:-1], (), validate_args)
        if "probs" in self.__dict__:
            a = self.probs.data
            xp = backend.get_array_module(a)
            ok = xp.all(a >= 0, axis=-1) & (xp.abs(a.sum(-1) - 1) < 1e-6)
            self._check_param("probs", ok, "Simplex()")
        else:
            a = self.logits.data
            self._check_param("logits", a == a, "IndependentConstraint(Real(), 1)")

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits)

    @property
    def param_shape(self):
        return Size(self._param.shape)

    def _support_ok(self, arr):
        xp = backend.get_array_module(arr)
        return (xp.mod(arr, 1) == 0) & (arr >= 0) & (arr <= self._num_events - 1)

    def _support_name(self):
        return f"IntegerInterval(lower_bound=0, upper_bound={self._num_events - 1})"

    @property
    def mean(self):
        """Not defined for classes: NaN of the batch shape (as PyTorch)."""
        p = self.probs.data
        xp = backend.get_array_module(p)
        return Variable(xp.full(self._extended_shape(), np.nan, dtype=p.dtype))

    @property
    def variance(self):
        return self.mean

    @property
    def mode(self):
        return self.probs.detach().argmax(-1)

    def sample(self, sample_shape=()):
        """Class indices of shape ``sample_shape + batch_shape`` (int64, no graph), by
        inverting each row's cumulative probabilities at uniform draws."""
        shape = self._extended_shape(sample_shape)
        p = self.probs.data
        xp = backend.get_array_module(p)
        cdf = xp.cumsum(p.astype(np.float64), axis=-1)
        cdf = cdf / cdf[..., -1:]
        u = draw_uniform(shape, cdf)
        idx = (u[..., None] >= cdf).sum(-1).astype(np.int64)
        idx = xp.minimum(idx, self._num_events - 1)
        return Variable(xp.asarray(idx), requires_grad=False)

    def log_prob(self, value):
        """``log p[value]``: gathers the normalised log-probabilities at the (integer)
        values, broadcasting ``value`` against ``batch_shape`` as PyTorch."""
        if self._validate_args:
            self._validate_sample(value)
        v = value.data if isinstance(value, Variable) else np.asarray(value)
        xp = backend.get_array_module(self.logits.data)
        v = xp.asarray(v).astype(np.int64)[..., None]
        shape = np.broadcast_shapes(v.shape, self.logits.shape)
        log_pmf = self.logits if tuple(self.logits.shape) == shape else \
            self.logits.expand(*shape)
        index = xp.ascontiguousarray(xp.broadcast_to(v, shape)[..., :1])
        return log_pmf.gather(-1, Variable(index, requires_grad=False)).squeeze(-1)

    def entropy(self):
        """``-sum p log p`` over the classes (zero-probability classes add nothing)."""
        min_real = float(np.finfo(self.logits.dtype).min)
        logits = self.logits.clamp(min=min_real)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        """The classes ``0..K-1`` along a new first dimension (expanded over the batch)."""
        xp = backend.get_array_module(self._param.data)
        values = xp.arange(self._num_events, dtype=np.int64).reshape(
            (-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = xp.ascontiguousarray(
                xp.broadcast_to(values, (self._num_events,) + tuple(self._batch_shape)))
        return Variable(values, requires_grad=False)


__all__ = ["Categorical"]
