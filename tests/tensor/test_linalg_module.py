"""framework.linalg (PyTorch's torch.linalg): values against numpy.linalg, gradients
against central differences in float64 (batched), the zero-vector 2-norm gradient, the
errors (LinAlgError for singular matrices, ValueError for non-square ones)."""
import numpy as np
import pytest

import framework as fw
from framework import linalg as LA
from framework.utils import gradient_check

RNG = np.random.default_rng(0)
INF = float("inf")


def _x(*shape):
    return RNG.standard_normal(shape)


def _t(a, grad=False):
    return fw.tensor(a, dtype=fw.float64, requires_grad=grad)


def _spd(*batch, n=3):
    a = _x(*batch, n, n)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def _well(*batch, n=3):
    return _x(*batch, n, n) + 3 * np.eye(n)


def _np_vector_norm(x, ord, axis):
    a = np.abs(x)
    if ord == INF:
        return a.max(axis=axis)
    if ord == -INF:
        return a.min(axis=axis)
    if ord == 0:
        return (x != 0).sum(axis=axis).astype(x.dtype)
    return (a ** ord).sum(axis=axis) ** (1.0 / ord)


# ---------------------------------------------------------------------- module wiring
def test_is_a_lazily_loaded_submodule_distinct_from_functions_linalg():
    import framework.functions.linalg as functions_linalg
    assert fw.linalg is LA
    assert LA is not functions_linalg
    assert issubclass(LA.LinAlgError, RuntimeError)


def test_reexports_matmul_and_cross():
    assert LA.matmul is fw.matmul
    assert LA.cross is fw.cross


# ---------------------------------------------------------------------- vector_norm
@pytest.mark.parametrize("ord", [2, 1, INF, -INF, 0, 3, 0.5, -1.5])
@pytest.mark.parametrize("dim", [None, 1, (0, 2), -1])
def test_vector_norm_values(ord, dim):
    x = _x(2, 3, 4)
    got = LA.vector_norm(_t(x), ord, dim)
    axis = None if dim is None else dim
    want = _np_vector_norm(x, ord, axis)
    np.testing.assert_allclose(got.data, want, rtol=1e-10)


@pytest.mark.parametrize("ord", [2, 1, INF, -INF, 3, 0.5, -1.5])
def test_vector_norm_gradient(ord):
    # entries away from 0, where |x|^p is smooth for every p
    x = RNG.uniform(0.3, 2.0, (2, 3, 4)) * RNG.choice([-1.0, 1.0], (2, 3, 4))
    assert gradient_check(lambda v: LA.vector_norm(v, ord, (0, 2)), x)
    assert gradient_check(lambda v: LA.vector_norm(v, ord, -1, keepdim=True), x)


def test_vector_norm_keepdim_shape_and_dtype():
    x = _t(_x(2, 3, 4))
    assert LA.vector_norm(x, dim=(0, 2), keepdim=True).shape == (1, 3, 1)
    assert LA.vector_norm(x).shape == ()
    y = LA.vector_norm(fw.tensor(_x(3), dtype=fw.float32), dtype=fw.float64)
    assert y.dtype == np.float64


def test_vector_norm_gradient_at_zero_is_zero_not_nan():
    x = _t(np.zeros(4), grad=True)
    LA.vector_norm(x).backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros(4))
    # a zero row among nonzero ones: only the zero row's gradient is zero
    a = np.array([[0.0, 0.0], [3.0, 4.0]])
    x = _t(a, grad=True)
    LA.vector_norm(x, dim=1).sum().backward()
    np.testing.assert_allclose(x.grad.data, [[0, 0], [0.6, 0.8]])


def test_vector_norm_inf_gradient_splits_ties_evenly():
    x = _t([1.0, -1.0, 0.5], grad=True)
    LA.vector_norm(x, INF).backward()
    np.testing.assert_allclose(x.grad.data, [0.5, -0.5, 0.0])


