"""The tensor methods built on ``framework.functions`` (``softmax``, ``relu``, ``clamp``,
``mm``, ``std``, ``topk``, ...).

The core cannot import ``framework.functions`` (it sits below it), so these methods are
attached to Variable here, when ``framework`` is imported, as DeZero's
``setup_variable`` attaches its operators. Every method calls the top-level function of
the same name in ``framework.tensor_functions``, ``framework.tensor_math`` or a Function
of ``framework.functions``.
"""
import framework.functions as F
import framework.tensor_math as M
from framework.core import primitives as P
from framework.core.variable import Variable
from framework.tensor_functions import (add, argsort, bmm, clamp, div, log_softmax, logsumexp,
                                        maximum, minimum, norm, rsqrt, softmax, sort, sub,
                                        topk)

__all__ = ["install_methods"]


class _FunctionMethods:
    """Tensor methods that need ``framework.functions``; copied onto Variable."""

    def add(self, other, alpha=1):
        return add(self, other, alpha=alpha)

    def sub(self, other, alpha=1):
        return sub(self, other, alpha=alpha)

    subtract = sub

    def mul(self, other):
        return P.mul(self, other)

    multiply = mul

    def div(self, other, rounding_mode=None):
        return div(self, other, rounding_mode=rounding_mode)

    divide = true_divide = div

    def abs(self):
        return F.abs(self)

    def exp(self):
        return P.exp(self)

    def log(self):
        return P.log(self)

    def sqrt(self):
        return F.sqrt(self)

    def rsqrt(self):
        return rsqrt(self)

    def sin(self):
        return F.sin(self)

    def cos(self):
        return F.cos(self)

    def tanh(self):
        return F.tanh(self)

    def sigmoid(self):
        return F.sigmoid(self)

    def relu(self):
        return F.relu(self)

    def square(self):
        return F.square(self)

    def pow(self, exponent):
        return P.pow(self, exponent)

    def neg(self):
        return P.neg(self)

    negative = neg

    def clamp(self, min=None, max=None):  # noqa: A002
        return clamp(self, min, max)

    clip = clamp

    def clamp_(self, min=None, max=None):  # noqa: A002
        from framework.core.inplace import apply_inplace
        return apply_inplace(self, lambda x: clamp(x, min, max), (), "clamp_")

    clip_ = clamp_

    def relu_(self):
        from framework.core.inplace import apply_inplace
        return apply_inplace(self, F.relu, (), "relu_")

    def softmax(self, dim, dtype=None):
        return softmax(self, dim, dtype)

    def log_softmax(self, dim, dtype=None):
        return log_softmax(self, dim, dtype)

    def logsumexp(self, dim, keepdim=False):
        return logsumexp(self, dim, keepdim)

    def mm(self, mat2):
        return F.mm(self, mat2)

    def dot(self, other):
        return F.dot(self, other)

    def bmm(self, mat2):
        return bmm(self, mat2)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
            keepdims=None, ddof=None, dtype=None, out=None):
        """The standard deviation; PyTorch's default divides by ``n - 1``."""
        return F.sqrt(self.var(dim, unbiased, keepdim, correction=correction, axis=axis,
                               keepdims=keepdims, ddof=ddof, dtype=dtype, out=out))

    def norm(self, p="fro", dim=None, keepdim=False):
        return norm(self, p, dim, keepdim)

    def topk(self, k, dim=-1, largest=True, sorted=True):  # noqa: A002
        return topk(self, k, dim, largest, sorted)

    def sort(self, dim=-1, descending=False, stable=False):
        return sort(self, dim, descending, stable)

    def argsort(self, dim=-1, descending=False, stable=False):
        return argsort(self, dim, descending, stable)

    def maximum(self, other):
        return maximum(self, other)

    def minimum(self, other):
        return minimum(self, other)

    # elementwise math (framework.tensor_math)
    def log1p(self):
        return M.log1p(self)

    def expm1(self):
        return M.expm1(self)

    def log2(self):
        return M.log2(self)

    def log10(self):
        return M.log10(self)

    def sign(self):
        return M.sign(self)

    def floor(self):
        return M.floor(self)

    def ceil(self):
        return M.ceil(self)

    def round(self, decimals=0):
        return M.round(self, decimals=decimals)

    def trunc(self):
        return M.trunc(self)

    fix = trunc

    def frac(self):
        return M.frac(self)

    def reciprocal(self):
        return M.reciprocal(self)

    def atan(self):
        return M.atan(self)

    arctan = atan

    def asin(self):
        return M.asin(self)

    arcsin = asin

    def acos(self):
        return M.acos(self)

    arccos = acos

    def sinh(self):
        return M.sinh(self)

    def cosh(self):
        return M.cosh(self)

    def tan(self):
        return M.tan(self)

    def erf(self):
        return M.erf(self)

    def erfc(self):
        return M.erfc(self)

    def atan2(self, other):
        return M.atan2(self, other)

    arctan2 = atan2

    def hypot(self, other):
        return M.hypot(self, other)

    def logaddexp(self, other):
        return M.logaddexp(self, other)

    def lerp(self, end, weight):
        return M.lerp(self, end, weight)

    def addcmul(self, tensor1, tensor2, *, value=1):
        return M.addcmul(self, tensor1, tensor2, value=value)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        return M.addcdiv(self, tensor1, tensor2, value=value)

    def cumprod(self, dim, dtype=None):
        return M.cumprod(self, dim, dtype=dtype)

    # matrices and indices
    def tril(self, diagonal=0):
        return M.tril(self, diagonal)

    def triu(self, diagonal=0):
        return M.triu(self, diagonal)

    def diag(self, diagonal=0):
        return M.diag(self, diagonal)

    def flip(self, *args, dims=None):
        """``x.flip(0, 1)``, ``x.flip((0, 1))`` or ``x.flip(dims=...)``."""
        if dims is None:
            dims = args[0] if len(args) == 1 else args
        return M.flip(self, dims)

    def roll(self, shifts, dims=None):
        return M.roll(self, shifts, dims)

    def outer(self, vec2):
        return M.outer(self, vec2)

    ger = outer

    def cross(self, other, dim=None):
        return M.cross(self, other, dim)

    def masked_select(self, mask):
        return M.masked_select(self, mask)

    def nonzero(self, *, as_tuple=False):
        return M.nonzero(self, as_tuple=as_tuple)

    def unique(self, sorted=True, return_inverse=False, return_counts=False,  # noqa: A002
               dim=None):
        return M.unique(self, sorted, return_inverse, return_counts, dim)


def install_methods(cls=Variable):
    """Attach the methods of :class:`_FunctionMethods` to ``cls`` (Variable)."""
    for name, value in vars(_FunctionMethods).items():
        if not name.startswith("__"):
            setattr(cls, name, value)


install_methods()
