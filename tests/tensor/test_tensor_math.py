"""PyTorch's elementwise math (log1p ... erfc, atan2, hypot, logaddexp, lerp, addcmul,
addcdiv, cumprod): values against numpy and math.erf, gradients against central
differences (float64), dtypes, the method and the top-level form."""
import math

import numpy as np
import pytest

import framework as fw
from framework.utils import gradient_check

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.standard_normal(shape)


def _t(a):
    return fw.tensor(a, dtype=fw.float64)


UNARY = [  # name, numpy reference, input sampler
    ("log1p", np.log1p, lambda: RNG.uniform(-0.5, 2.0, (3, 4))),
    ("expm1", np.expm1, lambda: _x(3, 4)),
    ("log2", np.log2, lambda: RNG.uniform(0.2, 3.0, (3, 4))),
    ("log10", np.log10, lambda: RNG.uniform(0.2, 3.0, (3, 4))),
    ("reciprocal", np.reciprocal, lambda: RNG.uniform(0.5, 2.0, (3, 4)) * [1, -1, 1, -1]),
    ("atan", np.arctan, lambda: _x(3, 4)),
    ("asin", np.arcsin, lambda: RNG.uniform(-0.8, 0.8, (3, 4))),
    ("acos", np.arccos, lambda: RNG.uniform(-0.8, 0.8, (3, 4))),
    ("sinh", np.sinh, lambda: _x(3, 4)),
    ("cosh", np.cosh, lambda: _x(3, 4)),
    ("tan", np.tan, lambda: RNG.uniform(-1.2, 1.2, (3, 4))),
    ("erf", np.vectorize(math.erf), lambda: _x(3, 4) * 2),
    ("erfc", np.vectorize(math.erfc), lambda: _x(3, 4) * 2),
]