def test_vector_norm_zero_ord_has_zero_gradient():
    x = _t([1.0, 0.0, -2.0], grad=True)
    y = LA.vector_norm(x, 0)
    assert float(y.data) == 2.0
    y.backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros(3))


def test_vector_norm_rejects_integer_input():
    with pytest.raises(RuntimeError, match="floating"):
        LA.vector_norm(fw.tensor([1, 2, 3]))


# ---------------------------------------------------------------------- matrix_norm, norm
MATRIX_ORDS = ["fro", "nuc", 1, -1, INF, -INF, 2, -2]


@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norm_values_batched(ord):
    a = _x(2, 3, 4)
    got = LA.matrix_norm(_t(a), ord)
    want = np.linalg.norm(a, ord, axis=(-2, -1))
    np.testing.assert_allclose(got.data, want, rtol=1e-10)


@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norm_other_dims_and_keepdim(ord):
    a = _x(3, 2, 4)
    got = LA.matrix_norm(_t(a), ord, dim=(2, 0), keepdim=True)
    want = np.linalg.norm(a, ord, axis=(2, 0), keepdims=True)
    assert got.shape == want.shape == (1, 2, 1)
    np.testing.assert_allclose(got.data, want, rtol=1e-10)


@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norm_gradient(ord):
    a = _x(2, 3, 4)
    assert gradient_check(lambda v: LA.matrix_norm(v, ord), a)
    assert gradient_check(lambda v: LA.matrix_norm(v, ord, dim=(0, 2), keepdim=True), a)


def test_matrix_norm_errors():
    with pytest.raises(RuntimeError, match="ord=3"):
        LA.matrix_norm(_t(_x(3, 3)), 3)
    with pytest.raises(ValueError, match=r"\(3,\)"):
        LA.matrix_norm(_t(_x(3)))


def test_norm_dispatch():
    a = _x(3, 4)
    v = _x(5)
    np.testing.assert_allclose(LA.norm(_t(a)).data, np.linalg.norm(a))
    np.testing.assert_allclose(LA.norm(_t(a), "nuc").data, np.linalg.norm(a, "nuc"))
    np.testing.assert_allclose(LA.norm(_t(a), 1).data, np.linalg.norm(a, 1))  # matrix 1
    np.testing.assert_allclose(LA.norm(_t(a), None, 1).data, np.linalg.norm(a, axis=1))
    np.testing.assert_allclose(LA.norm(_t(a), 3, 0).data, np.linalg.norm(a, 3, axis=0))
    np.testing.assert_allclose(LA.norm(_t(a), INF, (0, 1)).data, np.linalg.norm(a, INF))
    np.testing.assert_allclose(LA.norm(_t(v), INF).data, np.linalg.norm(v, INF))
    b = _x(2, 3, 4)
    np.testing.assert_allclose(LA.norm(_t(b)).data, np.linalg.norm(b.ravel()))
    with pytest.raises(RuntimeError, match="1-D or 2-D"):
        LA.norm(_t(b), 1)
    assert gradient_check(lambda x: LA.norm(x), a)


def test_vecdot():
    x, y = _x(2, 3), _x(2, 3)
    np.testing.assert_allclose(LA.vecdot(_t(x), _t(y)).data, (x * y).sum(-1))
    np.testing.assert_allclose(LA.vecdot(_t(x), _t(y), dim=0).data, (x * y).sum(0))
    assert gradient_check(lambda a, b: LA.vecdot(a, b), x, y)


# ---------------------------------------------------------------------- inv, det, slogdet
@pytest.mark.parametrize("batch", [(), (2,), (2, 2)])
def test_inv_values_and_gradient(batch):
    a = _well(*batch)
    np.testing.assert_allclose(LA.inv(_t(a)).data, np.linalg.inv(a), rtol=1e-10)
    assert gradient_check(LA.inv, a, gy=_x(*batch, 3, 3))


