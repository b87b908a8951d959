"""PyTorch's tensor constructors, factories and dtypes, on zeronn's Variable.

``framework.Tensor`` *is* ``framework.Variable``: these functions only make Variables.
Every factory here defaults to ``requires_grad=False`` (``Variable(...)`` keeps DeZero's
True); floating-point results are float32 unless ``dtype=`` says otherwise. Random
factories draw from the framework's generator, which ``manual_seed`` seeds together
with numpy's global one (that DeZero-style code draws from).
"""
import builtins

import numpy as np

from framework import backend
from framework.core.conversion import resolve_dtype
from framework.core.shape_methods import shape_args
from framework.core.variable import Variable

__all__ = [
    "Tensor", "tensor", "as_tensor", "from_numpy", "is_tensor", "numel", "manual_seed",
    "Generator",
    "seed", "initial_seed", "get_default_dtype", "set_default_dtype",
    "zeros", "ones", "full", "empty", "eye", "arange", "linspace", "rand", "randn",
    "randint", "randperm", "normal", "zeros_like", "ones_like", "full_like", "rand_like",
    "randn_like", "randint_like", "empty_like",
    "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
    "ByteTensor", "CharTensor", "BoolTensor",
    "float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool",
    "float", "double", "half", "long", "int", "short", "complex64", "complex128",
    "cfloat", "cdouble", "bfloat16", "dtype", "finfo", "iinfo",
]

#: ``framework.Tensor``: the same class as ``framework.Variable``.
Tensor = Variable

# ---------------------------------------------------------------------- dtypes
# numpy's scalar types, so that ``x.dtype == framework.float32`` holds for numpy dtypes.
float32 = np.float32
float64 = np.float64
float16 = np.float16
int64 = np.int64
int32 = np.int32
int16 = np.int16
int8 = np.int8
uint8 = np.uint8
complex64 = np.complex64
complex128 = np.complex128
cfloat, cdouble = complex64, complex128
double = float64
half = float16
long = int64
short = int16
dtype = np.dtype
finfo = np.finfo
iinfo = np.iinfo


class _NoBfloat16:
    """numpy has no bfloat16: using it raises, naming float32 or float16."""

    def __repr__(self):
        return "framework.bfloat16 (unsupported)"

    @property
    def dtype(self):
        raise TypeError("bfloat16 is not supported by numpy; use framework.float32 or "
                        "framework.float16")


bfloat16 = _NoBfloat16()

_default_float = np.dtype(np.float32)


def get_default_dtype():
    """The dtype of floating-point factories and of ``tensor([1.0])`` (float32)."""
    return _default_float.type


def set_default_dtype(d):
    """Set the floating dtype of factories (``framework.float32`` or ``float64``).

    Raises:
        TypeError: not a floating dtype.
    """
    global _default_float
    d = resolve_dtype(d)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype expects a floating dtype, got {d}")
    _default_float = d


# ---------------------------------------------------------------------- random state
_rng = np.random.default_rng()
_seed = None


def manual_seed(seed):  # noqa: F811 - PyTorch's argument name
    """Seed the framework's generator and numpy's global one (used by DeZero-style code).

    Returns:
        the framework's numpy Generator.
    """
    global _rng, _seed
    seed = builtins.int(seed)
    _seed = seed
    _rng = np.random.default_rng(seed)
    np.random.seed(seed % 2 ** 32)
    return _rng


def seed():
    """Seed from fresh entropy; return the seed."""
    s = builtins.int(np.random.SeedSequence().entropy % 2 ** 63)
    manual_seed(s)
    return s


def initial_seed():
    return _seed


def generator():
    """The framework's numpy Generator (what the random factories draw from)."""
    return _rng


class Generator:
    """PyTorch's ``torch.Generator``: a random stream of its own for ``generator=``
    arguments (``torch.randn(3, generator=g)``, ``random_split(ds, [0.8, 0.2],
    generator=torch.Generator().manual_seed(42))``, ``DataLoader(..., generator=g)``).

    It draws with numpy's PCG64: the same seed gives the same numbers every run, but not
    PyTorch's numbers. Every numpy ``Generator`` method (``random``, ``integers``,
    ``permutation``, ...) is available on it.
    """

    def __init__(self, device="cpu"):
        self.device = device
        self.seed()

    def manual_seed(self, seed):
        """Restart the stream from ``seed``; returns the generator (for chaining)."""
        self._seed = builtins.int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self):
        """Restart from fresh entropy; returns the new seed."""
        self.manual_seed(builtins.int(np.random.SeedSequence().entropy % 2 ** 63))
        return self._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The stream's position (a dict of plain values), for :meth:`set_state`."""
        return dict(self._rng.bit_generator.state)

    def set_state(self, state):
        self._rng.bit_generator.state = state
        return self

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._rng, name)

    def __repr__(self):
        return f"<framework.Generator seed={self._seed}>"


