"""float32 in, float32 out: every differentiable function in ``F.__all__`` and every
input gradient it produces keep float32 (nothing upcasts to float64).

CASES says how to call each function. A name in ``F.__all__`` that is neither in CASES
nor in NOT_DIFFERENTIABLE fails ``test_every_function_has_a_case``, so a new function
cannot skip this check unnoticed.
"""
import inspect

import numpy as np
import pytest

import framework.functions as F
from framework import Function, Variable


class Const:
    """An argument passed as a plain array: not an input whose gradient is checked."""

    def __init__(self, value):
        self.value = value


def f32(rng, *shape, low=-1.0, high=1.0):
    return rng.uniform(low, high, shape).astype(np.float32)


def pos(rng, *shape):
    return f32(rng, *shape, low=0.5, high=2.0)


def labels(rng, n, k):
    return Const(rng.integers(0, k, n))


# name -> (module that defines it, builder rng -> (args, kwargs)).
CASES = {
    # math
    "add": ("math", lambda r: ([f32(r, 3, 4), f32(r, 4)], {})),
    "sub": ("math", lambda r: ([f32(r, 3, 4), f32(r, 3, 1)], {})),
    "mul": ("math", lambda r: ([f32(r, 3, 4), f32(r, 4)], {})),
    "div": ("math", lambda r: ([f32(r, 3, 4), pos(r, 3, 1)], {})),
    "neg": ("math", lambda r: ([f32(r, 3)], {})),
    "pow": ("math", lambda r: ([pos(r, 3), 3], {})),
    "exp": ("math", lambda r: ([f32(r, 3)], {})),
    "log": ("math", lambda r: ([pos(r, 3)], {})),
    "square": ("math", lambda r: ([f32(r, 3)], {})),
    "sqrt": ("math", lambda r: ([pos(r, 3)], {})),
    "sin": ("math", lambda r: ([f32(r, 3)], {})),
    "cos": ("math", lambda r: ([f32(r, 3)], {})),
    "tanh": ("math", lambda r: ([f32(r, 3)], {})),
    "abs": ("math", lambda r: ([f32(r, 3)], {})),
    "clip": ("math", lambda r: ([f32(r, 5), -0.5, 0.5], {})),
    # array
    "reshape": ("array", lambda r: ([f32(r, 2, 3), (3, 2)], {})),
    "view": ("array", lambda r: ([f32(r, 2, 3), (6,)], {})),
    "transpose": ("array", lambda r: ([f32(r, 2, 3)], {})),
    "swapaxes": ("array", lambda r: ([f32(r, 2, 3, 4), 0, 2], {})),
    "get_item": ("array", lambda r: ([f32(r, 3, 4), (slice(1, 3), [0, 0, 2])], {})),
    "flatten": ("array", lambda r: ([f32(r, 2, 3, 4)], {})),
    "expand_dims": ("array", lambda r: ([f32(r, 2, 3), 1], {})),
    "unsqueeze": ("array", lambda r: ([f32(r, 2, 3), 0], {})),
    "squeeze": ("array", lambda r: ([f32(r, 2, 1, 3)], {})),
    "concat": ("array", lambda r: ([[Variable(f32(r, 2, 3)), Variable(f32(r, 1, 3))]], {})),
    "stack": ("array", lambda r: ([[Variable(f32(r, 2, 3)), Variable(f32(r, 2, 3))]], {"axis": 1})),
    "cartesian_prod": ("array", lambda r: ([f32(r, 3), f32(r, 2)], {})),
    # reduction
    "sum": ("reduction", lambda r: ([f32(r, 3, 4)], {"axis": 1})),
    "mean": ("reduction", lambda r: ([f32(r, 3, 4)], {"axis": 0})),
    "max": ("reduction", lambda r: ([f32(r, 3, 4)], {"axis": 1})),
    "min": ("reduction", lambda r: ([f32(r, 3, 4)], {})),
    "sum_to": ("reduction", lambda r: ([f32(r, 3, 4), (1, 4)], {})),
    "broadcast_to": ("reduction", lambda r: ([f32(r, 4), (3, 4)], {})),
    "logsumexp": ("reduction", lambda r: ([f32(r, 3, 4)], {})),
    # linalg
    "matmul": ("linalg", lambda r: ([f32(r, 5, 2, 3), f32(r, 3, 4)], {})),
    "mm": ("linalg", lambda r: ([f32(r, 2, 3), f32(r, 3, 4)], {})),
    "dot": ("linalg", lambda r: ([f32(r, 3), f32(r, 3)], {})),
    "linear": ("linalg", lambda r: ([f32(r, 5, 3), f32(r, 3, 4), f32(r, 4)], {})),
    "linear_out_in": ("linalg", lambda r: ([f32(r, 5, 3), f32(r, 4, 3), f32(r, 4)], {})),
    "cdist": ("linalg", lambda r: ([f32(r, 2, 4, 3), f32(r, 2, 5, 3)], {"p": 3.0})),
    # activation
    "sigmoid": ("activation", lambda r: ([f32(r, 3, 4)], {})),
    "relu": ("activation", lambda r: ([f32(r, 3, 4)], {})),
    "leaky_relu": ("activation", lambda r: ([f32(r, 3, 4)], {})),
    "softmax": ("activation", lambda r: ([f32(r, 3, 4)], {})),
    "log_softmax": ("activation", lambda r: ([f32(r, 3, 4)], {"axis": 0})),
    # loss
    "mean_squared_error": ("loss", lambda r: ([f32(r, 4, 3), f32(r, 4, 3)], {})),
    "softmax_cross_entropy": ("loss", lambda r: ([f32(r, 4, 3), labels(r, 4, 3)], {})),
    "sigmoid_cross_entropy": ("loss", lambda r: ([f32(r, 4, 3), f32(r, 4, 3, low=0, high=1)], {})),
    "binary_cross_entropy": ("loss", lambda r: ([f32(r, 4, low=0.1, high=0.9),
                                                 Const(r.integers(0, 2, 4))], {})),
    # noise
    "dropout": ("noise", lambda r: ([f32(r, 4, 5), 0.3], {})),
    # conv
    "conv2d": ("conv", lambda r: ([f32(r, 2, 3, 5, 5), f32(r, 4, 3, 3, 3), f32(r, 4)],
                                  {"stride": 1, "pad": 1})),
    "deconv2d": ("conv", lambda r: ([f32(r, 2, 3, 4, 4), f32(r, 3, 2, 3, 3), f32(r, 2)],
                                    {"stride": 2, "pad": 1})),
    "im2col": ("conv", lambda r: ([f32(r, 2, 3, 5, 5), 3], {"stride": 1, "pad": 1})),
    "col2im": ("conv", lambda r: ([f32(r, 2, 3, 3, 3, 4, 4), (2, 3, 4, 4), 3],
                                  {"stride": 1, "pad": 1, "to_matrix": False})),
    # pooling
    "pooling": ("pooling", lambda r: ([f32(r, 2, 3, 4, 4), 2], {"stride": 2})),
    "max_pooling": ("pooling", lambda r: ([f32(r, 2, 3, 4, 4), 2], {"stride": 2})),
    "average_pooling": ("pooling", lambda r: ([f32(r, 2, 3, 4, 4), 2], {"stride": 2})),
    # normalization
    "batch_norm": ("normalization", lambda r: (
        [f32(r, 4, 3), f32(r, 3), f32(r, 3), Const(np.zeros(3, np.float32)),
         Const(np.ones(3, np.float32))], {})),
    # embedding
    "embed_id": ("embedding", lambda r: ([Const(np.array([0, 2, 2, 1])), f32(r, 3, 5)], {})),
    # smooth activations, standardization, padding, huber
    "erf": ("smooth_activation", lambda r: ([f32(r, 3, 4, low=-4, high=4)], {})),
    "normal_cdf": ("smooth_activation", lambda r: ([f32(r, 3, 4, low=-4, high=4)], {})),
    "gelu": ("smooth_activation", lambda r: ([f32(r, 3, 4, low=-4, high=4)], {})),
    "silu": ("smooth_activation", lambda r: ([f32(r, 3, 4)], {})),
    "elu": ("smooth_activation", lambda r: ([f32(r, 3, 4)], {"alpha": 0.5})),
    "softplus": ("smooth_activation", lambda r: ([f32(r, 3, 4)], {"beta": 2.0})),
    "standardize": ("layer_norm", lambda r: ([f32(r, 2, 3, 4)], {"ndim": 2})),
    "pad": ("pad", lambda r: ([f32(r, 2, 3), ((1, 0), (2, 1))], {})),
    "huber": ("huber", lambda r: ([f32(r, 3, 4, low=-3, high=3), f32(r, 3, 4)], {})),
    "split_axis": ("split", lambda r: ([f32(r, 3, 6), 3, 1], {})),
    "separate": ("split", lambda r: ([f32(r, 3, 4)], {"axis": 1})),
    # DeZero's average and the book's *_simple versions
    "average": ("average", lambda r: ([f32(r, 3, 4)], {"axis": 1})),
    "linear_simple": ("simple", lambda r: ([f32(r, 5, 3), f32(r, 3, 4), f32(r, 4)], {})),
    "sigmoid_simple": ("simple", lambda r: ([f32(r, 3, 4)], {})),
    "softmax_simple": ("simple", lambda r: ([f32(r, 3, 4)], {})),
    "softmax_cross_entropy_simple": ("simple", lambda r: ([f32(r, 4, 3), labels(r, 4, 3)], {})),
    "conv2d_simple": ("simple", lambda r: ([f32(r, 2, 3, 5, 5), f32(r, 4, 3, 3, 3), f32(r, 4)],
                                           {"stride": 1, "pad": 1})),
    "pooling_simple": ("simple", lambda r: ([f32(r, 2, 3, 4, 4), 2], {"stride": 2})),
}

