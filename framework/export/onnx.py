"""ONNX export: trace a model's graph on a sample batch, map each Function to ONNX ops.

The model runs once in eval mode with the graph recorded (the sample input requires a
gradient, so every Function on its path keeps its inputs).  Walking back from the
output gives the Functions in order; each becomes one or a few ONNX nodes through the
table :data:`CONVERTERS`, keyed by the Function's class name.  Parameters and buffers
become initializers under their ``state_dict`` names; other constants get generated
names.  The batch axis of the input and output is left free (``batch``), and reshapes
that keep the batch axis copy it from their input, so the file runs on any batch size.

A Function with no converter is an error naming it: nothing is exported that would
compute something else.
"""
from __future__ import annotations

import numpy as np

from framework import backend
from framework.core import Variable, using_config
from framework.errors import UserError

__all__ = ["export_onnx", "ExportError", "CONVERTERS", "DEFAULT_OPSET"]

#: The ONNX opset written by default (onnxruntime has run it since 1.12).
DEFAULT_OPSET = 17


class ExportError(UserError, ValueError):
    """The model cannot be written as ONNX (an op with no mapping, training mode, ...)."""


def _require_onnx():
    try:
        import onnx
    except ImportError as exc:
        raise ExportError("ONNX export needs the onnx package: pip install -e '.[onnx]'") \
            from exc
    return onnx


def _cpu(array):
    return np.asarray(backend.as_numpy(array)) if backend.is_cupy_array(array) \
        else np.asarray(array)


class _Graph:
    """The ONNX graph under construction: nodes, initializers and value names."""

    def __init__(self, onnx, params, batch):
        self.onnx = onnx
        self.helper = onnx.helper
        self.nodes, self.initializers = [], []
        self.names = {}          # id(Variable) -> value name
        self.param_names = params  # id(array) -> state_dict name
        self.batch = batch       # the traced batch size (reshapes keep it free)
        self._used = set()
        self._count = 0

    def fresh(self, stem):
        self._count += 1
        name = f"{stem}_{self._count}"
        while name in self._used:
            self._count += 1
            name = f"{stem}_{self._count}"
        self._used.add(name)
        return name

    def constant(self, array, stem="const"):
        """An initializer holding ``array``; its value name."""
        name = self.param_names.get(id(array))
        array = _cpu(array)
        if name is None or name in self._used:
            name = name if name and name not in self._used else self.fresh(stem)
        self._used.add(name)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def value(self, var):
        """The name of Variable ``var``'s value (an initializer the first time a leaf
        that is not the input is seen)."""
        name = self.names.get(id(var))
        if name is None:
            name = self.constant(var.data, "const")
            self.param_names.setdefault(id(var.data), name)
            self.names[id(var)] = name
        return name

    def node(self, op, inputs, outputs, **attrs):
        self.nodes.append(self.helper.make_node(op, list(inputs), list(outputs),
                                                name=self.fresh(op), **attrs))


def _pads(pad):
    ph, pw = pad
    return [int(ph), int(pw), int(ph), int(pw)]


def _ints(pair):
    return [int(v) for v in pair]


def _unary(op):
    def convert(g, f, ins, outs):
        g.node(op, ins, outs)
    return convert


def _linear(g, f, ins, outs):
    # Gemm: y = x @ W^T + b with PyTorch's (out, in) weight, x @ W with DeZero's.
    g.node("Gemm", ins, outs, transB=1 if f.weight_out_in else 0)


def _conv(g, f, ins, outs):
    W = f.inputs[1].data
    g.node("Conv", ins, outs, kernel_shape=list(W.shape[2:]), strides=_ints(f.stride),
           pads=_pads(f.pad))


def _deconv(g, f, ins, outs):
    W = f.inputs[1].data
    x = f.inputs[0].data
    (kh, kw), (sh, sw), (ph, pw) = W.shape[2:], f.stride, f.pad
    out = f.outputs[0]().shape[2:]
    # ONNX's output size is stride*(in-1) + kernel - 2*pad + output_padding.
    extra = [int(out[0] - (sh * (x.shape[2] - 1) + kh - 2 * ph)),
             int(out[1] - (sw * (x.shape[3] - 1) + kw - 2 * pw))]
    g.node("ConvTranspose", ins, outs, kernel_shape=[int(kh), int(kw)], strides=_ints(f.stride),
           pads=_pads(f.pad), output_padding=extra)


