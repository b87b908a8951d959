"""Normalization, distances and lookups with PyTorch's signatures."""
import numpy as np

import framework.functions as F
from framework.core.config import using_config
from framework.core.variable import Variable
from framework.functions.layer_norm import standardize
from framework.functions.linalg import Root
from framework.nn.embedding import _NoGradRow
from framework.nn.functional._common import as_input, data_of, dim_index, xp_of

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm", "normalize",
           "cosine_similarity", "pairwise_distance", "embedding", "one_hot"]


def batch_norm(input, running_mean, running_var, weight=None, bias=None,  # noqa: A002
               training=False, momentum=0.1, eps=1e-5):
    """Batch normalization over axis 1 of (N, C), (N, C, L), (N, C, H, W) or (N, C, D, H, W).

    In training mode the batch statistics normalize and, when given, ``running_mean``
    and ``running_var`` (arrays) are updated in place:
    ``running = (1 - momentum) * running + momentum * batch`` (unbiased batch variance).

    Raises:
        ValueError: running statistics missing outside training, or a bad rank.
    """
    x = as_input(input)
    if x.ndim not in (2, 3, 4, 5):
        raise ValueError(f"batch_norm: expected a 2-D to 5-D input (N, C, ...), got shape "
                         f"{tuple(x.shape)}")
    if momentum is None:
        raise ValueError("batch_norm: momentum=None (a cumulative average) needs the "
                         "BatchNorm module's batch count; pass a number")
    xp, c = xp_of(x), x.shape[1]
    if running_mean is None or running_var is None:
        if not training:
            raise ValueError("batch_norm: running_mean and running_var are needed when "
                             "training=False")
        running_mean = xp.zeros(c, dtype=x.dtype)
        running_var = xp.ones(c, dtype=x.dtype)
    if training and x.size // c <= 1:
        raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                         f"got input of shape {tuple(x.shape)}")
    gamma = weight if weight is not None else xp.ones(c, dtype=x.dtype)
    beta = bias if bias is not None else xp.zeros(c, dtype=x.dtype)
    shape = tuple(x.shape)
    if x.ndim == 3:
        x = F.reshape(x, shape + (1,))
    elif x.ndim == 5:
        x = F.reshape(x, shape[:3] + (shape[3] * shape[4],))
    with using_config("train", bool(training)):
        y = F.batch_norm(x, gamma, beta, data_of(running_mean), data_of(running_var),
                         decay=1.0 - momentum, eps=eps)
    return F.reshape(y, shape)


def _affine(y, weight, bias, shape):
    if weight is not None:
        y = y * F.reshape(weight, shape)
    if bias is not None:
        y = y + F.reshape(bias, shape)
    return y


def _update_running(running, momentum, batch):
    """``running = (1 - momentum) * running + momentum * batch``, in place."""
    running = data_of(running)
    running[...] = (1.0 - momentum) * running + momentum * batch.astype(running.dtype,
                                                                         copy=False)


