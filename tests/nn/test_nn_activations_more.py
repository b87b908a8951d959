"""The further activations (prelu, selu, celu, mish, hardswish, hardsigmoid, glu, logsigmoid,
softmin, softsign, tanhshrink, threshold, hardshrink, softshrink) and their layers: values
against numpy and PyTorch's printed numbers, gradients numerically (float64)."""
import numpy as np
import pytest

import framework as fw
import framework.nn.functional as NF
from framework import nn
from framework.utils import gradient_check

ALPHA, SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946

#: Points straddling every kink (-3, -0.5, 0, 0.5, 3) and a few plain ones.
POINTS = np.array([-4., -3., -1.5, -0.5, 0., 0.3, 1.2, 3., 5.])


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _softplus(x):
    return np.logaddexp(0, x)


@pytest.mark.parametrize("name, call, ref", [
    ("selu", NF.selu, lambda x: SCALE * np.where(x > 0, x, ALPHA * np.expm1(x))),
    ("celu", lambda x: NF.celu(x, 1.5), lambda x: np.where(x > 0, x, 1.5 * np.expm1(x / 1.5))),
    ("mish", NF.mish, lambda x: x * np.tanh(_softplus(x))),
    ("hardswish", NF.hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    ("hardsigmoid", NF.hardsigmoid, lambda x: np.clip(x + 3, 0, 6) / 6),
    ("softsign", NF.softsign, lambda x: x / (1 + np.abs(x))),
    ("tanhshrink", NF.tanhshrink, lambda x: x - np.tanh(x)),
    ("threshold", lambda x: NF.threshold(x, 0.3, -2.0), lambda x: np.where(x > 0.3, x, -2.0)),
    ("logsigmoid", NF.logsigmoid, lambda x: -_softplus(-x)),
    ("hardshrink", NF.hardshrink, lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    ("softshrink", NF.softshrink, lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.5, 0)),
    ("prelu", lambda x: NF.prelu(x, np.array([0.25])), lambda x: np.where(x > 0, x, 0.25 * x)),
])
def test_values_and_gradients(rng, name, call, ref):
    x = rng.uniform(-5, 5, (3, 7))
    for kink in (-3.0, -0.5, 0.0, 0.3, 0.5, 3.0):  # no kinks inside the difference step
        x[np.abs(x - kink) < 0.05] += 0.1
    assert np.allclose(call(x).data, ref(x), atol=1e-12), name
    gradient_check(call, x)
    assert np.allclose(call(POINTS).data, ref(POINTS), atol=1e-12), name


def _grad(call, x):
    v = fw.Variable(np.array(x, dtype=np.float64))
    call(v).backward(gradient=np.ones(v.shape))
    return v.grad.data


def test_pytorch_values_at_the_kinks():
    # torch 2.x, float64, at POINTS: outputs and d(sum)/dx, kinks included.
    assert np.allclose(NF.selu(POINTS).data[[0, 4, 6]], [-1.7258986282, 0.0, 1.2608411848])
    assert np.allclose(_grad(NF.selu, POINTS)[[0, 4, 5]], [0.0322007127, 1.7580993408,
                                                          1.0507009874])
    assert np.allclose(NF.mish(POINTS).data[[0, 3, 8]], [-0.0725917408, -0.2207437747,
                                                         4.9995520775])
    assert np.allclose(_grad(NF.mish, POINTS)[[0, 4, 6]], [-0.0537732098, 0.6, 1.0763507311])
    assert np.allclose(_grad(NF.hardswish, POINTS), [0, 0, 0, 1 / 3, 0.5, 0.6, 0.9, 1, 1])
    assert np.allclose(_grad(NF.hardsigmoid, POINTS), [0, 0] + [1 / 6] * 5 + [0, 0])
    assert np.allclose(_grad(NF.softsign, POINTS)[4], 1.0)
    assert np.allclose(_grad(NF.hardshrink, POINTS), [1, 1, 1, 0, 0, 0, 1, 1, 1])
    assert np.allclose(_grad(lambda v: NF.celu(v, 1.5), POINTS)[[0, 4]], [0.0694834512, 1.0])
    assert np.allclose(NF.logsigmoid(POINTS).data[[0, 4, 8]], [-4.0181499279, -0.6931471806,
                                                               -0.0067153485])


def test_logsigmoid_is_finite_far_out():
    y = NF.logsigmoid(np.array([-1000.0, 1000.0])).data
    assert np.allclose(y, [-1000.0, 0.0])
    assert np.allclose(_grad(NF.logsigmoid, [-1000.0, 1000.0]), [1.0, 0.0])


def test_float32_stays_float32(rng):
    x = rng.standard_normal((2, 4)).astype(np.float32)
    for f in (NF.selu, NF.mish, NF.hardswish, NF.hardsigmoid, NF.logsigmoid, NF.softsign,
              NF.softshrink, NF.glu, lambda v: NF.celu(v, 2.0), lambda v: NF.softmin(v, 1),
              lambda v: NF.threshold(v, 0.1, 3)):
        assert f(x).dtype == np.float32


def test_mish_and_hardswish_second_derivative(rng):
    x = rng.uniform(-2.5, 2.5, (5,))
    for f in (NF.mish, NF.hardswish):
        v = fw.Variable(x.copy())
        y = f(v).sum()
        y.backward(create_graph=True)
        g = v.grad
        v.cleargrad()
        g.sum().backward()
        eps = 1e-5
        num = (_grad(f, x + eps) - _grad(f, x - eps)) / (2 * eps)
        assert np.allclose(v.grad.data, num, atol=1e-6)


def test_prelu_per_channel_and_weight_gradient(rng):
    x = rng.standard_normal((2, 3, 4))
    w = np.array([0.1, 0.2, 0.3])
    ref = np.where(x > 0, x, w[None, :, None] * x)
    assert np.allclose(NF.prelu(x, w).data, ref)
    gradient_check(NF.prelu, x, w)
    xv, wv = fw.Variable(x), fw.Variable(w)
    NF.prelu(xv, wv).sum().backward()
    assert np.allclose(wv.grad.data, np.where(x > 0, 0, x).sum(axis=(0, 2)))
    # one shared slope on a 1-D input
    assert np.allclose(NF.prelu(np.array([-2.0, 3.0]), np.array([0.5])).data, [-1.0, 3.0])


def test_prelu_bad_weight():
    with pytest.raises(ValueError, match="channel size = 4"):
        NF.prelu(np.ones((3, 4)), np.ones(2))
    with pytest.raises(ValueError, match="channel size = 1"):
        NF.prelu(np.ones(4), np.ones(4))
    with pytest.raises(ValueError):
        NF.prelu(np.ones((3, 4)), np.ones((3, 4)))


def test_prelu_layer_learns_its_slope(check_parameter_gradients):
    m = nn.PReLU(3)
    assert m.weight.shape == (3,) and m.weight.dtype == np.float32
    assert np.allclose(m.weight.data, 0.25)
    assert repr(m) == "PReLU(num_parameters=3)"
    assert nn.PReLU(init=0.1).weight.data.tolist() == pytest.approx([0.1])
    m = nn.PReLU(2, dtype=np.float64)
    x = np.array([[-1.0, 2.0], [-3.0, -0.5]])
    check_parameter_gradients(lambda: (m(x) * np.array([[1.0, 2.0], [3.0, 4.0]])).sum(),
                              [m.weight])
    y = m(x).sum()
    m.weight.cleargrad()
    y.backward()
    assert np.allclose(m.weight.grad.data, [-4.0, -0.5])
    assert [n for n, _ in m.named_parameters()] == ["weight"]


def test_glu(rng):
    x = rng.standard_normal((2, 6, 3))
    a, b = x[:, :3], x[:, 3:]
    assert np.allclose(NF.glu(x, 1).data, a / (1 + np.exp(-b)))
    with pytest.raises(ValueError, match="dimension 2 is size 3"):
        NF.glu(x)
    gradient_check(lambda v: NF.glu(v, dim=1), x)
    assert nn.GLU(dim=1)(x).shape == (2, 3, 3)
    with pytest.raises(ValueError, match="scalars"):
        NF.glu(np.float64(1.0) * np.ones(()))
    with pytest.raises(IndexError):
        NF.glu(x, dim=3)


def test_softmin(rng):
    x = np.array([1.0, 2.0, 3.0])
    assert np.allclose(NF.softmin(x, 0).data, [0.6652409434, 0.2447284758, 0.0900305733])
    y = rng.standard_normal((2, 5))
    e = np.exp(-y)
    assert np.allclose(NF.softmin(y, dim=1).data, e / e.sum(axis=1, keepdims=True))
    assert np.allclose(nn.Softmin(dim=-1)(y).data, e / e.sum(axis=1, keepdims=True))
    gradient_check(lambda v: NF.softmin(v, dim=1), y, gy=rng.standard_normal(y.shape))


def test_bad_arguments():
    with pytest.raises(ValueError, match="alpha cannot be 0"):
        NF.celu(np.ones(2), 0.0)
    with pytest.raises(ValueError, match="alpha cannot be 0"):
        nn.CELU(0)
    with pytest.raises(ValueError, match="lambd"):
        NF.softshrink(np.ones(2), -1.0)
    # a negative lambd is allowed by hardshrink (everything passes)
    assert np.allclose(NF.hardshrink(np.array([0.0, 0.2]), -1.0).data, [0.0, 0.2])


@pytest.mark.parametrize("layer, functional, text", [
    (nn.SELU(), NF.selu, "SELU()"),
    (nn.CELU(), NF.celu, "CELU(alpha=1.0)"),
    (nn.Mish(), NF.mish, "Mish()"),
    (nn.Hardswish(), NF.hardswish, "Hardswish()"),
    (nn.Hardsigmoid(inplace=True), NF.hardsigmoid, "Hardsigmoid(inplace=True)"),
    (nn.LogSigmoid(), NF.logsigmoid, "LogSigmoid()"),
    (nn.Softsign(), NF.softsign, "Softsign()"),
    (nn.Tanhshrink(), NF.tanhshrink, "Tanhshrink()"),
    (nn.Threshold(0.1, 20), lambda x: NF.threshold(x, 0.1, 20),
     "Threshold(threshold=0.1, value=20)"),
    (nn.Hardshrink(), NF.hardshrink, "Hardshrink(0.5)"),
    (nn.Softshrink(0.3), lambda x: NF.softshrink(x, 0.3), "Softshrink(0.3)"),
    (nn.GLU(), NF.glu, "GLU(dim=-1)"),
    (nn.Softmin(1), lambda x: NF.softmin(x, 1), "Softmin(dim=1)"),
])
def test_layers_match_functional(rng, layer, functional, text):
    x = rng.standard_normal((3, 4))
    assert np.array_equal(layer(x).data, functional(x).data)
    assert repr(layer) == text
    assert list(layer.parameters()) == []


def test_torch_paths_and_exports():
    import framework.nn.modules.activation as act
    names = ["PReLU", "SELU", "CELU", "Mish", "Hardswish", "Hardsigmoid", "GLU", "LogSigmoid",
             "Softmin", "Softsign", "Tanhshrink", "Threshold", "Hardshrink", "Softshrink"]
    for name in names:
        assert getattr(act, name) is getattr(nn, name)
        assert name in nn.__all__
    for name in ["prelu", "selu", "celu", "mish", "hardswish", "hardsigmoid", "glu",
                 "logsigmoid", "softmin", "softsign", "tanhshrink", "threshold", "hardshrink",
                 "softshrink"]:
        assert name in NF.__all__ and callable(getattr(NF, name))
    assert not isinstance(nn.Softshrink(), nn.Hardshrink)