def _max_pool(g, f, ins, outs):
    g.node("MaxPool", ins, outs, kernel_shape=_ints(f.kernel_size), strides=_ints(f.stride),
           pads=_pads(f.pad))


def _avg_pool(g, f, ins, outs):
    g.node("AveragePool", ins, outs, kernel_shape=_ints(f.kernel_size),
           strides=_ints(f.stride), pads=_pads(f.pad), count_include_pad=1)


def _batch_norm(g, f, ins, outs):
    if f.train:
        raise ExportError("BatchNorm ran with batch statistics (training mode); export "
                          "traces in eval mode, so a BatchNorm without running statistics "
                          "(track_running_stats=False) cannot be exported")
    x = f.inputs[0].data
    dtype = x.dtype
    mean = g.constant(f.avg_mean.astype(dtype, copy=False), "running_mean")
    var = g.constant(f.avg_var.astype(dtype, copy=False), "running_var")
    g.node("BatchNormalization", [*ins, mean, var], outs, epsilon=float(f.eps))


def _reshape(g, f, ins, outs):
    x_shape = f.inputs[0].shape
    target = list(f.outputs[0]().shape)
    if g.batch is not None and x_shape and target:
        # The batch axis stays free: kept in place it is copied from the input (0);
        # merged into or split from the first axis, the first axis is inferred (-1).
        target[0] = 0 if target[0] == x_shape[0] else -1
    shape = g.constant(np.array(target, dtype=np.int64), "shape")
    g.node("Reshape", [ins[0], shape], outs)


def _transpose(g, f, ins, outs):
    ndim = f.inputs[0].ndim
    perm = list(reversed(range(ndim))) if f.axes is None else [a % ndim for a in f.axes]
    g.node("Transpose", ins, outs, perm=perm)


def _leaky_relu(g, f, ins, outs):
    g.node("LeakyRelu", ins, outs, alpha=float(f.slope))


def _softmax(op):
    def convert(g, f, ins, outs):
        g.node(op, ins, outs, axis=int(f.axis))
    return convert


def _pow(g, f, ins, outs):
    c = g.constant(np.array(f.c, dtype=f.inputs[0].dtype), "exponent")
    g.node("Pow", [ins[0], c], outs)


def _clip(g, f, ins, outs):
    dtype = f.inputs[0].dtype
    lo = g.constant(np.array(f.x_min, dtype=dtype), "min")
    hi = g.constant(np.array(f.x_max, dtype=dtype), "max")
    g.node("Clip", [ins[0], lo, hi], outs)


def _reduce(op):
    def convert(g, f, ins, outs):
        axis = f.axis
        axes = list(range(f.inputs[0].ndim)) if axis is None else \
            [int(a) for a in (axis if isinstance(axis, tuple) else (axis,))]
        if op == "ReduceSum":  # axes is an input from opset 13 on
            a = g.constant(np.array(axes, dtype=np.int64), "axes")
            g.node(op, [ins[0], a], outs, keepdims=int(bool(f.keepdims)))
        else:
            g.node(op, ins, outs, axes=axes, keepdims=int(bool(f.keepdims)))
    return convert


#: Function class name -> ``convert(graph, function, input_names, output_names)``.
CONVERTERS = {
    "Linear": _linear, "MatMul": _unary("MatMul"),
    "Conv2d": _conv, "Deconv2d": _deconv,
    "Pooling": _max_pool, "AveragePooling": _avg_pool,
    "BatchNorm": _batch_norm,
    "ReLU": _unary("Relu"), "Sigmoid": _unary("Sigmoid"), "Tanh": _unary("Tanh"),
    "LeakyReLU": _leaky_relu, "Softmax": _softmax("Softmax"),
    "LogSoftmax": _softmax("LogSoftmax"),
    "Exp": _unary("Exp"), "Log": _unary("Log"), "Neg": _unary("Neg"),
    "Sqrt": _unary("Sqrt"), "Abs": _unary("Abs"), "Sin": _unary("Sin"),
    "Cos": _unary("Cos"), "Pow": _pow, "Clip": _clip,
    "Add": _unary("Add"), "Sub": _unary("Sub"), "Mul": _unary("Mul"), "Div": _unary("Div"),
    "Reshape": _reshape, "View": _reshape, "Transpose": _transpose,
    "Dropout": _unary("Identity"),  # inverted dropout is the identity at inference
    "Sum": _reduce("ReduceSum"), "Mean": _reduce("ReduceMean"),
}


