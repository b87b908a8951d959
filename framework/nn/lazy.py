"""Layers whose sizes are known at the first call: one mechanism for PyTorch and DeZero.

A lazy module creates its Parameter objects at construction with no data (``p.data is
None``, PyTorch's ``UninitializedParameter``) and registers a forward pre-hook that,
at the first call, reads the sizes from the input, gives the parameters their data and
removes itself.  Because the Parameter objects exist from the start, an optimizer built
before the first call holds the very objects that get trained (it skips them until they
have data and a gradient).  PyTorch's ``nn.LazyLinear`` / ``LazyConv2d`` /
``LazyBatchNorm1d/2d`` then turn into ``Linear`` / ``Conv2d`` / ``BatchNorm*``
(``cls_to_become``, as PyTorch); DeZero's ``L.Linear(out_size)`` and friends use the
same hook and stay what they are.

Saving a module whose parameters have no data yet raises (run one forward pass first);
loading weights into it gives the parameters the saved arrays.
"""
import numpy as np

from framework.nn._utils import resolve_dtype
from framework.nn.conv import Conv2d
from framework.nn.linear import Linear
from framework.nn.module import Module
from framework.nn.normalization import BatchNorm1d, BatchNorm2d
from framework.nn.parameter import Parameter
from framework.nn.traversal import ModuleTraversal

__all__ = ["LazyModuleMixin", "LazyLinear", "LazyConv2d", "LazyBatchNorm1d",
           "LazyBatchNorm2d", "is_lazy", "uninitialized_parameters"]


def _infer_parameters(module, args):
    """The forward pre-hook: initialize from the first input, then step aside."""
    if not args:
        raise TypeError(f"{type(module).__name__} (a lazy layer) needs an input at its first "
                        f"call to know its input size")
    module.initialize_parameters(*args)
    missing = [name for name, p in module._parameters.items() if p is not None and p.data is None]
    if missing:
        raise RuntimeError(f"{type(module).__name__}.initialize_parameters left {missing} "
                           f"without data")
    handle = module.__dict__.pop("_lazy_hook", None)
    if handle is not None:
        handle.remove()
    if module.cls_to_become is not None:
        module.__class__ = module.cls_to_become


def _shape(x):
    shape = getattr(x, "shape", None)
    if shape is None:
        raise TypeError(f"a lazy layer infers its size from an array or Variable, got "
                        f"{type(x).__name__}")
    return tuple(shape)


def uninitialized_parameters(module):
    """The dotted names of ``module``'s parameters that have no data yet (lazy layers)."""
    return [name for name, p in module.named_parameters() if p.data is None]


def is_lazy(module):
    """True while ``module`` waits for its first call to size its parameters."""
    return "_lazy_hook" in module.__dict__


class LazyModuleMixin(ModuleTraversal):  # Module's own base: `__class__` can then change
    """Give a Module "sizes known at the first call".

    Subclasses create their Parameters as ``Parameter(None)``, call
    :meth:`_register_lazy` at the end of ``__init__`` and implement
    :meth:`initialize_parameters` (called once, with the first call's arguments; it
    must give every data-less parameter its data, drawing random numbers exactly when
    the eager layer would).  ``cls_to_become`` is the class the module turns into
    after that (None: it stays what it is).
    """

    cls_to_become = None

    def _register_lazy(self):
        self.__dict__["_lazy_hook"] = self.register_forward_pre_hook(_infer_parameters)

    def has_uninitialized_params(self):
        """True while some own parameter has no data."""
        return any(p is not None and p.data is None for p in self._parameters.values())

    def initialize_parameters(self, *args):
        """Size and initialize the parameters from the first call's arguments."""
        raise NotImplementedError(f"{type(self).__name__} must implement initialize_parameters")


def _empty_param():
    return Parameter(None)


def _build_unsized(module, eager_init, *args, **kwargs):
    """Run the eager layer's ``__init__`` at a placeholder size (so every option is
    checked and set as the eager layer does), without consuming numpy's global
    generator: the draws happen at the first call, as PyTorch's lazy layers do."""
    state = np.random.get_state()
    try:
        eager_init(module, *args, **kwargs)
    finally:
        np.random.set_state(state)
    module.weight = _empty_param()
    if module.bias is not None:
        module.bias = _empty_param()


