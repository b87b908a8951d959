"""DeZero's ``*_simple`` functions: the book's first versions, composed of other functions.

Each is built only from existing differentiable functions (no Function of its own), as
the book writes it, so its graph shows the steps; the fused versions (``linear``,
``sigmoid``, ``softmax``, ``softmax_cross_entropy``, ``conv2d``, ``pooling``) compute
the same values faster.  ``pooling_simple`` pads with zeros, as DeZero's does, so a
padded border can win a max (``pooling``'s padding never does).
"""
import numpy as np

from framework.core import as_variable
from framework.core.primitives import (exp, get_item, log, matmul, max, reshape, sum,
                                       transpose)
from framework.functions.conv import get_conv_outsize, im2col, pair
from framework.functions.math import clip

__all__ = ["linear_simple", "sigmoid_simple", "softmax_simple",
           "softmax_cross_entropy_simple", "conv2d_simple", "pooling_simple"]


def linear_simple(x, W, b=None):
    """``x @ W + b`` (W is ``(in, out)``); frees the intermediate product's data, as the book."""
    t = matmul(x, W)
    if b is None:
        return t
    y = t + b
    t.data = None  # the book's memory saving: the add's backward does not need t
    return y


def sigmoid_simple(x):
    """``1 / (1 + exp(-x))``."""
    x = as_variable(x)
    return 1 / (1 + exp(-x))


def softmax_simple(x, axis=1):
    """``exp(x) / sum(exp(x), axis)`` (no max subtraction, as the book's first version)."""
    x = as_variable(x)
    y = exp(x)
    return y / sum(y, axis=axis, keepdims=True)


def softmax_cross_entropy_simple(x, t):
    """Mean over the batch of ``-log softmax(x)[i, t_i]``, probabilities clipped to 1e-15."""
    x, t = as_variable(x), as_variable(t)
    N = x.shape[0]
    p = clip(softmax_simple(x), 1e-15, 1.0)
    log_p = log(p)
    tlog_p = get_item(log_p, (np.arange(N), t.data))
    return -1 * sum(tlog_p) / N


def conv2d_simple(x, W, b=None, stride=1, pad=0):
    """2-D convolution as ``im2col`` then ``linear`` (weight ``(OC, C, KH, KW)``)."""
    x, Weight = as_variable(x), as_variable(W)
    N, C, H, W_ = x.shape
    OC, C, KH, KW = Weight.shape
    SH, SW = pair(stride, "stride", 1)
    PH, PW = pair(pad, "pad", 0)
    OH = get_conv_outsize(H, KH, SH, PH)
    OW = get_conv_outsize(W_, KW, SW, PW)
    col = im2col(x, (KH, KW), stride, pad, to_matrix=True)
    Weight = transpose(reshape(Weight, (OC, -1)))
    t = linear_simple(col, Weight, b)
    return transpose(reshape(t, (N, OH, OW, OC)), (0, 3, 1, 2))


def pooling_simple(x, kernel_size, stride=1, pad=0):
    """Max pooling as ``im2col`` then ``max`` over each window (zero padding)."""
    x = as_variable(x)
    N, C, H, W = x.shape
    KH, KW = pair(kernel_size, "kernel_size", 1)
    PH, PW = pair(pad, "pad", 0)
    SH, SW = pair(stride, "stride", 1)
    OH = get_conv_outsize(H, KH, SH, PH)
    OW = get_conv_outsize(W, KW, SW, PW)
    col = im2col(x, kernel_size, stride, pad, to_matrix=True)
    col = reshape(col, (-1, KH * KW))
    y = max(col, axis=1)
    return transpose(reshape(y, (N, OH, OW, C)), (0, 3, 1, 2))
