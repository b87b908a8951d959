"""``Normal``: the Gaussian with mean ``loc`` and standard deviation ``scale``."""
import math
from numbers import Number

from framework import backend
from framework import tensor_math
from framework.core.size import Size
from framework.core.variable import Variable
from framework.distributions.distribution import (LOG_SQRT_2PI, Distribution, as_param,
                                                  broadcast_all, draw_normal)


class Normal(Distribution):
    """PyTorch's ``torch.distributions.Normal(loc, scale)``.

    ``loc`` and ``scale`` are numbers or tensors, broadcast together (their shape is
    ``batch_shape``). ``rsample`` is ``loc + eps * scale`` with ``eps ~ N(0, 1)``, so
    gradients reach both; ``sample`` is the same draw without a graph.
    """

    arg_constraints = {"loc": "Real()", "scale": "GreaterThan(lower_bound=0.0)"}
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        shape = Size() if isinstance(loc, Number) and isinstance(scale, Number) \
            else self.loc.shape
        super().__init__(shape, (), validate_args)
        a = self.loc.data
        self._check_param("loc", a == a, "Real()")
        self._check_param("scale", self.scale.data > 0, "GreaterThan(lower_bound=0.0)")

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.scale ** 2

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        eps = Variable(draw_normal(shape, self.loc.data), requires_grad=False)
        return self.loc + eps * self.scale

    def sample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        eps = draw_normal(shape, self.loc.data)
        xp = backend.get_array_module(eps)
        return Variable(xp.asarray(self.loc.data + eps * self.scale.data), requires_grad=False)

    def _value(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return as_param(value, self.loc)

    def log_prob(self, value):
        """``-(x - loc)^2 / (2 scale^2) - log(scale) - log(sqrt(2 pi))``."""
        value = self._value(value)
        var = self.scale ** 2
        return -((value - self.loc) ** 2) / (var * 2) - self.scale.log() - LOG_SQRT_2PI

    def cdf(self, value):
        """``(1 + erf((x - loc) / (scale sqrt 2))) / 2``."""
        value = self._value(value)
        z = (value - self.loc) * self.scale.reciprocal() * (1.0 / math.sqrt(2.0))
        return (tensor_math.erf(z) + 1) * 0.5

    def entropy(self):
        """``1/2 + log(sqrt(2 pi)) + log(scale)``."""
        return self.scale.log() + (0.5 + LOG_SQRT_2PI)

    def _support_ok(self, arr):
        xp = backend.get_array_module(arr)
        return ~xp.isnan(arr)


__all__ = ["Normal"]
