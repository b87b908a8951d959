"""PyTorch's conversions on Variable: dtypes, devices, Python numbers, numpy, copies."""
import builtins

import numpy as np

from framework import backend

__all__ = ["ConversionMethods", "resolve_dtype"]

ops = None  # framework.core.primitives, set by framework.core.variable
Variable = None  # set by framework.core.variable

_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
               "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}
_NAME_TYPES = {v: k for k, v in _TYPE_NAMES.items()}


def resolve_dtype(dtype):
    """A numpy dtype from ``framework.float32``, ``np.float32``, ``"float32"``,
    ``"torch.FloatTensor"`` and the like.

    Raises:
        TypeError: not a dtype.
    """
    if isinstance(dtype, str):
        name = dtype.rsplit(".", 1)[-1]
        if name in _NAME_TYPES:
            return np.dtype(_NAME_TYPES[name])
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"expected a dtype such as framework.float32, got {dtype!r}") from None


def _is_dtype(value):
    if value is None or isinstance(value, (Variable, backend.device)):
        return False
    if isinstance(value, str):
        return value.rsplit(".", 1)[-1] in _NAME_TYPES or value in np.sctypeDict
    try:
        np.dtype(value)
        return True
    except TypeError:
        return False


def _one_element(x, what):
    if x.data.size != 1:
        raise RuntimeError(f"{what}: only a tensor with one element can be converted to a "
                           f"Python number, got shape {tuple(x.shape)}")
    return x.data.item() if x.data.ndim == 0 else x.data.reshape(()).item()