def instance_norm(input, running_mean=None, running_var=None, weight=None,  # noqa: A002
                  bias=None, use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalize each channel of each sample over its spatial axes, then scale and shift.

    Args:
        input: (N, C, *).
        running_mean, running_var: optional (C,) arrays. With ``use_input_stats`` they
            are updated in place from the batch (``running = (1 - momentum) * running
            + momentum * stat``, the per-sample statistics averaged over N, the variance
            unbiased); without it they normalize instead of the input's statistics.
        weight, bias: (C,) or None.
        use_input_stats: normalize with each sample's own statistics (True) or with
            the running ones.

    Raises:
        ValueError: an input of fewer than 2 dims, a single spatial element with
            ``use_input_stats``, or no running statistics without it.
    """
    x = as_input(input)
    if x.ndim < 2:
        raise ValueError(f"instance_norm: expected an input (N, C, ...), got shape "
                         f"{tuple(x.shape)}")
    shape = tuple(x.shape)
    n, c = shape[:2]
    per_channel = (1, c) + (1,) * (len(shape) - 2)
    if use_input_stats:
        spatial = x.size // (n * c) if n * c else 0
        if spatial == 1:
            raise ValueError(f"instance_norm: expected more than 1 spatial element when "
                             f"using the input's statistics, got input of shape {shape}")
        flat = F.reshape(x, (n, c, -1))
        y = F.reshape(standardize(flat, 1, eps), shape)
        if running_mean is not None:
            _update_running(running_mean, momentum, flat.data.mean(axis=(0, 2)))
        if running_var is not None:
            _update_running(running_var, momentum,
                            flat.data.var(axis=2, ddof=1).mean(axis=0))
    else:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: running_mean and running_var are needed when "
                             "use_input_stats=False")
        xp = xp_of(x)
        mean = xp.asarray(data_of(running_mean), dtype=x.dtype).reshape(per_channel)
        var = xp.asarray(data_of(running_var), dtype=x.dtype).reshape(per_channel)
        y = (x - mean) * (1.0 / xp.sqrt(var + eps)).astype(x.dtype, copy=False)
    return _affine(y, weight, bias, per_channel[1:])


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):  # noqa: A002
    """Normalize over the trailing ``normalized_shape`` axes, then scale and shift.

    Args:
        normalized_shape: an int or the tuple of the input's last axes.
        weight, bias: shaped ``normalized_shape``, or None.

    Raises:
        ValueError: the input's trailing shape differs from ``normalized_shape``.
    """
    x = as_input(input)
    ns = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) \
        else tuple(normalized_shape)
    if not ns or tuple(x.shape[x.ndim - len(ns):]) != tuple(ns) or len(ns) > x.ndim:
        raise ValueError(f"layer_norm: input of shape {tuple(x.shape)} does not end with "
                         f"normalized_shape {tuple(ns)}")
    return _affine(standardize(x, len(ns), eps), weight, bias, ns)


def _trailing_shape(name, x, normalized_shape):
    ns = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) \
        else tuple(normalized_shape)
    if not ns or len(ns) > x.ndim or tuple(x.shape[x.ndim - len(ns):]) != tuple(ns):
        raise ValueError(f"{name}: input of shape {tuple(x.shape)} does not end with "
                         f"normalized_shape {tuple(ns)}")
    return ns


def rms_norm(input, normalized_shape, weight=None, eps=None):  # noqa: A002
    """``x / sqrt(mean(x^2) + eps) * weight`` over the trailing ``normalized_shape`` axes.

    Args:
        normalized_shape: an int or the tuple of the input's last axes.
        weight: shaped ``normalized_shape``, or None.
        eps: None (PyTorch's default) uses the machine epsilon of the input's dtype.

    Raises:
        ValueError: the input's trailing shape differs from ``normalized_shape``.
    """
    x = as_input(input)
    ns = _trailing_shape("rms_norm", x, normalized_shape)
    if eps is None:
        eps = float(np.finfo(x.dtype).eps)
    axes = tuple(range(x.ndim - len(ns), x.ndim))
    y = x * (F.mean(x * x, axis=axes, keepdims=True) + eps) ** -0.5
    return _affine(y, weight, None, ns)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):  # noqa: A002
    """Normalize each group of ``C / num_groups`` channels (with their spatial axes).

    Args:
        input: (N, C, *).
        weight, bias: (C,) or None.

    Raises:
        ValueError: C not divisible by ``num_groups``.
    """
    x = as_input(input)
    if x.ndim < 2 or num_groups < 1 or x.shape[1] % num_groups:
        raise ValueError(f"group_norm: input of shape {tuple(x.shape)} needs (N, C, ...) with "
                         f"C divisible by num_groups={num_groups}")
    shape = tuple(x.shape)
    y = standardize(F.reshape(x, (shape[0], num_groups, -1)), 1, eps)
    y = F.reshape(y, shape)
    return _affine(y, weight, bias, (shape[1],) + (1,) * (len(shape) - 2))


def _norm(x, p, axis, keepdims):
    """The p-norm along ``axis``; its gradient at 0 is 0 (``Root``)."""
    if p == float("inf"):
        return F.max(F.abs(x), axis=axis, keepdims=keepdims)
    if p == 2:
        return Root(2)(F.sum(x * x, axis=axis, keepdims=keepdims))
    if p == 1:
        return F.sum(F.abs(x), axis=axis, keepdims=keepdims)
    if not p > 0:
        raise ValueError(f"the norm order p must be positive, got {p}")
    return Root(p)(F.sum(F.abs(x) ** p, axis=axis, keepdims=keepdims))


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):  # noqa: A002
    """``input / max(||input||_p, eps)`` along ``dim``."""
    if out is not None:
        raise NotImplementedError("normalize: out= is not supported; use the return value")
    x = as_input(input)
    d = dim_index("normalize", dim, x.ndim)
    return x / F.clip(_norm(x, p, d, True), eps, None)


def _no_grad_clamp_min(v, eps):
    """``max(v, eps)`` in value with ``v``'s gradient (PyTorch clamps under no_grad)."""
    xp = xp_of(v)
    return v + (xp.maximum(v.data, eps) - v.data)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim``
    (PyTorch's formula: each input is divided by its clamped norm first).

    Raises:
        ValueError: shapes that do not broadcast.
    """
    a, b = as_input(x1), as_input(x2)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"cosine_similarity: shapes {tuple(a.shape)} and {tuple(b.shape)} do "
                         f"not broadcast") from None
    if tuple(a.shape) != shape:
        a = F.broadcast_to(a, shape)
    if tuple(b.shape) != shape:
        b = F.broadcast_to(b, shape)
    d = dim_index("cosine_similarity", dim, len(shape))
    na = _no_grad_clamp_min(_norm(a, 2, d, True), eps)
    nb = _no_grad_clamp_min(_norm(b, 2, d, True), eps)
    return F.sum((a / na) * (b / nb), axis=d)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``||x1 - x2 + eps||_p`` along the last axis."""
    diff = as_input(x1) - x2 + eps
    return _norm(diff, p, diff.ndim - 1, keepdim)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,  # noqa: A002
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` (V, D) picked by integer ids; the ``padding_idx`` row gets no
    gradient.

    Raises:
        NotImplementedError: ``max_norm`` or ``scale_grad_by_freq``.
    """
    if max_norm is not None or scale_grad_by_freq:
        raise NotImplementedError("embedding: max_norm and scale_grad_by_freq are not "
                                  "supported; renormalize the weight yourself under no_grad()")
    if padding_idx is not None:
        v = weight.shape[0]
        if not -v <= padding_idx < v:
            raise ValueError(f"embedding: padding_idx {padding_idx} is outside [-{v}, {v})")
        weight = _NoGradRow(padding_idx % v)(weight)
    return F.embed_id(input, weight)


def one_hot(tensor, num_classes=-1):
    """One-hot rows (int64) for integer labels of any shape, as a tensor without a graph."""
    return Variable(F.one_hot(data_of(tensor), num_classes), requires_grad=False)