# Public helpers that compute no differentiable output (arrays, sizes, metrics).
NOT_DIFFERENTIABLE = {"accuracy", "argmax", "one_hot", "get_conv_outsize",
                      "get_deconv_outsize"}


def _public_functions():
    return sorted(name for name in F.__all__
                  if not (inspect.isclass(getattr(F, name)) and
                          issubclass(getattr(F, name), Function)))


def test_every_function_has_a_case():
    missing = [n for n in _public_functions() if n not in CASES and n not in NOT_DIFFERENTIABLE]
    assert not missing, (
        f"F.__all__ has functions with no float32 case in tests/functions/test_float32.py: "
        f"{missing}; add a CASES entry (or list them in NOT_DIFFERENTIABLE)")


def _prepare(args, xp):
    """Floating arrays become Variables on the backend (their gradients are checked);
    Const arrays go to the backend as plain arrays; the rest passes unchanged."""
    inputs, prepared = [], []
    for a in args:
        if isinstance(a, Const):
            prepared.append(xp.asarray(a.value) if isinstance(a.value, np.ndarray) else a.value)
        elif isinstance(a, np.ndarray) and a.dtype.kind == "f":
            inputs.append(Variable(xp.asarray(a)))
            prepared.append(inputs[-1])
        elif isinstance(a, list) and a and all(isinstance(v, Variable) for v in a):
            vs = [Variable(xp.asarray(v.data)) for v in a]
            inputs.extend(vs)
            prepared.append(vs)
        else:
            prepared.append(a)
    return inputs, prepared


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_output_and_gradients(name, xp):
    module, build = CASES[name]
    assert name in F.__all__, f"F.{name} (framework.functions.{module}) is not in F.__all__"
    args, kwargs = build(np.random.default_rng(0))
    inputs, prepared = _prepare(args, xp)
    assert inputs, f"the case of F.{name} has no float32 input to check"
    y = getattr(F, name)(*prepared, **kwargs)
    if isinstance(y, (tuple, list)):
        y = y[0]
    assert isinstance(y, Variable), f"F.{name} returned {type(y).__name__}, expected Variable"
    assert y.dtype == np.float32, f"F.{name} output is {y.dtype} for float32 inputs"
    y.sum().backward()
    for i, v in enumerate(inputs):
        assert v.grad is not None, f"F.{name}: input {i} got no gradient"
        assert v.grad.dtype == np.float32, (
            f"F.{name}: gradient of input {i} is {v.grad.dtype}, expected float32")
