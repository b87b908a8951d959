"""Variable: an array with a gradient and a link to the function that made it."""
import numpy as np

from framework import backend
from framework.core.compare import ComparisonMethods
from framework.core.config import Config
from framework.core.conversion import ConversionMethods
from framework.core.inplace import InplaceMethods
from framework.core.parameter_array import as_parameter_array
from framework.core.reduction_methods import ReductionMethods
from framework.core.shape_methods import ShapeMethods
from framework.core.size import SizeInt

__all__ = ["Variable", "Parameter", "as_variable", "as_array", "tensor"]


def _reject_data(value):
    if isinstance(value, Variable):
        raise TypeError(
            "cannot assign a Variable to .data: .data holds the raw array; write "
            "p.data = v.data, or update the values in place with "
            "`with framework.no_grad(): p.copy_(v)`")
    raise TypeError(f".data must be a numpy or cupy ndarray, got {type(value).__name__}; "
                    f"wrap values with numpy.asarray(...)")


def _check_data(data):
    if isinstance(data, Variable):
        _reject_data(data)
    if data is None or isinstance(data, np.ndarray) or backend.is_cupy_array(data):
        return
    raise TypeError(
        f"Variable data must be a numpy or cupy ndarray or None, got {type(data).__name__}; "
        f"wrap scalars and lists with numpy.array(...) or use framework.tensor(...)")


