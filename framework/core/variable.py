"""Variable: an array with a gradient and a link to the function that made it."""
import numpy as np

from framework import backend
from framework.core.config import Config

__all__ = ["Variable", "Parameter", "as_variable", "as_array", "tensor"]


def _check_data(data):
    if data is None or isinstance(data, np.ndarray) or backend.is_cupy_array(data):
        return
    raise TypeError(
        f"Variable data must be a numpy or cupy ndarray or None, got {type(data).__name__}; "
        f"wrap scalars and lists with numpy.array(...) or use framework.tensor(...)")


class Variable:
    """A node of the computational graph holding an ndarray.

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

    def __init__(self, data, name=None, requires_grad=True):
        _check_data(data)
        self.data = data
        self.name = name
        self.grad = None
        self.creator = None
        self.generation = 0
        self.requires_grad = bool(requires_grad)

    # ------------------------------------------------------------------ properties
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

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
        """
        from framework.core import engine
        engine.run_backward(self, retain_grad=retain_grad, create_graph=create_graph,
                            gradient=gradient)
        if engine._post_backward_hooks:
            engine.run_post_backward_hooks()

    def detach(self):
        """A new leaf sharing this variable's data, with no gradient and no graph."""
        return Variable(self.data, name=self.name, requires_grad=False)

    def requires_grad_(self, flag=True):
        self.requires_grad = bool(flag)
        return self

    # ------------------------------------------------------------------ shape ops
    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return ops.reshape(self, shape)

    def view(self, *shape):
        """Like ``reshape`` but always shares memory; raises when that is impossible."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return ops.view(self, shape)

    def transpose(self, *axes):
        if len(axes) == 0:
            axes = None
        elif len(axes) == 1 and isinstance(axes[0], (tuple, list)) or axes == (None,):
            axes = axes[0]
        return ops.transpose(self, axes)

    def sum(self, axis=None, keepdims=False):
        return ops.sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        return ops.mean(self, axis, keepdims)

    def max(self, axis=None, keepdims=False):
        return ops.max(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        return ops.min(self, axis, keepdims)

    def matmul(self, other):
        """``self @ other`` (DeZero's method; ``dot`` is the same)."""
        return ops.matmul(self, other)

    dot = matmul

    def argmax(self, axis=None):
        """Indices of the maxima (an array; no gradient)."""
        return backend.get_array_module(self.data).argmax(self.data, axis=axis)

    # ------------------------------------------------------------------ data access
    def item(self):
        return self.data.item()

    def numpy(self):
        """The data as a numpy array (copied to the host from a GPU)."""
        return backend.as_numpy(self.data)

    def tolist(self):
        return backend.as_numpy(self.data).tolist()

    def to(self, device):
        """Move data (and gradient) to ``device`` in place; returns self."""
        if self.data is not None:
            self.data = backend.to_device(self.data, device)
        if self.grad is not None:
            self.grad.to(device)
        return self

    def to_cpu(self):
        return self.to("cpu")

    def to_gpu(self, device_id=0):
        return self.to(f"gpu:{device_id}")

    @property
    def device(self):
        return backend.device_of(self.data)

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


class Parameter(Variable):
    """A Variable that a Module registers as a learnable parameter (``nn.Parameter``)."""

    __slots__ = ()

    def __init__(self, data, name=None, requires_grad=True):
        if data is not None and not (isinstance(data, np.ndarray) or backend.is_cupy_array(data)):
            data = as_array(data)
        super().__init__(data, name=name, requires_grad=requires_grad)

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
