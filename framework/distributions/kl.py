"""``kl_divergence(p, q)`` and ``register_kl``, PyTorch's registry by the pair of types."""
import math

from framework.distributions.bernoulli import Bernoulli
from framework.distributions.categorical import Categorical
from framework.distributions.normal import Normal
from framework.functions import softplus

_KL_REGISTRY = {}


def register_kl(type_p, type_q):
    """Decorator: register ``fn(p, q)`` as the KL divergence of ``type_p`` from ``type_q``."""
    def decorator(fn):
        _KL_REGISTRY[type_p, type_q] = fn
        return fn
    return decorator


def _dispatch(type_p, type_q):
    matches = [(sp, sq) for sp, sq in _KL_REGISTRY
               if issubclass(type_p, sp) and issubclass(type_q, sq)]
    if not matches:
        return None
    # the most specific pair: the one with the shortest MRO distance
    def distance(pair):
        return type_p.__mro__.index(pair[0]) + type_q.__mro__.index(pair[1])
    return _KL_REGISTRY[min(matches, key=distance)]


def kl_divergence(p, q):
    """``KL(p || q)``, batch-wise and differentiable in both arguments' parameters.

    Raises:
        NotImplementedError: no formula is registered for the two types.
    """
    fn = _dispatch(type(p), type(q))
    if fn is None:
        raise NotImplementedError(
            f"No KL(p || q) is implemented for p type {type(p).__name__} and "
            f"q type {type(q).__name__}")
    return fn(p, q)


@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    var_ratio = (p.scale / q.scale) ** 2
    t1 = ((p.loc - q.loc) / q.scale) ** 2
    return (var_ratio + t1 - 1 - var_ratio.log()) * 0.5


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    t = p.probs * (p.logits - q.logits)
    shape = t.shape
    t = t.masked_fill(_broadcast(q.probs.data == 0, shape), math.inf)
    t = t.masked_fill(_broadcast(p.probs.data == 0, shape), 0.0)
    return t.sum(-1)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    t1 = t1.masked_fill(_broadcast(q.probs.data == 0, t1.shape), math.inf)
    t1 = t1.masked_fill(_broadcast(p.probs.data == 0, t1.shape), 0.0)
    t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    t2 = t2.masked_fill(_broadcast(q.probs.data == 1, t2.shape), math.inf)
    t2 = t2.masked_fill(_broadcast(p.probs.data == 1, t2.shape), 0.0)
    return t1 + t2


def _broadcast(mask, shape):
    from framework import backend
    xp = backend.get_array_module(mask)
    return xp.ascontiguousarray(xp.broadcast_to(mask, shape))


__all__ = ["kl_divergence", "register_kl"]