class ConversionMethods:
    """Conversions of Variable (PyTorch's names)."""

    __slots__ = ()

    # ------------------------------------------------------------------ sizes
    def dim(self):
        """The number of dims (``ndim``)."""
        return self.data.ndim

    ndimension = dim

    def numel(self):
        """The number of elements."""
        return int(self.data.size)

    nelement = numel

    def element_size(self):
        """Bytes per element."""
        return self.data.itemsize

    def is_floating_point(self):
        return self.data.dtype.kind == "f"

    def is_contiguous(self):
        return bool(self.data.flags.c_contiguous)

    # ------------------------------------------------------------------ dtypes
    def type(self, dtype=None):
        """``type()``: PyTorch's type name (``"torch.FloatTensor"``); ``type(dtype)``: a
        converted tensor."""
        if dtype is None:
            return "torch." + _TYPE_NAMES.get(self.data.dtype.name, self.data.dtype.name)
        return ops.cast(self, resolve_dtype(dtype))

    def float(self):
        """float32 (differentiable; the same tensor when it already is)."""
        return ops.cast(self, np.float32)

    def double(self):
        return ops.cast(self, np.float64)

    def half(self):
        return ops.cast(self, np.float16)

    def long(self):
        return ops.cast(self, np.int64)

    def int(self):
        return ops.cast(self, np.int32)

    def short(self):
        return ops.cast(self, np.int16)

    def byte(self):
        return ops.cast(self, np.uint8)

    def bool(self):
        return ops.cast(self, np.bool_)

    def to(self, *args, **kwargs):
        """A tensor on another device and/or of another dtype: ``to("cuda")``,
        ``to(framework.float64)``, ``to(device, dtype)``, ``to(other_tensor)``,
        ``to(device=..., dtype=...)``. Returns self when nothing changes; otherwise a
        new tensor whose gradient flows back to this one.

        Raises:
            DeviceError: an unknown or unavailable device (the reason is named).
        """
        device, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        kwargs.pop("copy", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keywords {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Variable):
                device, dtype = arg.device, arg.dtype
            elif _is_dtype(arg):
                dtype = arg
            elif arg is not None:
                device = arg
        out = self
        if device is not None:
            out = ops.transfer(out, device)
        if dtype is not None:
            out = ops.cast(out, resolve_dtype(dtype))
        return out

    def cpu(self):
        """This tensor on the CPU (self when it already is)."""
        return ops.transfer(self, "cpu")

    def cuda(self, device=None):
        """This tensor on a GPU (``cuda()``, ``cuda(1)``, ``cuda("cuda:1")``).

        Raises:
            DeviceError: no GPU is usable, naming why (e.g. cupy is not installed).
        """
        if device is None:
            device = "cuda"
        elif isinstance(device, (builtins.int, np.integer)):
            device = f"cuda:{device}"
        return ops.transfer(self, device)

    def _move(self, device):
        """Move data and gradient to ``device`` in place (DeZero's to_cpu/to_gpu)."""
        if self.data is not None:
            self.data = backend.to_device(self.data, device)
        if self.grad is not None:
            self.grad._move(device)
        return self

    def to_cpu(self):
        """Move to the CPU in place (DeZero)."""
        return self._move("cpu")

    def to_gpu(self, device_id=0):
        """Move to GPU ``device_id`` in place (DeZero)."""
        return self._move(f"gpu:{device_id}")

    # ------------------------------------------------------------------ copies
    def clone(self):
        """A copy in new memory; the gradient flows back to this tensor."""
        return ops.copy(self)

    def contiguous(self):
        """Self when C-contiguous, else a contiguous copy (with gradient)."""
        return self if self.data.flags.c_contiguous else ops.copy(self)

    def new_tensor(self, data, dtype=None):
        xp = backend.get_array_module(self.data)
        return Variable(xp.array(data, dtype=dtype or self.dtype), requires_grad=False)

    def new_zeros(self, *size, dtype=None):
        from framework.core.shape_methods import shape_args
        xp = backend.get_array_module(self.data)
        return Variable(xp.zeros(shape_args(size), dtype=dtype or self.dtype),
                        requires_grad=False)

    def new_ones(self, *size, dtype=None):
        from framework.core.shape_methods import shape_args
        xp = backend.get_array_module(self.data)
        return Variable(xp.ones(shape_args(size), dtype=dtype or self.dtype),
                        requires_grad=False)

    def new_full(self, size, fill_value, dtype=None):
        xp = backend.get_array_module(self.data)
        return Variable(xp.full(tuple(size), fill_value, dtype=dtype or self.dtype),
                        requires_grad=False)

    def new_empty(self, *size, dtype=None):
        return self.new_zeros(*size, dtype=dtype)

    # ------------------------------------------------------------------ to Python / numpy
    def item(self):
        """The one element as a Python number.

        Raises:
            RuntimeError: more than one element.
        """
        return _one_element(self, "item()")

    def numpy(self, force=False):
        """The data as a numpy array (shares memory on the CPU, as PyTorch).

        Raises:
            TypeError: the data is on a GPU (``.cpu().numpy()`` copies it to the host).
        """
        if backend.is_cupy_array(self.data):
            if force:
                return backend.as_numpy(self.data)
            raise TypeError("can't convert a cuda tensor to numpy: copy it to the host first "
                            "with .cpu().numpy()")
        return self.data

    def tolist(self):
        return backend.as_numpy(self.data).tolist()

    def __float__(self):
        return builtins.float(_one_element(self, "float()"))

    def __int__(self):
        return builtins.int(_one_element(self, "int()"))

    def __index__(self):
        """An integer tensor of one element as a list index (``classes[pred.argmax()]``)."""
        if self.data.dtype.kind not in "iub" or self.data.size != 1:
            raise TypeError(f"only integer tensors of a single element can be converted to "
                            f"an index, got dtype {self.data.dtype} and shape "
                            f"{tuple(self.shape)}")
        return builtins.int(self.data.reshape(()).item())

    def __complex__(self):
        return complex(_one_element(self, "complex()"))

    def __bool__(self):
        if self.data is None:
            return True
        if self.data.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self.data.size} elements (shape "
                f"{tuple(self.shape)}) is ambiguous; use .any() or .all()")
        return builtins.bool(self.data.reshape(()).item())

    def __format__(self, spec):
        if spec and self.data is not None and self.data.size == 1:
            return format(_one_element(self, "format()"), spec)
        return format(str(self), spec)

    def __array__(self, dtype=None, copy=None):
        """``np.asarray(t)``: the data (the same memory on the CPU)."""
        if backend.is_cupy_array(self.data):
            raise TypeError("can't convert a cuda tensor to numpy implicitly: use "
                            ".cpu().numpy()")
        data = self.data
        if dtype is not None and data.dtype != dtype:
            return data.astype(dtype)
        return data.copy() if copy else data
