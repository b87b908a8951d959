"""PyTorch's ``torch.linalg``: norms, inverses, determinants, solves and decompositions.

``import framework as torch`` gives ``torch.linalg.vector_norm``, ``matrix_norm``,
``norm``, ``inv``, ``det``, ``slogdet``, ``solve``, ``cholesky``, ``svdvals``,
``eigvalsh`` (all differentiable, batched over leading dims), ``svd``, ``eigh``, ``qr``
(values only: their backward raises NotImplementedError naming the function), and
``matmul``, ``vecdot``, ``cross``.

Not the same module as ``framework.functions.linalg`` (DeZero's matmul and linear
Functions), which this one builds on.
"""
import builtins
from collections import namedtuple

import numpy as np

import framework.functions as F
from framework import backend
from framework.core import primitives as P
from framework.core.config import Config
from framework.core.function import Function
from framework.core.reductions import sum_to
from framework.core.shape_methods import normalize_dim
from framework.core.variable import Variable
from framework.functions.linalg import Root
from framework.tensor_functions import _var, matmul
from framework.tensor_math import cross

__all__ = [
    "LinAlgError", "vector_norm", "matrix_norm", "norm", "inv", "det", "slogdet", "solve",
    "cholesky", "svdvals", "eigvalsh", "svd", "eigh", "qr", "matmul", "vecdot", "cross",
]

_INF = float("inf")

SlogdetResult = namedtuple("slogdet", ["sign", "logabsdet"])
SVDResult = namedtuple("svd", ["U", "S", "Vh"])
EighResult = namedtuple("eigh", ["eigenvalues", "eigenvectors"])
QRResult = namedtuple("qr", ["Q", "R"])


class LinAlgError(RuntimeError):
    """A matrix the operation cannot handle: singular, or not positive-definite
    (PyTorch's ``torch.linalg.LinAlgError``, a RuntimeError)."""


def _constant(array):
    return Variable(array, requires_grad=False)


def _mT(x):  # noqa: N802 - PyTorch's name
    return P.swapaxes(x, -1, -2)


def _check_float(name, x):
    if not np.issubdtype(x.dtype, np.floating):
        raise RuntimeError(f"linalg.{name}: expected a floating point tensor, got {x.dtype}")


def _check_square(name, A):
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"linalg.{name}: expected a square matrix or a batch of square "
                         f"matrices (..., n, n), got shape {tuple(A.shape)}")


def _no_higher_order(name):
    if Config.enable_backprop:  # backward(create_graph=True)
        raise NotImplementedError(
            f"linalg.{name}: the second derivative is not implemented")


# ---------------------------------------------------------------------- norms
def vecdot(x, y, *, dim=-1):
    """The dot product of ``x`` and ``y`` (broadcast) along ``dim``."""
    return P.sum(_var(x) * _var(y), dim)


class _CountNonzero(Function):
    """The number of nonzero entries (the 0-"norm"): gradient zero, as PyTorch's."""

    reads_values = False

    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, x):
        self.shape = x.shape
        return (x != 0).sum(axis=self.axis, keepdims=self.keepdims).astype(x.dtype)

    def backward(self, gy):
        xp = backend.get_array_module(gy.data)
        return _constant(xp.zeros(self.shape, dtype=gy.dtype))


def _dims(dim, ndim):
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        return tuple(normalize_dim(d, ndim) for d in dim)
    return normalize_dim(dim, ndim)