# ---------------------------------------------------------------------- helpers
def _make(array, dtype, device, requires_grad):
    if dtype is not None:
        d = resolve_dtype(dtype)
        if array.dtype != d:
            array = array.astype(d)
    if device is not None:
        array = backend.to_device(array, device)
    v = Variable(array, requires_grad=False)
    if requires_grad:
        v.requires_grad_(True)
    return v


def _size(size, kw, what):
    kw_size = kw.pop("size", None)
    kw.pop("layout", None)
    kw.pop("pin_memory", None)
    if kw:
        raise TypeError(f"{what}() got unexpected keywords {sorted(kw)}")
    if kw_size is not None:
        if size:
            raise TypeError(f"{what}: give the sizes positionally or as size=, not both")
        size = (kw_size,)
    if not size:
        raise TypeError(f"{what}() needs sizes, e.g. {what}(2, 3) or {what}((2, 3))")
    return shape_args(size, what)


def _float(dtype):
    return _default_float if dtype is None else resolve_dtype(dtype)


# ---------------------------------------------------------------------- constructors
def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (a list, number, array or tensor).

    Python floats become float32 (the default dtype), ints int64, bools bool; an array
    keeps its dtype.

    Raises:
        RuntimeError: ``requires_grad`` for a non-floating dtype.
    """
    if isinstance(data, Variable):
        data = data.data
    if isinstance(data, np.ndarray) or backend.is_cupy_array(data):
        arr = data.copy()
    else:
        arr = np.array(data)
        if arr.dtype == object:
            raise TypeError(f"tensor(): could not make a numeric array from {data!r}")
        if arr.dtype == np.float64 and dtype is None:
            arr = arr.astype(_default_float)
    return _make(arr, dtype, device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """A tensor sharing memory with ``data`` when possible (an array or tensor of the
    right dtype and device); otherwise a new one."""
    if isinstance(data, Variable):
        if (dtype is None or data.dtype == resolve_dtype(dtype)) and (
                device is None or data.device == backend.device(str(device).replace("gpu", "cuda"))):
            return data
        return data.to(*(a for a in (device, dtype) if a is not None))
    if isinstance(data, np.ndarray) or backend.is_cupy_array(data):
        return _make(data, dtype, device, False)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray):
    """A tensor sharing memory with a numpy array (changes show through both).

    Raises:
        TypeError: not a numpy array.
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(ndarray).__name__}")
    return Variable(ndarray, requires_grad=False)


def is_tensor(obj):
    return isinstance(obj, Variable)


def numel(input):  # noqa: A002 - PyTorch's argument name
    return builtins.int(input.data.size)


class _TensorType:
    """``framework.FloatTensor`` and kin: ``FloatTensor([1, 2])`` (data),
    ``FloatTensor(2, 3)`` (sizes, zero-filled), and ``isinstance(x, FloatTensor)``."""

    def __init__(self, name, dtype):
        self.__name__ = name
        self.dtype = np.dtype(dtype)

    def __call__(self, *args, device=None):
        if len(args) == 1 and not isinstance(args[0], (builtins.int, np.integer)):
            return tensor(args[0], dtype=self.dtype, device=device)
        shape = shape_args(args, self.__name__) if args else (0,)
        return _make(np.zeros(shape, dtype=self.dtype), None, device, False)

    def __instancecheck__(self, obj):
        return isinstance(obj, Variable) and obj.dtype == self.dtype

    def __repr__(self):
        return f"<class 'framework.{self.__name__}'>"


FloatTensor = _TensorType("FloatTensor", np.float32)
DoubleTensor = _TensorType("DoubleTensor", np.float64)
HalfTensor = _TensorType("HalfTensor", np.float16)
LongTensor = _TensorType("LongTensor", np.int64)
IntTensor = _TensorType("IntTensor", np.int32)
ShortTensor = _TensorType("ShortTensor", np.int16)
ByteTensor = _TensorType("ByteTensor", np.uint8)
CharTensor = _TensorType("CharTensor", np.int8)
BoolTensor = _TensorType("BoolTensor", np.bool_)


# ---------------------------------------------------------------------- factories
def zeros(*size, out=None, dtype=None, device=None, requires_grad=False, **kw):
    """Zeros of the given sizes (``zeros(2, 3)``, ``zeros((2, 3))``, ``zeros(size=(2, 3))``)."""
    shape = _size(size, kw, "zeros")
    return _make(np.zeros(shape, _float(dtype)), None, device, requires_grad)


def ones(*size, out=None, dtype=None, device=None, requires_grad=False, **kw):
    shape = _size(size, kw, "ones")
    return _make(np.ones(shape, _float(dtype)), None, device, requires_grad)


def empty(*size, out=None, dtype=None, device=None, requires_grad=False, **kw):
    """Like ``zeros`` (numpy's uninitialised memory would make runs irreproducible)."""
    shape = _size(size, kw, "empty")
    return _make(np.zeros(shape, _float(dtype)), None, device, requires_grad)