@pytest.mark.parametrize("name, ref, sample", UNARY, ids=[u[0] for u in UNARY])
def test_unary_values_and_gradients(name, ref, sample):
    a = sample()
    method = getattr(_t(a), name)()
    module = getattr(fw, name)(_t(a))
    assert method.dtype == np.float64
    np.testing.assert_allclose(method.numpy(), ref(a), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(module.numpy(), ref(a), rtol=1e-10, atol=1e-12)
    assert gradient_check(lambda x: getattr(fw, name)(x), a)


@pytest.mark.parametrize("name", ["log1p", "expm1", "atan", "sinh", "tan", "erf", "erfc",
                                  "reciprocal"])
def test_unary_second_derivative(name):
    a = RNG.uniform(0.3, 0.9, (5,))

    x = fw.tensor(a, dtype=fw.float64, requires_grad=True)
    y = getattr(fw, name)(x).sum()
    y.backward(create_graph=True)
    gx = x.grad
    x.grad = None
    gx.sum().backward()
    eps = 1e-5

    def d1(v):
        t = fw.tensor(v, dtype=fw.float64, requires_grad=True)
        getattr(fw, name)(t).sum().backward()
        return t.grad.numpy()

    numeric = (d1(a + eps) - d1(a - eps)) / (2 * eps)
    np.testing.assert_allclose(x.grad.numpy(), numeric, rtol=1e-5, atol=1e-7)


def test_erf_float32_and_the_tails():
    a = np.array([-6.0, -3.0, -0.5, 0.0, 1e-3, 2.4, 2.6, 5.0, 10.0])
    assert fw.erf(fw.tensor(a.astype(np.float32))).dtype == fw.float32
    np.testing.assert_allclose(fw.erf(_t(a)).numpy(), [math.erf(v) for v in a], rtol=1e-14)
    np.testing.assert_allclose(fw.erfc(_t(a)).numpy(), [math.erfc(v) for v in a], rtol=1e-12,
                               atol=0)
    assert fw.erfc(_t([5.0])).item() == pytest.approx(1.537459794428035e-12, rel=1e-12)


def test_integer_inputs_become_float32():
    i = fw.tensor([1, 2, 3])
    for name in ("log1p", "expm1", "log2", "log10", "reciprocal", "atan", "sinh", "cosh",
                 "tan", "erf", "erfc"):
        assert getattr(fw, name)(i).dtype == fw.float32, name
        assert getattr(i, name)().dtype == fw.float32, name
    assert fw.atan2(i, i).dtype == fw.float32 and fw.hypot(i, 2.0).dtype == fw.float32
    assert fw.reciprocal(fw.tensor([2])).tolist() == [0.5]
    assert fw.log1p(fw.tensor([True])).dtype == fw.float32


ROUNDING = [("floor", np.floor), ("ceil", np.ceil), ("trunc", np.trunc), ("round", np.rint),
            ("sign", np.sign), ("fix", np.trunc)]


@pytest.mark.parametrize("name, ref", ROUNDING, ids=[r[0] for r in ROUNDING])
def test_rounding_values_zero_gradient_and_integer_dtype(name, ref):
    a = np.array([-2.5, -1.5, -0.7, -0.0, 0.0, 0.3, 0.5, 1.5, 2.5, 3.7])
    x = fw.tensor(a, dtype=fw.float64, requires_grad=True)
    y = getattr(x, name)()
    assert np.array_equal(y.numpy(), ref(a)) and y.dtype == np.float64
    assert np.array_equal(getattr(fw, name)(x).numpy(), ref(a))
    (y * 3).sum().backward()
    assert x.grad is not None and x.grad.tolist() == [0.0] * len(a)
    i = fw.tensor([-3, 0, 4])
    assert getattr(fw, name)(i).dtype == fw.int64
    assert getattr(fw, name)(i).tolist() == ref(np.array([-3, 0, 4])).astype(int).tolist()


def test_round_half_to_even_and_decimals():
    assert fw.round(fw.tensor([0.5, 1.5, 2.5, -0.5, -2.5])).tolist() == [0, 2, 2, -0, -2]
    x = fw.tensor([1.25, 2.375, -15.0, 25.0], dtype=fw.float64)
    assert fw.round(x, decimals=1).tolist() == [1.2, 2.4, -15.0, 25.0]
    assert x.round(decimals=2).tolist() == [1.25, 2.38, -15.0, 25.0]
    assert fw.round(fw.tensor([15.0, 25.0]), decimals=-1).tolist() == [20.0, 20.0]


def test_frac_keeps_the_sign_and_has_unit_gradient():
    a = np.array([-2.75, -0.5, 0.25, 3.5])
    x = fw.tensor(a, dtype=fw.float64, requires_grad=True)
    y = x.frac()
    assert y.tolist() == [-0.75, -0.5, 0.25, 0.5] and fw.frac(x).tolist() == y.tolist()
    y.sum().backward()
    assert x.grad.tolist() == [1.0] * 4
    with pytest.raises(RuntimeError, match="floating"):
        fw.frac(fw.tensor([1, 2]))


BINARY = [("atan2", np.arctan2), ("hypot", np.hypot), ("logaddexp", np.logaddexp)]


@pytest.mark.parametrize("name, ref", BINARY, ids=[b[0] for b in BINARY])
def test_binary_values_gradients_and_broadcasting(name, ref):
    a, b = _x(3, 4), _x(1, 4)
    np.testing.assert_allclose(getattr(fw, name)(_t(a), _t(b)).numpy(), ref(a, b), rtol=1e-12)
    np.testing.assert_allclose(getattr(_t(a), name)(_t(b)).numpy(), ref(a, b), rtol=1e-12)
    assert gradient_check(lambda x, y: getattr(fw, name)(x, y), a, b)
    assert gradient_check(lambda x, y: getattr(fw, name)(y, x), a, b)
    s = getattr(fw, name)(fw.tensor(a.astype(np.float32)), 2.0)
    assert s.dtype == fw.float32 and np.allclose(s.numpy(), ref(a, 2.0), rtol=1e-5)


def test_logaddexp_does_not_overflow():
    assert fw.logaddexp(_t([1000.0]), _t([1000.0])).item() == pytest.approx(1000 + math.log(2))
    assert fw.arctan2 is fw.atan2 and fw.atan2(_t([1.0]), _t([-1.0])).item() == \
        pytest.approx(3 * math.pi / 4)


def test_lerp_addcmul_addcdiv():
    a, b, c = _x(3, 4), _x(3, 4), RNG.uniform(0.5, 2.0, (3, 4))
    np.testing.assert_allclose(fw.lerp(_t(a), _t(b), 0.3).numpy(), a + 0.3 * (b - a))
    np.testing.assert_allclose(_t(a).lerp(_t(b), _t(c)).numpy(), a + c * (b - a))
    np.testing.assert_allclose(fw.addcmul(_t(a), _t(b), _t(c), value=0.5).numpy(),
                               a + 0.5 * b * c)
    np.testing.assert_allclose(_t(a).addcdiv(_t(b), _t(c), value=-2).numpy(), a - 2 * b / c)
    np.testing.assert_allclose(_t(a).addcmul(_t(b), _t(c)).numpy(), a + b * c)
    assert gradient_check(lambda x, y, w: fw.lerp(x, y, w), a, b, c)
    assert gradient_check(lambda x, y, z: fw.addcmul(x, y, z, value=1.5), a, b, c)
    assert gradient_check(lambda x, y, z: x.addcdiv(y, z, value=0.5), a, b, c)


def test_cumprod_values_gradients_and_zeros():
    a = _x(3, 4)
    np.testing.assert_allclose(fw.cumprod(_t(a), 1).numpy(), np.cumprod(a, 1))
    np.testing.assert_allclose(_t(a).cumprod(dim=-2).numpy(), np.cumprod(a, 0))
    assert gradient_check(lambda x: x.cumprod(1), a)
    assert gradient_check(lambda x: fw.cumprod(x, 0), a)
    z = a.copy()
    z[0, 1] = 0.0
    z[1, 0] = z[1, 2] = 0.0
    assert gradient_check(lambda x: x.cumprod(1), z)
    assert fw.cumprod(fw.tensor([1, 2, 3], dtype=fw.int32), 0).dtype == fw.int64
    assert fw.cumprod(fw.tensor([1, 2, 3]), 0, dtype=fw.float32).tolist() == [1.0, 2.0, 6.0]


def test_cumprod_second_derivative():
    a = RNG.uniform(0.5, 1.5, (4,))
    x = fw.tensor(a, dtype=fw.float64, requires_grad=True)
    x.cumprod(0).sum().backward(create_graph=True)
    g = x.grad
    x.grad = None
    g.sum().backward()
    eps = 1e-6

    def d1(v):
        t = fw.tensor(v, dtype=fw.float64, requires_grad=True)
        t.cumprod(0).sum().backward()
        return t.grad.numpy()

    numeric = np.array([((d1(a + eps * e) - d1(a - eps * e)) / (2 * eps)).sum()
                        for e in np.eye(4)])
    np.testing.assert_allclose(x.grad.numpy(), numeric, rtol=1e-5)


# ---------------------------------------------------------------- tril ... unique
def test_tril_triu_values_gradients_and_batches():
    a = _x(2, 3, 4)
    for k in (-1, 0, 2):
        np.testing.assert_array_equal(fw.tril(_t(a), k).numpy(), np.tril(a, k))
        np.testing.assert_array_equal(_t(a).triu(k).numpy(), np.triu(a, k))
    assert gradient_check(lambda x: fw.tril(x, 1) * 2, a)
    assert gradient_check(lambda x: x.triu(-1), a)
    m = fw.tensor([[np.inf, np.inf], [1.0, np.inf]])
    assert fw.tril(m).tolist() == [[np.inf, 0.0], [1.0, np.inf]]  # no inf * 0
    with pytest.raises(RuntimeError, match="2 dimensions"):
        fw.tril(fw.ones(3))


def test_diag_both_ways():
    v, m = _x(3), _x(3, 4)
    for k in (-2, -1, 0, 1, 3):
        np.testing.assert_array_equal(fw.diag(_t(v), k).numpy(), np.diag(v, k))
        np.testing.assert_array_equal(_t(m).diag(k).numpy(), np.diag(m, k))
    assert fw.diag(_t(m), 5).shape == (0,)
    w = _t(_x(4, 4))
    assert gradient_check(lambda x: fw.diag(x, 1) * w, v)
    assert gradient_check(lambda x: x.diag(-1), m)


def test_flip_and_roll():
    a = _x(2, 3, 4)
    np.testing.assert_array_equal(fw.flip(_t(a), [0, 2]).numpy(), np.flip(a, (0, 2)))
    np.testing.assert_array_equal(_t(a).flip(1).numpy(), np.flip(a, 1))
    np.testing.assert_array_equal(_t(a).flip(0, -1).numpy(), np.flip(a, (0, 2)))
    np.testing.assert_array_equal(_t(a).flip(dims=(1,)).numpy(), np.flip(a, 1))
    np.testing.assert_array_equal(fw.roll(_t(a), 5).numpy(), np.roll(a, 5))
    np.testing.assert_array_equal(_t(a).roll(-1, 2).numpy(), np.roll(a, -1, 2))
    np.testing.assert_array_equal(fw.roll(_t(a), (1, -2), (0, 2)).numpy(),
                                  np.roll(a, (1, -2), (0, 2)))
    assert fw.roll(fw.arange(6).reshape(2, 3), (1, -1), (0, 1)).tolist() == [[4, 5, 3],
                                                                             [1, 2, 0]]
    w = _t(_x(2, 3, 4))
    assert gradient_check(lambda x: x.flip(0, 2) * w, a)
    assert gradient_check(lambda x: fw.roll(x, (1, 7), (1, 2)) * w, a)
    assert gradient_check(lambda x: fw.roll(x, 3) * w, a)


def test_outer_and_cross():
    u, v = _x(3), _x(4)
    np.testing.assert_allclose(fw.outer(_t(u), _t(v)).numpy(), np.outer(u, v))
    np.testing.assert_allclose(_t(u).outer(_t(v)).numpy(), np.outer(u, v))
    assert fw.ger is fw.outer
    assert gradient_check(lambda x, y: fw.outer(x, y), u, v)
    a, b = _x(4, 3), _x(4, 3)
    np.testing.assert_allclose(fw.cross(_t(a), _t(b)).numpy(), np.cross(a, b))
    np.testing.assert_allclose(_t(a.T).cross(_t(b.T), dim=0).numpy(), np.cross(a, b).T)
    np.testing.assert_allclose(fw.cross(_t(a), _t(b[:1]), dim=-1).numpy(), np.cross(a, b[:1]))
    assert gradient_check(lambda x, y: fw.cross(x, y, dim=1), a, b)
    with pytest.raises(RuntimeError, match="size 3"):
        fw.cross(fw.ones(2, 4), fw.ones(2, 4))


def test_masked_select():
    a = _x(3, 4)
    mask = a > 0
    np.testing.assert_array_equal(fw.masked_select(_t(a), fw.tensor(mask)).numpy(), a[mask])
    np.testing.assert_array_equal(_t(a).masked_select(mask[0]).numpy(),
                                  a[np.broadcast_to(mask[0], a.shape)])
    assert gradient_check(lambda x: fw.masked_select(x, mask) ** 2, a)
    assert gradient_check(lambda x: x.masked_select(mask[:1]) * 3, a)


def test_nonzero_shapes_and_dtypes():
    a = np.array([[0, 1.5, 0], [2, 0, -1]])
    idx = fw.nonzero(fw.tensor(a))
    assert idx.dtype == fw.int64 and idx.tolist() == np.argwhere(a).tolist()
    assert not idx.requires_grad
    rows, cols = fw.tensor(a).nonzero(as_tuple=True)
    assert rows.tolist() == [0, 1, 1] and cols.tolist() == [1, 0, 2] and rows.dtype == fw.int64
    assert fw.nonzero(fw.zeros(2, 3)).shape == (0, 2)
    assert fw.nonzero(fw.tensor(5)).shape == (1, 0) and fw.nonzero(fw.tensor(0)).shape == (0, 0)
    assert [t.tolist() for t in fw.nonzero(fw.tensor(5), as_tuple=True)] == [[0]]


def test_unique():
    x = fw.tensor([3, 1, 3, 2, 1, 3])
    assert fw.unique(x).tolist() == [1, 2, 3]
    values, inverse, counts = x.unique(return_inverse=True, return_counts=True)
    assert inverse.tolist() == [2, 0, 2, 1, 0, 2] and counts.tolist() == [2, 1, 3]
    assert inverse.dtype == counts.dtype == fw.int64
    v, inv = fw.unique(fw.tensor([[3, 1], [1, 2]]), return_inverse=True)
    assert v.tolist() == [1, 2, 3] and inv.tolist() == [[2, 0], [0, 1]]
    rows, inv = fw.unique(fw.tensor([[1, 2], [1, 2], [0, 1]]), dim=0, return_inverse=True)
    assert rows.tolist() == [[0, 1], [1, 2]] and inv.tolist() == [1, 1, 0]
    f = fw.tensor([0.5, -1.0, 0.5], requires_grad=True)
    assert not fw.unique(f).requires_grad and fw.unique(f).dtype == fw.float32