class Variable(ShapeMethods, ReductionMethods, ConversionMethods, ComparisonMethods,
               InplaceMethods):
    """A node of the computational graph holding an ndarray (also ``framework.Tensor``).

    DeZero's attributes and operators live here; PyTorch's tensor methods come from the
    mixins (shape, reduction, conversion, comparison and in-place methods, all in
    ``framework/core``). Methods built on ``framework.functions`` (``softmax``,
    ``relu``, ``clamp``, ...) are attached by ``framework.tensor``, as DeZero's
    ``setup_variable`` attaches its operators.

    Args:
        data: a numpy or cupy ndarray, or None.
        name: an optional label (shown by ``plot_dot_graph``).
        requires_grad: whether backward computes a gradient for it. DeZero's default
            is True; set False for constants and inputs.

    Raises:
        TypeError: ``data`` is not an ndarray or None.
    """

    __slots__ = ("data", "name", "grad", "creator", "generation", "requires_grad",
                 "__weakref__", "__dict__")
    __array_priority__ = 200
    #: Bumped by every in-place change (see ``framework.core.function.tick``); a class
    #: default, so the hot path that creates outputs never sets it.
    _version = 0
    #: Set by ``retain_grad()``: backward keeps this non-leaf's gradient.
    _retains_grad = False

    def __init__(self, data, name=None, requires_grad=True):
        _check_data(data)
        self.data = data
        self.name = name
        self.grad = None
        self.creator = None
        self.generation = 0
        self.requires_grad = bool(requires_grad)

    # Comparisons are elementwise, yet a Variable is a graph node that sets and dicts
    # (the engine's and the user's) must find by identity.
    __hash__ = object.__hash__

    # ------------------------------------------------------------------ properties
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        """The number of elements (DeZero); callable as PyTorch's ``size()`` / ``size(dim)``."""
        data = self.data
        return SizeInt(data.size, data.shape)

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def grad_fn(self):
        """PyTorch's name for ``creator``."""
        return self.creator

    @property
    def is_leaf(self):
        """True for variables not made by a recorded function."""
        return self.creator is None

    @property
    def T(self):
        return ops.transpose(self)

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __repr__(self):
        if self.data is None:
            return "variable(None)"
        body = str(self.data).replace("\n", "\n" + " " * 9)
        return f"variable({body})"

    # ------------------------------------------------------------------ graph
    def set_creator(self, func):
        self.creator = func
        self.generation = func.generation + 1

    def unchain(self):
        """Cut the link to the function that made this variable (DeZero's name)."""
        self.creator = None

    def unchain_backward(self):
        """Cut every link of the graph behind this variable, so it can be freed while
        this variable lives on (truncated backpropagation through time)."""
        funcs = [self.creator] if self.creator is not None else []
        while funcs:
            f = funcs.pop()
            for x in f.inputs:
                if x.creator is not None:
                    funcs.append(x.creator)
                    x.unchain()

    def cleargrad(self):
        """Forget the gradient (DeZero's name; PyTorch's ``grad = None``)."""
        self.grad = None

    zero_grad = cleargrad

    def backward(self, retain_grad=False, create_graph=False, gradient=None):
        """Compute the gradients of this variable with respect to the graph's leaves.

        Args:
            retain_grad: keep the gradients of intermediate variables too.
            create_graph: record the backward pass itself, for higher-order derivatives.
            gradient: the upstream gradient (a Variable or array of this shape); ones
                when None.

        Raises:
            RuntimeError: the variable has no graph and needs no gradient, or a value
                backward needs was changed in place after it was used.
        """
        from framework.core import engine
        engine.run_backward(self, retain_grad=retain_grad, create_graph=create_graph,
                            gradient=gradient)
        if engine._post_backward_hooks:
            engine.run_post_backward_hooks()

    def retain_grad(self):
        """Keep this non-leaf's ``.grad`` after backward (PyTorch's ``retain_grad``)."""
        if self.creator is not None:
            from framework.core import engine
            engine.retaining = True
            self._retains_grad = True

    @property
    def retains_grad(self):
        return self._retains_grad

    def detach(self):
        """A new leaf sharing this variable's data, with no gradient and no graph."""
        return Variable(self.data, name=self.name, requires_grad=False)

    def detach_(self):
        """Make this variable a leaf that needs no gradient, in place."""
        self.creator = None
        self.generation = 0
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` in place and return self.

        Raises:
            RuntimeError: asked to take gradients of a non-floating-point tensor.
        """
        if requires_grad and self.data is not None and self.data.dtype.kind not in "fc":
            raise RuntimeError(
                f"only floating-point tensors can require gradients, got dtype "
                f"{self.data.dtype}; convert it first with .float()")
        self.requires_grad = bool(requires_grad)
        return self

    # ------------------------------------------------------------------ devices
    def to_cpu(self):
        return self.to("cpu")

    def to_gpu(self, device_id=0):
        return self.to(f"gpu:{device_id}")

    @property
    def device(self):
        """The :class:`framework.device` holding the data (``str`` gives "cpu" / "cuda:0")."""
        return backend.device_object(self.data)

    @property
    def is_cuda(self):
        return backend.is_cupy_array(self.data)

    @property
    def is_cpu(self):
        return not backend.is_cupy_array(self.data)

    # PyTorch's other device and layout flags: none of these exist here
    is_xpu = is_mps = is_meta = is_sparse = is_quantized = is_nested = property(
        lambda self: False)

    # ------------------------------------------------------------------ operators
    # The plain operators call the Function classes directly: one Python frame less on
    # the hottest path of every model.
    def __add__(self, other):
        return ops.Add()(self, other)

    def __radd__(self, other):
        return ops.Add()(self, other)

    def __sub__(self, other):
        return ops.Sub()(self, other)

    def __rsub__(self, other):
        return ops.rsub(self, other)

    def __mul__(self, other):
        return ops.Mul()(self, other)

    def __rmul__(self, other):
        return ops.Mul()(self, other)

    def __truediv__(self, other):
        return ops.Div()(self, other)

    def __rtruediv__(self, other):
        return ops.rdiv(self, other)

    def __neg__(self):
        return ops.Neg()(self)

    def __pos__(self):
        return self

    def __pow__(self, other):
        return ops.pow(self, other)

    def __rpow__(self, other):
        return ops.rpow(self, other)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(other, self)

    def __getitem__(self, index):
        return ops.get_item(self, index)

    def matmul(self, other):
        """``self @ other`` (numpy's matmul: batches, 1-D operands)."""
        return ops.matmul(self, other)


class Parameter(Variable):
    """A Variable that a Module registers as a learnable parameter (``nn.Parameter``).

    Args:
        data: an array, a Variable (its data is shared), a list or a number.
        requires_grad: whether it is trained.
    """

    __slots__ = ()

    def __init__(self, data=None, name=None, requires_grad=True):
        if isinstance(data, Variable):
            data = data.data
        elif data is not None and not (isinstance(data, np.ndarray)
                                       or backend.is_cupy_array(data)):
            data = as_array(data)
        super().__init__(data, name=name, requires_grad=requires_grad)

    def __setattr__(self, name, value):
        # Parameters are written rarely (a gradient per backward, an update per step), so
        # the check costs nothing measurable; plain Variables skip it on the hot path.
        if name == "data" and value is not None:
            if not (isinstance(value, np.ndarray) or backend.is_cupy_array(value)):
                _reject_data(value)
            # numpy's array with PyTorch's in-place methods (p.data.add_(...))
            value = as_parameter_array(value)
        elif name == "grad" and value is not None:
            # the same for its gradient's array: p.grad.data.zero_(), .clamp_(-1, 1)
            value.data = as_parameter_array(value.data)
        object.__setattr__(self, name, value)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


def as_array(x, like=None):
    """Turn scalars and lists into an array; arrays pass through.

    A Python scalar takes the dtype that ``like`` (an array) would give it under
    numpy's weak-scalar rule, so ``float32 * 2.0`` stays float32.
    """
    if isinstance(x, np.ndarray) or backend.is_cupy_array(x):
        return x
    if like is not None and isinstance(x, (int, float)):
        xp = np if type(like) is np.ndarray else backend.get_array_module(like)
        # numpy's weak-scalar rule: a Python int/float takes a floating array's dtype.
        if like.dtype.kind == "f":
            return xp.asarray(x, dtype=like.dtype)
        return xp.asarray(x, dtype=np.result_type(like.dtype, x))
    return np.asarray(x)


def as_variable(x, like=None):
    """Return ``x`` if it is a Variable, else wrap it as a constant (no gradient)."""
    if isinstance(x, Variable):
        return x
    v = Variable(None, requires_grad=False)
    v.data = as_array(x, like)
    return v


def tensor(data, dtype=None, requires_grad=False):
    """Make a Variable from a list, scalar or array (PyTorch's ``torch.tensor``).

    Floating-point Python data becomes float32 unless ``dtype`` says otherwise.
    """
    if isinstance(data, Variable):
        data = data.data
    if isinstance(data, np.ndarray) or backend.is_cupy_array(data):
        arr = data.astype(dtype) if dtype is not None else data.copy()
    else:
        arr = np.array(data, dtype=dtype)
        if dtype is None and arr.dtype == np.float64:
            arr = arr.astype(np.float32)
    return Variable(arr, requires_grad=requires_grad)


from framework.core import primitives as ops  # noqa: E402  (operators need the primitives)
from framework.core import compare as _compare  # noqa: E402
from framework.core import conversion as _conversion  # noqa: E402
from framework.core import inplace as _inplace  # noqa: E402
from framework.core import reduction_methods as _reduction  # noqa: E402
from framework.core import shape_methods as _shape  # noqa: E402

# The mixins are defined before the class they extend: their module globals ``ops`` and
# ``Variable`` are filled here, once both exist (an import inside each method would cost
# a dictionary lookup per call).
for _module in (_compare, _conversion, _inplace, _reduction, _shape):
    _module.ops = ops
    _module.Variable = Variable
del _module