class LazyLinear(LazyModuleMixin, Linear):
    """``nn.Linear`` whose ``in_features`` is the last axis of the first input.

    Args:
        out_features: size of each output's last axis.
        bias: whether to learn an additive bias.
        dtype: floating dtype of the parameters (float32 by default).

    After the first call it is an ordinary :class:`Linear` (PyTorch's initialization,
    drawn at that call).
    """

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, **kwargs):
        _build_unsized(self, Linear.__init__, 1, out_features, bias, **kwargs)
        self._dtype = np.dtype(resolve_dtype(kwargs.get("dtype"), "LazyLinear"))
        self.in_features = 0
        self._register_lazy()

    def initialize_parameters(self, x, *args):
        if not self.has_uninitialized_params():
            self.in_features = self.weight.shape[1]
            return
        self.in_features = _shape(x)[-1]
        self.weight.data = np.empty((self.out_features, self.in_features), dtype=self._dtype)
        if self.bias is not None:
            self.bias.data = np.empty((self.out_features,), dtype=self._dtype)
        self.reset_parameters()


class LazyConv2d(LazyModuleMixin, Conv2d):
    """``nn.Conv2d`` whose ``in_channels`` is axis 1 of the first input.

    Args:
        out_channels, kernel_size, and the keyword options of :class:`Conv2d`
        (stride, padding, dilation, groups, bias, dtype, ...).
    """

    cls_to_become = Conv2d

    def __init__(self, out_channels, kernel_size, *args, **kwargs):
        groups = kwargs.get("groups", args[3] if len(args) > 3 else 1)
        _build_unsized(self, Conv2d.__init__, groups, out_channels, kernel_size, *args,
                       **kwargs)
        self._dtype = np.dtype(resolve_dtype(kwargs.get("dtype"), "LazyConv2d"))
        self.in_channels = 0
        self._register_lazy()

    def initialize_parameters(self, x, *args):
        if not self.has_uninitialized_params():
            self.in_channels = self.weight.shape[1] * self.groups
            return
        shape = _shape(x)
        if len(shape) != 4:
            raise ValueError(f"LazyConv2d expects a 4-D (N, C, H, W) input, got shape {shape}")
        if shape[1] % self.groups:
            raise ValueError(f"LazyConv2d: input channels {shape[1]} must be divisible by "
                             f"groups={self.groups}")
        self.in_channels = shape[1]
        self.weight.data = np.empty((self.out_channels, shape[1] // self.groups)
                                    + self.kernel_size, dtype=self._dtype)
        if self.bias is not None:
            self.bias.data = np.empty((self.out_channels,), dtype=self._dtype)
        self.reset_parameters()


class _LazyBatchNorm(LazyModuleMixin):
    """Shared part of LazyBatchNorm1d/2d: everything sized by axis 1 of the first input."""

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None):
        # Build the eager layer with one feature, then drop the sized state.
        type(self).cls_to_become.__init__(self, 1, eps, momentum, affine,
                                          track_running_stats, dtype=dtype)
        if device is not None and str(device) != "cpu":
            raise ValueError(f"{type(self).__name__}: device={device!r} is not supported "
                             f"before the first forward; call .to(device) after it")
        self._dtype = self.weight.dtype if affine else np.dtype(np.float32)
        self.num_features = 0
        if affine:
            self.weight = _empty_param()
            self.bias = _empty_param()
        if track_running_stats:
            self.running_mean = None
            self.running_var = None
        self._register_lazy()

    def has_uninitialized_params(self):
        return (super().has_uninitialized_params()
                or (self.track_running_stats and self.running_mean is None))

    def initialize_parameters(self, x, *args):
        shape = _shape(x)
        if len(shape) < 2:
            raise ValueError(f"{type(self).__name__} expects an (N, C, ...) input, got shape "
                             f"{shape}")
        n = shape[1] if not self.affine or self.weight.data is None else self.weight.shape[0]
        self.num_features = n
        if self.affine and self.weight.data is None:
            self.weight.data = np.ones(n, dtype=self._dtype)
            self.bias.data = np.zeros(n, dtype=self._dtype)
        if self.track_running_stats and self.running_mean is None:
            self.running_mean = np.zeros(n, dtype=self._dtype)
            self.running_var = np.ones(n, dtype=self._dtype)


class LazyBatchNorm1d(_LazyBatchNorm, BatchNorm1d):
    """``nn.BatchNorm1d`` whose ``num_features`` is axis 1 of the first input."""

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyBatchNorm, BatchNorm2d):
    """``nn.BatchNorm2d`` whose ``num_features`` is axis 1 of the first input."""

    cls_to_become = BatchNorm2d