def _extreme(a, dim, keepdim, largest):
    """max/min of ``a`` over ``dim`` whose gradient is split evenly among ties (as
    PyTorch's amax/amin and its inf-norms)."""
    m = (P.max if largest else P.min)(a, dim, True)
    mask = (a.data == m.data).astype(a.dtype)
    share = mask / mask.sum(axis=dim, keepdims=True)
    return P.sum(a * _constant(share), dim, keepdim)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """The vector ``ord``-norm over ``dim`` (every element when None): ord 2, 1, inf,
    -inf, 0 (the count of nonzeros) or any other real ``p`` (``sum |x|^p ^ (1/p)``).

    The 2-norm of a zero vector has gradient 0 (not NaN), as PyTorch's.

    Raises:
        RuntimeError: an integer or bool input (PyTorch's rule).
    """
    x = _var(x)
    if dtype is not None:
        x = x.to(dtype)
    _check_float("vector_norm", x)
    dim = _dims(dim, x.ndim)
    if dim == ():
        dim = None
    a = F.abs(x)
    if ord == 2:
        return Root(2)(P.sum(x * x, dim, keepdim))
    if ord == 1:
        return P.sum(a, dim, keepdim)
    if ord == _INF:
        return _extreme(a, dim, keepdim, True)
    if ord == -_INF:
        return _extreme(a, dim, keepdim, False)
    if ord == 0:
        return _CountNonzero(dim, keepdim)(x)
    if isinstance(ord, (int, float)) and not isinstance(ord, bool):
        if ord > 0:
            return Root(ord)(P.sum(a ** ord, dim, keepdim))
        return P.sum(a ** ord, dim, keepdim) ** (1.0 / ord)
    raise ValueError(f"linalg.vector_norm: ord={ord!r} is not a number")


def _to_last(A, d0, d1):
    """``A`` with dims ``d0``, ``d1`` moved to the end (in that order)."""
    rest = [i for i in range(A.ndim) if i not in (d0, d1)]
    order = rest + [d0, d1]
    return A if order == list(range(A.ndim)) else P.transpose(A, order)


def _restore(y, shape, d0, d1, keepdim):
    """A reduction over the last two dims put back as one over ``(d0, d1)``."""
    if not keepdim:
        return y
    keep = [1 if i in (d0, d1) else n for i, n in enumerate(shape)]
    return P.reshape(y, tuple(keep))


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    """The matrix ``ord``-norm over the two dims ``dim``: 'fro', 'nuc', 1, -1 (largest /
    smallest column abs-sum), inf, -inf (rows), 2, -2 (largest / smallest singular value).

    Raises:
        ValueError: ``dim`` is not two distinct dims.
        RuntimeError: an unsupported ``ord`` (as PyTorch), or an integer input.
    """
    A = _var(A)
    if dtype is not None:
        A = A.to(dtype)
    _check_float("matrix_norm", A)
    if A.ndim < 2:
        raise ValueError(f"linalg.matrix_norm: expected a tensor with 2 or more dims, got "
                         f"shape {tuple(A.shape)}")
    if not isinstance(dim, (list, tuple)) or len(dim) != 2:
        raise ValueError(f"linalg.matrix_norm: dim must be a 2-tuple, got {dim!r}")
    d0, d1 = _dims(tuple(dim), A.ndim)
    if d0 == d1:
        raise ValueError(f"linalg.matrix_norm: dims must be different, got {dim!r}")
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        s = svdvals(_to_last(A, d0, d1))
        if ord == "nuc":
            y = P.sum(s, -1)
        else:
            y = _extreme(s, s.ndim - 1, False, ord == 2)
        return _restore(y, A.shape, d0, d1, keepdim)
    if ord in (1, -1, _INF, -_INF):
        inner, outer = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = P.sum(F.abs(A), inner, True)
        y = _extreme(sums, outer, True, ord > 0)
        if not keepdim:
            y = P.reshape(y, tuple(n for i, n in enumerate(A.shape) if i not in (d0, d1)))
        return y
    raise RuntimeError(f"linalg.matrix_norm: ord={ord!r} is not supported; use 'fro', "
                     f"'nuc', 1, -1, 2, -2, inf or -inf")