@pytest.mark.parametrize("batch", [(), (2,), (2, 2)])
def test_det_values_and_gradient(batch):
    a = _well(*batch)
    np.testing.assert_allclose(LA.det(_t(a)).data, np.linalg.det(a), rtol=1e-10)
    assert gradient_check(LA.det, a)


def test_det_gradient_at_a_singular_matrix_is_the_adjugate():
    a = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    x = _t(a, grad=True)
    LA.det(x).backward()
    cof = np.array([[4.0, 4.0, -4.0], [-2.0, -2.0, 2.0], [0.0, 0.0, 0.0]])  # adj(a)^T
    np.testing.assert_allclose(x.grad.data, cof, atol=1e-10)


def test_det_second_derivative():
    # det [[a, b], [c, d]] = ad - bc: the gradient [[d, -c], [-b, a]] sums to a + d - b - c
    x = _t(np.array([[2.0, 1.0], [0.5, 3.0]]), grad=True)
    LA.det(x).backward(create_graph=True)
    g = x.grad
    np.testing.assert_allclose(g.data, [[3.0, -0.5], [-1.0, 2.0]])
    x.cleargrad()
    g.sum().backward()
    np.testing.assert_allclose(x.grad.data, [[1.0, -1.0], [-1.0, 1.0]])


@pytest.mark.parametrize("batch", [(), (2,)])
def test_slogdet_values_and_gradient(batch):
    a = _x(*batch, 3, 3)
    sign, logabs = LA.slogdet(_t(a))
    want_sign, want_log = np.linalg.slogdet(a)
    np.testing.assert_allclose(sign.data, want_sign)
    np.testing.assert_allclose(logabs.data, want_log, rtol=1e-10)
    assert gradient_check(lambda v: LA.slogdet(v).logabsdet, a)
    s, l = LA.slogdet(_t(a))  # unpacks as a pair
    np.testing.assert_allclose(l.data, want_log, rtol=1e-10)


def test_slogdet_sign_alone_has_zero_gradient():
    x = _t(_well(), grad=True)
    LA.slogdet(x).sign.backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros((3, 3)))


# ---------------------------------------------------------------------- solve
@pytest.mark.parametrize("a_shape,b_shape", [
    ((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3)), ((2, 3, 3), (2, 3, 2)),
    ((3, 3), (2, 3, 2)), ((2, 3, 3), (3, 1)), ((2, 3, 3), (3,)),
])
def test_solve_values_and_gradients(a_shape, b_shape):
    a = _x(*a_shape) + 3 * np.eye(3)
    b = _x(*b_shape)
    x = LA.solve(_t(a), _t(b))
    vector = len(b_shape) == 1 or b_shape == a_shape[:-1]
    bb = b[..., None] if vector else b
    batch = np.broadcast_shapes(a.shape[:-2], bb.shape[:-2])
    want = np.linalg.solve(np.broadcast_to(a, batch + a.shape[-2:]),
                           np.broadcast_to(bb, batch + bb.shape[-2:]))
    if vector:
        want = want[..., 0]
    np.testing.assert_allclose(x.data, want, rtol=1e-10)
    assert gradient_check(LA.solve, a, b, gy=_x(*want.shape))


def test_solve_left_false():
    a, b = _well(2), _x(2, 4, 3)
    x = LA.solve(_t(a), _t(b), left=False)
    np.testing.assert_allclose(x.data @ a, b, atol=1e-10)
    assert gradient_check(lambda p, q: LA.solve(p, q, left=False), a, b)


def test_solve_shape_mismatch_names_shapes():
    with pytest.raises(ValueError, match=r"\(3, 3\).*\(4, 2\)"):
        LA.solve(_t(_well()), _t(_x(4, 2)))


