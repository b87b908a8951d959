"""Helpers of ``torch.distributions.utils``: cached properties and probability clamping."""
import numpy as np

from framework.core.variable import Variable


class lazy_property:  # noqa: N801 - PyTorch's name
    """A property computed on first use and then stored on the instance (so that
    ``Categorical(probs=p).logits`` is built once, from ``p``'s graph)."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        value = self.wrapped(instance)
        instance.__dict__[self.wrapped.__name__] = value
        return value


def clamp_probs(probs):
    """``probs`` kept within ``[eps, 1 - eps]`` (``eps`` of its dtype) before a log."""
    eps = float(np.finfo(probs.dtype).eps)
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """Log-probabilities (or, ``is_binary``, log-odds) of clamped probabilities."""
    ps = clamp_probs(probs)
    return ps.log() - (-ps).log1p() if is_binary else ps.log()


def logits_to_probs(logits, is_binary=False):
    return logits.sigmoid() if is_binary else logits.softmax(-1)


def is_tensor(value):
    return isinstance(value, Variable)