def norm(x, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """PyTorch's dispatch: a vector norm for an int ``dim`` (or 1-D input), a matrix norm
    for a 2-tuple ``dim`` (or 2-D input); with ``ord`` and ``dim`` both None, the 2-norm of
    all elements (the Frobenius norm of a matrix).

    Raises:
        RuntimeError: ``ord`` given without ``dim`` for an input not 1-D or 2-D.
    """
    x = _var(x)
    if isinstance(dim, int) or (isinstance(dim, (list, tuple)) and len(dim) == 1):
        return vector_norm(x, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    if dim is not None:
        return matrix_norm(x, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(x, 2, None, keepdim, dtype=dtype)
    if x.ndim == 1:
        return vector_norm(x, ord, None, keepdim, dtype=dtype)
    if x.ndim == 2:
        return matrix_norm(x, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: ord={ord!r} without dim needs a 1-D or 2-D input, "
                       f"got shape {tuple(x.shape)}")


# ---------------------------------------------------------------------- inverses, solves
def _call(name, what, fn, *arrays, shape):
    """``fn(*arrays)``, numpy's LinAlgError raised as ours naming the shape; a non-finite
    result from a backend that does not raise (cupy) raises the same."""
    xp = backend.get_array_module(arrays[0])
    try:
        out = fn(*arrays)
    except np.linalg.LinAlgError as e:
        raise LinAlgError(f"linalg.{name}: the input of shape {shape} is {what} ({e})") \
            from None
    if xp is not np:
        first = out[0] if isinstance(out, tuple) else out
        if not bool(xp.isfinite(first).all()) and bool(xp.isfinite(arrays[0]).all()):
            raise LinAlgError(f"linalg.{name}: the input of shape {shape} is {what}")
    return out


class Inv(Function):
    def forward(self, A):
        xp = backend.get_array_module(A)
        return _call("inv", "singular", xp.linalg.inv, A, shape=tuple(A.shape))

    def backward(self, gy):
        Y = self.outputs[0]()
        Yt = _mT(Y)
        return -matmul(matmul(Yt, gy), Yt)


def inv(A):
    """The inverse of a square matrix or of each in a batch; gradient ``-A^-T g A^-T``.

    Raises:
        ValueError: ``A`` is not (..., n, n), naming the shape.
        LinAlgError: ``A`` is singular, naming the shape.
    """
    A = _var(A)
    _check_square("inv", A)
    _check_float("inv", A)
    return Inv()(A)


class Det(Function):
    def forward(self, A):
        xp = backend.get_array_module(A)
        return xp.linalg.det(A)

    def backward(self, gy):
        A, = self.inputs
        d = self.outputs[0]()
        if not bool((d.data != 0).all()):
            return _singular_det_grad(A, gy)
        # d det / dA = det * A^-T, built from differentiable ops (second derivatives work)
        return P.reshape(gy * d, tuple(gy.shape) + (1, 1)) * _mT(inv(A))


def _singular_det_grad(A, gy):
    """``g * adj(A)^T`` through the SVD, for batches holding a singular matrix:
    ``adj(A)^T = det(U) det(V) U diag(prod_{j != i} s_j) V^T``."""
    _no_higher_order("det")
    xp = backend.get_array_module(A.data)
    U, s, Vh = xp.linalg.svd(A.data)
    n = s.shape[-1]
    others = xp.stack([xp.prod(xp.delete(s, i, axis=-1), axis=-1) for i in range(n)], -1)
    sign = xp.linalg.det(U) * xp.linalg.det(Vh)
    cof = (U * others[..., None, :]) @ Vh * sign[..., None, None]
    return P.reshape(gy, tuple(gy.shape) + (1, 1)) * _constant(cof)


def det(A):
    """The determinant of a square matrix or of each in a batch; gradient ``g det A^-T``
    (the adjugate through the SVD where ``A`` is singular).

    Raises:
        ValueError: ``A`` is not (..., n, n), naming the shape.
    """
    A = _var(A)
    _check_square("det", A)
    _check_float("det", A)
    return Det()(A)


class Slogdet(Function):
    def forward(self, A):
        xp = backend.get_array_module(A)
        sign, logabs = xp.linalg.slogdet(A)
        return sign, logabs

    def backward(self, gsign, glog):
        A, = self.inputs
        if glog is None:
            xp = backend.get_array_module(A.data)
            return _constant(xp.zeros_like(A.data))
        return P.reshape(glog, tuple(glog.shape) + (1, 1)) * _mT(inv(A))


def slogdet(A):
    """``(sign, logabsdet)`` of the determinant; the gradient of ``logabsdet`` is
    ``A^-T`` (``sign`` is piecewise constant: gradient 0).

    Raises:
        ValueError: ``A`` is not (..., n, n), naming the shape.
        LinAlgError: from the backward pass at a singular ``A`` (logabsdet is -inf).
    """
    A = _var(A)
    _check_square("slogdet", A)
    _check_float("slogdet", A)
    sign, logabs = Slogdet()(A)
    return SlogdetResult(sign, logabs)


def _is_vector_rhs(A_shape, B_shape):
    """PyTorch's rule: B is a (batch of) vector(s) when 1-D, or when its shape is A's
    without the last dim."""
    return len(B_shape) == 1 or tuple(B_shape) == tuple(A_shape[:-1])


class Solve(Function):
    def __init__(self, vector):
        self.vector = vector

    def forward(self, A, B):
        xp = backend.get_array_module(A)
        b = B[..., None] if self.vector else B
        batch = np.broadcast_shapes(A.shape[:-2], b.shape[:-2])
        A_b = xp.broadcast_to(A, batch + A.shape[-2:])
        b_b = xp.broadcast_to(b, batch + b.shape[-2:])
        X = _call("solve", "singular", xp.linalg.solve, A_b, b_b, shape=tuple(A.shape))
        return X[..., 0] if self.vector else X

    def backward(self, gX):
        A, B = self.inputs
        X = self.outputs[0]()
        gB = solve(_mT(A), gX)
        if self.vector:
            gA = -(P.reshape(gB, tuple(gB.shape) + (1,))
                   * P.reshape(X, tuple(X.shape[:-1]) + (1, X.shape[-1])))
        else:
            gA = -matmul(gB, _mT(X))
        return sum_to(gA, A.shape), sum_to(gB, B.shape)


def solve(A, B, *, left=True):
    """The ``X`` with ``A X = B`` (``left=False``: ``X A = B``); ``B`` a vector (n,), a
    batch of vectors shaped like ``A`` without its last dim, or matrices (..., n, k);
    batch dims broadcast. Gradients: ``gB = solve(A^T, g)``, ``gA = -gB X^T``.

    Raises:
        ValueError: ``A`` is not square or the shapes do not match, naming them.
        LinAlgError: ``A`` is singular, naming its shape.
    """
    A, B = _var(A), _var(B)
    _check_square("solve", A)
    _check_float("solve", A)
    if not left:
        return _mT(solve(_mT(A), _mT(B)))
    vector = _is_vector_rhs(A.shape, B.shape)
    n = A.shape[-1]
    if (vector and B.shape[-1] != n) or (not vector and (B.ndim < 2 or B.shape[-2] != n)):
        raise ValueError(f"linalg.solve: A of shape {tuple(A.shape)} and B of shape "
                         f"{tuple(B.shape)} do not match")
    return Solve(vector)(A, B)


class Cholesky(Function):
    def forward(self, A):
        xp = backend.get_array_module(A)
        return _call("cholesky", "not positive-definite", xp.linalg.cholesky, A,
                     shape=tuple(A.shape))

    def backward(self, gL):
        # gA = 1/2 L^-T (Phi(L^T gL) + Phi(L^T gL)^T) L^-1 with Phi the lower triangle
        # with a halved diagonal: symmetric, as PyTorch's.
        L = self.outputs[0]()
        xp = backend.get_array_module(L.data)
        n = L.shape[-1]
        lower = xp.tril(xp.ones((n, n), dtype=L.dtype)) - 0.5 * xp.eye(n, dtype=L.dtype)
        phi = matmul(_mT(L), gL) * _constant(lower)
        Linv = inv(L)
        S = matmul(matmul(_mT(Linv), phi), Linv)
        return (S + _mT(S)) * 0.5


def cholesky(A, *, upper=False):
    """The lower Cholesky factor ``L`` (``A = L L^T``) of a symmetric positive-definite
    matrix (batched; only the lower triangle of ``A`` is read); ``upper=True`` gives
    ``L^T``. The gradient is symmetric, as PyTorch's.

    Raises:
        ValueError: ``A`` is not square. LinAlgError: ``A`` is not positive-definite.
    """
    A = _var(A)
    _check_square("cholesky", A)
    _check_float("cholesky", A)
    L = Cholesky()(A)
    return _mT(L) if upper else L


# ---------------------------------------------------------------------- spectra
class SVDVals(Function):
    def forward(self, A):
        xp = backend.get_array_module(A)
        self.U, s, self.Vh = xp.linalg.svd(A, full_matrices=False)
        return s

    def backward(self, gs):
        # d s_i = u_i^T dA v_i: gA = U diag(g) Vh (first order only).
        _no_higher_order("svdvals")
        return _constant(self.U * gs.data[..., None, :]) @ _constant(self.Vh)


def svdvals(A):
    """The singular values, largest first (batched); gradient ``U diag(g) V^T`` (exact
    for distinct singular values; no second derivative)."""
    A = _var(A)
    _check_float("svdvals", A)
    return SVDVals()(A)


class EigvalsH(Function):
    def __init__(self, UPLO):
        self.UPLO = UPLO

    def forward(self, A):
        xp = backend.get_array_module(A)
        w, self.V = xp.linalg.eigh(A, UPLO=self.UPLO)
        return w

    def backward(self, gw):
        _no_higher_order("eigvalsh")
        V = self.V
        g = (V * gw.data[..., None, :]) @ np.swapaxes(V, -1, -2)
        # only one triangle was read: its entries carry the symmetric gradient's sum
        xp = backend.get_array_module(V)
        n = V.shape[-1]
        tri = xp.tril if self.UPLO == "L" else xp.triu
        g = tri(g * 2) - g * xp.eye(n, dtype=g.dtype)
        return _constant(g)


def eigvalsh(A, UPLO="L"):
    """The eigenvalues of a symmetric matrix, ascending (batched; the ``UPLO`` triangle
    is read). Gradient ``V diag(g) V^T`` folded onto that triangle (no second
    derivative)."""
    A = _var(A)
    _check_square("eigvalsh", A)
    _check_float("eigvalsh", A)
    return EigvalsH(UPLO)(A)


class _NoGrad(Function):
    """A decomposition computed without a backward: reaching it raises, naming it."""

    def __init__(self, name, fn):
        self.name, self.fn = name, fn

    def forward(self, A):
        return tuple(self.fn(A))

    def backward(self, *gys):
        hint = {"svd": "; svdvals has one", "eigh": "; eigvalsh has one"}.get(self.name, "")
        raise NotImplementedError(
            f"linalg.{self.name}: the gradient is not implemented{hint}")


def svd(A, full_matrices=True):
    """``(U, S, Vh)`` with ``A = U diag(S) Vh`` (batched). No gradient: backward through
    it raises NotImplementedError (``svdvals`` has one)."""
    A = _var(A)
    _check_float("svd", A)
    xp = backend.get_array_module(A.data)
    return SVDResult(*_NoGrad("svd", lambda a: xp.linalg.svd(
        a, full_matrices=full_matrices))(A))


def eigh(A, UPLO="L"):
    """``(eigenvalues, eigenvectors)`` of a symmetric matrix, ascending (batched). No
    gradient: backward through it raises NotImplementedError (``eigvalsh`` has one)."""
    A = _var(A)
    _check_square("eigh", A)
    _check_float("eigh", A)
    xp = backend.get_array_module(A.data)
    return EighResult(*_NoGrad("eigh", lambda a: xp.linalg.eigh(a, UPLO=UPLO))(A))


def qr(A, mode="reduced"):
    """``(Q, R)`` with ``A = Q R`` (batched; mode 'reduced' or 'complete'). No gradient:
    backward through it raises NotImplementedError."""
    A = _var(A)
    _check_float("qr", A)
    if mode not in ("reduced", "complete"):
        raise ValueError(f"linalg.qr: mode={mode!r} is not supported; use 'reduced' or "
                         f"'complete'")
    xp = backend.get_array_module(A.data)
    return QRResult(*_NoGrad("qr", lambda a: xp.linalg.qr(a, mode=mode))(A))