def _functions(output):
    """The Functions that made ``output``, inputs before users."""
    seen, order, stack = set(), [], [output.creator]
    while stack:
        f = stack.pop()
        if f is None or id(f) in seen:
            continue
        seen.add(id(f))
        order.append(f)
        stack.extend(x.creator for x in f.inputs)
    order.sort(key=lambda f: f.generation)
    return order


def _state_names(model):
    names = {}
    for name, p in model.named_parameters():
        names.setdefault(id(p.data), name)
    for name, b in model.named_buffers():
        if b is not None:
            names.setdefault(id(b.data if isinstance(b, Variable) else b), name)
    return names


def _trace(model, sample):
    x = Variable(np.array(_cpu(sample.data if isinstance(sample, Variable) else sample)),
                 requires_grad=True)
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with using_config("enable_backprop", True), using_config("train", False):
            y = model(x)
    finally:
        for m, flag in flags:
            m.training = flag
    if not isinstance(y, Variable):
        raise ExportError(f"the model returned {type(y).__name__}; export takes a model "
                          f"with one tensor input and one tensor output")
    if y.creator is None:
        raise ExportError("the model's output does not depend on its input through any "
                          "Function (nothing to export)")
    return x, y


def export_onnx(model, sample, path=None, *, opset=DEFAULT_OPSET, input_name="input",
                output_name="output", dynamic_batch=True):
    """Write ``model`` as an ONNX graph traced on ``sample``.

    Args:
        model: an ``nn.Module`` taking one tensor (e.g. ``(N, C, H, W)``) and returning one.
        sample: a sample batch (array or Variable) with the batch axis first.
        path: where to write the ``.onnx`` file; None only builds the model proto.
        opset: the ONNX opset version.
        input_name, output_name: the graph's input and output names.
        dynamic_batch: leave the batch axis free (``batch``) instead of the sample's.

    Returns:
        The ``onnx.ModelProto`` (checked with ``onnx.checker``).

    Raises:
        ExportError: a Function with no ONNX mapping (named), a model in a form that
            cannot be exported, or the onnx package is missing.
    """
    onnx = _require_onnx()
    x, y = _trace(model, sample)
    batch = x.shape[0] if x.ndim else None
    g = _Graph(onnx, _state_names(model), batch if dynamic_batch else None)
    g.names[id(x)] = input_name
    g._used.update((input_name, output_name))
    functions = _functions(y)
    if not any(id(v) == id(x) for f in functions for v in f.inputs):
        raise ExportError("the model's output does not depend on its input")
    for f in functions:
        kind = type(f).__name__
        convert = CONVERTERS.get(kind)
        if convert is None:
            known = ", ".join(sorted(CONVERTERS))
            raise ExportError(f"no ONNX mapping for Function {kind} "
                              f"({type(f).__module__}.{kind}, output shape "
                              f"{tuple(f.outputs[0]().shape) if f.outputs[0]() is not None else '?'}); "
                              f"mapped Functions: {known}")
        ins = [g.value(v) for v in f.inputs]
        outs = []
        for ref in f.outputs:
            out = ref()
            name = output_name if out is y else g.fresh(kind.lower())
            if out is not None:
                g.names[id(out)] = name
            outs.append(name)
        convert(g, f, ins, outs)
    elem = onnx.helper.np_dtype_to_tensor_dtype(x.dtype)
    lead = ["batch"] if dynamic_batch and x.ndim else []
    in_shape = lead + list(x.shape[len(lead):])
    out_shape = (lead + list(y.shape[1:])) if dynamic_batch and y.ndim else list(y.shape)
    graph = onnx.helper.make_graph(
        g.nodes, type(model).__name__,
        [onnx.helper.make_tensor_value_info(input_name, elem, in_shape)],
        [onnx.helper.make_tensor_value_info(output_name,
                                            onnx.helper.np_dtype_to_tensor_dtype(y.dtype),
                                            out_shape)],
        initializer=g.initializers)
    proto = onnx.helper.make_model(graph, producer_name="zeronn",
                                   opset_imports=[onnx.helper.make_opsetid("", int(opset))])
    onnx.checker.check_model(proto, full_check=True)
    if path is not None:
        onnx.save(proto, path)
    return proto