# ---------------------------------------------------------------------- cholesky, spectra
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_values_and_gradient(upper):
    p = _spd(2)
    got = LA.cholesky(_t(p), upper=upper).data
    want = np.linalg.cholesky(p)
    np.testing.assert_allclose(got, np.swapaxes(want, -1, -2) if upper else want, rtol=1e-10)

    def f(m):  # a symmetric positive-definite input built from m
        return LA.cholesky(fw.matmul(m, m.mT) + _t(3 * np.eye(3)), upper=upper)
    assert gradient_check(f, _x(2, 3, 3), gy=_x(2, 3, 3))


def test_cholesky_gradient_is_symmetric():
    x = _t(_spd(), grad=True)
    (LA.cholesky(x) * _t(_x(3, 3))).sum().backward()
    np.testing.assert_allclose(x.grad.data, x.grad.data.T, atol=1e-12)


def test_cholesky_not_positive_definite():
    with pytest.raises(LA.LinAlgError, match=r"\(2, 2\).*positive-definite"):
        LA.cholesky(_t(np.array([[1.0, 2.0], [2.0, 1.0]])))


def test_svdvals_and_eigvalsh():
    a = _x(2, 3, 4)
    np.testing.assert_allclose(LA.svdvals(_t(a)).data, np.linalg.svd(a, compute_uv=False))
    assert gradient_check(LA.svdvals, a, gy=_x(2, 3))
    p = _spd(2)
    np.testing.assert_allclose(LA.eigvalsh(_t(p)).data, np.linalg.eigvalsh(p))

    def sym(m, uplo):
        return LA.eigvalsh((m + m.mT) * 0.5, UPLO=uplo)
    for uplo in ("L", "U"):
        assert gradient_check(lambda m: sym(m, uplo), _x(2, 3, 3), gy=_x(2, 3))


def test_first_order_only_functions_refuse_a_second_derivative():
    x = _t(_x(3, 3), grad=True)
    y = LA.svdvals(x).sum()
    with pytest.raises(NotImplementedError, match="svdvals"):
        y.backward(create_graph=True)


@pytest.mark.parametrize("name", ["svd", "eigh", "qr"])
def test_decompositions_values_and_backward_raises(name):
    a = _spd() if name == "eigh" else _x(4, 3)
    x = _t(a, grad=True)
    out = getattr(LA, name)(x)
    if name == "svd":
        u, s, vh = (o.data for o in out)
        np.testing.assert_allclose((u[:, :3] * s) @ vh, a, atol=1e-10)
        assert LA.svd(_t(a), full_matrices=False).U.shape == (4, 3)
    elif name == "eigh":
        w, v = (o.data for o in out)
        np.testing.assert_allclose(w, np.linalg.eigvalsh(a))
        np.testing.assert_allclose(a @ v, v * w, atol=1e-10)
    else:
        q, r = (o.data for o in out)
        np.testing.assert_allclose(q @ r, a, atol=1e-10)
    with pytest.raises(NotImplementedError, match=f"linalg.{name}"):
        out[0].sum().backward()


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize("fn", ["inv", "det", "slogdet", "solve", "cholesky", "eigh"])
def test_non_square_raises_value_error_naming_shape(fn):
    args = (_t(_x(2, 3)),) + ((_t(_x(2)),) if fn == "solve" else ())
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        getattr(LA, fn)(*args)


def test_singular_raises_linalg_error_naming_shape():
    s = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(LA.LinAlgError, match=r"\(2, 2\).*singular"):
        LA.inv(_t(s))
    with pytest.raises(RuntimeError, match="singular"):  # a RuntimeError, as PyTorch's
        LA.solve(_t(np.stack([np.eye(2), s])), _t(_x(2, 2)))
    assert float(LA.det(_t(s)).data) == 0.0


def test_top_level_alias_import_framework_as_torch():
    import framework as torch
    A = torch.randn(3, 3, dtype=torch.float64) + 3 * torch.eye(3, dtype=torch.float64)
    b = torch.randn(3, dtype=torch.float64)
    x = torch.linalg.solve(A, b)
    np.testing.assert_allclose(torch.matmul(A, x).data, b.data, atol=1e-10)
