"""A Parameter's ``.data``: numpy's array, with PyTorch's in-place methods on top.

DeZero's ``.data`` is the raw array and stays one: every numpy operation, attribute and
method behaves as on ``numpy.ndarray`` (``p.data -= lr * p.grad.data`` in the book's
optimizers). PyTorch scripts also write through ``.data``, which there is a tensor
sharing the parameter's memory::

    param.data.add_(-0.1 * param.grad)       # pytorch/examples regression
    m.weight.data.normal_(0.0, 0.02)          # DCGAN-style initialisation
    p.data.addcdiv_(exp_avg, denom, value=-step_size)   # hand-written optimizers

A numpy array cannot have those methods, so a Parameter keeps its data (and its
gradient's, for ``p.grad.data.zero_()`` and ``d_p.add_(weight_decay, p.data)`` in
hand-written optimizers) as this subclass, which adds them (names PyTorch's tensor has
and numpy's array has not, so no numpy meaning changes). As in PyTorch, writes through
``.data`` are not recorded by autograd. Results of arithmetic are plain arrays
(``__array_priority__`` below an ndarray's), so the subclass does not spread into
activations.
"""
import numpy as np

__all__ = ["ParameterArray", "as_parameter_array"]


def _raw(x):
    """A Variable's array, or ``x`` itself."""
    if isinstance(x, np.ndarray):
        return x
    data = getattr(x, "data", None)
    return data if data is not None and hasattr(x, "creator") else x


class ParameterArray(np.ndarray):
    """``numpy.ndarray`` plus ``add_ sub_ mul_ div_ pow_ neg_ clamp_ zero_ fill_ copy_
    masked_fill_ uniform_ normal_ addcmul_ addcdiv_ lerp_`` (in place, returning the
    array), ``clone`` (a copy), ``numpy`` (a plain view) and ``cpu`` (itself)."""

    __array_priority__ = -1.0  # mixed with plain arrays, results are plain arrays

    def __repr__(self):
        return repr(self.view(np.ndarray))

    def __reduce__(self):
        # pickles (and deep copies across processes) as the plain array it holds
        return self.view(np.ndarray).__reduce__()

    def _put(self, values):
        np.copyto(self, values, casting="unsafe")
        return self

    def add_(self, other, *args, alpha=1):
        if args:  # PyTorch's old order: add_(alpha, other)
            alpha, other = other, args[0]
        other = _raw(other)
        return self._put(self + (other if alpha == 1 else np.multiply(other, alpha)))

    def sub_(self, other, *args, alpha=1):
        if args:
            alpha, other = other, args[0]
        other = _raw(other)
        return self._put(self - (other if alpha == 1 else np.multiply(other, alpha)))

    def mul_(self, other):
        return self._put(self * _raw(other))

    def div_(self, other):
        return self._put(self / _raw(other))

    def pow_(self, exponent):
        return self._put(self ** _raw(exponent))

    def neg_(self):
        return self._put(-self)

    def clamp_(self, min=None, max=None):  # noqa: A002  (PyTorch's names)
        return self._put(np.clip(self, _raw(min), _raw(max)))

    def zero_(self):
        self.fill(0)
        return self

    def fill_(self, value):
        self.fill(_raw(value))
        return self

    def copy_(self, src, non_blocking=False):
        return self._put(np.asarray(_raw(src)))

    def masked_fill_(self, mask, value):
        np.copyto(self, _raw(value), casting="unsafe", where=np.asarray(_raw(mask), bool))
        return self

    def uniform_(self, a=0.0, b=1.0):
        return self._put(np.random.uniform(a, b, size=self.shape))

    def normal_(self, mean=0.0, std=1.0):
        return self._put(np.random.normal(mean, std, size=self.shape))

    def addcmul_(self, tensor1, tensor2, value=1):
        return self._put(self + value * (_raw(tensor1) * _raw(tensor2)))

    def addcdiv_(self, tensor1, tensor2, value=1):
        return self._put(self + value * (_raw(tensor1) / _raw(tensor2)))

    def lerp_(self, end, weight):
        return self._put(self + _raw(weight) * (_raw(end) - self))

    def clone(self):
        return self.copy()

    def numpy(self):
        return self.view(np.ndarray)

    def cpu(self):
        return self


def as_parameter_array(data):
    """``data`` as a ParameterArray view when it is a plain numpy array; anything else
    (None, a cupy array, one already converted) as it is."""
    if type(data) is np.ndarray:
        return data.view(ParameterArray)
    return data