def full(size, fill_value, *, out=None, dtype=None, device=None, requires_grad=False):
    """``fill_value`` everywhere; the dtype follows it (bool, int64, or float32)."""
    shape = shape_args((size,), "full")
    if dtype is None:
        if isinstance(fill_value, (builtins.bool, np.bool_)):
            dtype = np.bool_
        elif isinstance(fill_value, (builtins.int, np.integer)):
            dtype = np.int64
        else:
            dtype = _default_float
    return _make(np.full(shape, fill_value, dtype=resolve_dtype(dtype)), None, device,
                 requires_grad)


def eye(n, m=None, *, out=None, dtype=None, device=None, requires_grad=False):
    return _make(np.eye(n, m, dtype=_float(dtype)), None, device, requires_grad)


def arange(start, end=None, step=1, *, out=None, dtype=None, device=None,
           requires_grad=False):
    """``arange(5)``, ``arange(1, 4)``, ``arange(0, 1, 0.25)``; int64 when every bound is an
    int, else float32."""
    if end is None:
        start, end = 0, start
    ints = all(isinstance(v, (builtins.int, np.integer)) for v in (start, end, step))
    d = np.int64 if ints and dtype is None else _float(dtype) if dtype is None else dtype
    return _make(np.arange(start, end, step).astype(resolve_dtype(d)), None, device,
                 requires_grad)


def linspace(start, end, steps, *, out=None, dtype=None, device=None, requires_grad=False):
    return _make(np.linspace(start, end, steps).astype(_float(dtype)), None, device,
                 requires_grad)


def rand(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False,
         **kw):
    """Uniform samples in [0, 1)."""
    shape = _size(size, kw, "rand")
    rng = generator or _rng
    return _make(rng.random(shape).astype(_float(dtype)), None, device, requires_grad)


def randn(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False,
          **kw):
    """Standard normal samples."""
    shape = _size(size, kw, "randn")
    rng = generator or _rng
    return _make(rng.standard_normal(shape).astype(_float(dtype)), None, device,
                 requires_grad)


def randint(low, high=None, size=None, *, generator=None, out=None, dtype=None, device=None,
            requires_grad=False):
    """Integers in ``[low, high)`` (``randint(high, size)`` or ``randint(low, high, size)``),
    int64."""
    if high is None:
        low, high = 0, low
    elif size is None and not isinstance(high, (builtins.int, np.integer)):
        low, high, size = 0, low, high  # randint(high, size)
    if size is None:
        raise TypeError("randint() needs a size, e.g. randint(0, 10, (2, 3))")
    shape = shape_args((size,), "randint")
    rng = generator or _rng
    arr = rng.integers(low, high, size=shape, dtype=np.int64)
    return _make(arr, dtype, device, requires_grad)


def randperm(n, *, generator=None, out=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of ``0..n-1`` (int64)."""
    rng = generator or _rng
    return _make(rng.permutation(n).astype(np.int64), dtype, device, requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None,
           device=None, requires_grad=False):
    """Normal samples; ``mean``/``std`` numbers (give ``size``) or tensors (their shape)."""
    m = mean.data if isinstance(mean, Variable) else mean
    s = std.data if isinstance(std, Variable) else std
    shape = shape_args((size,), "normal") if size is not None else np.broadcast(
        np.asarray(m), np.asarray(s)).shape
    rng = generator or _rng
    d = dtype or (m.dtype if isinstance(m, np.ndarray) and m.dtype.kind == "f" else
                  _default_float)
    return _make(rng.normal(m, s, size=shape).astype(resolve_dtype(d)), None, device,
                 requires_grad)


def _like(input, dtype):  # noqa: A002
    return input.dtype if dtype is None else resolve_dtype(dtype)


def _like_device(input, device):  # noqa: A002
    return device if device is not None else (None if input.device.type == "cpu"
                                              else str(input.device))


def zeros_like(input, *, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return _make(np.zeros(input.shape, _like(input, dtype)), None,
                 _like_device(input, device), requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return _make(np.ones(input.shape, _like(input, dtype)), None,
                 _like_device(input, device), requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return _make(np.full(input.shape, fill_value, _like(input, dtype)), None,
                 _like_device(input, device), requires_grad)


def _float_like(input, dtype, what):  # noqa: A002
    d = _like(input, dtype)
    if d.kind != "f":
        raise TypeError(f"{what} needs a floating dtype, got {d}; pass dtype=framework.float32")
    return d


def rand_like(input, *, dtype=None, device=None, requires_grad=False):  # noqa: A002
    d = _float_like(input, dtype, "rand_like")
    return _make(_rng.random(input.shape).astype(d), None, _like_device(input, device),
                 requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False):  # noqa: A002
    d = _float_like(input, dtype, "randn_like")
    return _make(_rng.standard_normal(input.shape).astype(d), None,
                 _like_device(input, device), requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None):  # noqa: A002
    if high is None:
        low, high = 0, low
    return _make(_rng.integers(low, high, size=input.shape).astype(_like(input, dtype)),
                 None, _like_device(input, device), False)


# PyTorch's aliases that shadow builtins: defined last, so nothing above uses them.
float = np.float32  # noqa: A001
int = np.int32  # noqa: A001
bool = np.bool_  # noqa: A001
