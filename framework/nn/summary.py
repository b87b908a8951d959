"""``nn.summary``: a model's layer tree, output shapes and sizes in torchinfo's layout.

One forward pass on a sample input, with a forward pre-hook and a forward hook on every
submodule: the pre-hook opens a row when a module is entered (so rows come in call
order, nested by how deep the call is) and the forward hook records the output shape.
Totals come from the model's own parameter and buffer lists, so a module called twice
is counted once.  The pass runs in eval mode without recording a graph: a summary never
changes BatchNorm's running statistics or the module's training flag.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from framework import backend
from framework.core import Variable, using_config

__all__ = ["summary", "ModelStatistics", "LayerInfo"]

_COLUMNS = {"input_size": "Input Shape", "output_size": "Output Shape",
            "num_params": "Param #", "mult_adds": "Mult-Adds", "trainable": "Trainable"}
_NAME_WIDTH, _COL_WIDTH = 40, 25


@dataclass
class LayerInfo:
    """One row of the summary: one call of one module.

    Attributes:
        name: the module's attribute path in the model (``features.0``; ``""`` for the
            model itself).
        class_name: the module's class name.
        depth: 0 for the model, 1 for its children, ...
        depth_index: 1-based position among the rows of the same depth (torchinfo's
            ``depth-idx``).
        input_size, output_size: shapes of the first input and output tensors.
        trainable_params, frozen_params: the module's parameters, its own and its
            submodules', split by ``requires_grad`` (counted once per module).
        buffers: elements of the module's own buffers and its submodules'.
        mult_adds: multiply-adds of this call (leaf modules only).
        is_leaf: the module has no submodules.
        recursive: this module was already listed (a shared or repeated module).
    """

    name: str
    class_name: str
    depth: int
    depth_index: int = 0
    input_size: list = field(default_factory=list)
    output_size: list = field(default_factory=list)
    trainable_params: int = 0
    frozen_params: int = 0
    buffers: int = 0
    mult_adds: int = 0
    is_leaf: bool = True
    recursive: bool = False
    output_bytes: int = 0

    @property
    def num_params(self):
        """Trainable plus frozen parameters of the module (and its submodules)."""
        return self.trainable_params + self.frozen_params


def _numel(shape):
    return int(math.prod(shape))


def _first_shape_and_bytes(obj):
    """(shape of the first tensor in ``obj``, bytes of all its tensors)."""
    arrays = []

    def walk(o):
        if isinstance(o, Variable):
            arrays.append(o.data)
        elif backend.is_cupy_array(o) or isinstance(o, np.ndarray):
            arrays.append(o)
        elif isinstance(o, (tuple, list)):
            for item in o:
                walk(item)
        elif isinstance(o, dict):
            for item in o.values():
                walk(item)

    walk(obj)
    if not arrays:
        return [], 0
    return list(arrays[0].shape), int(sum(a.nbytes for a in arrays))


def _mult_adds(module, input_size, output_size):
    """Multiply-adds of one call: each weight element meets every output position.

    Linear: ``(weight + bias) * rows``; Conv: ``(weight + bias) * N * H_out * W_out``;
    ConvTranspose: each weight element meets every *input* position; other layers with
    parameters (BatchNorm, Embedding): ``params * N`` (torchinfo's rule).
    """
    if not output_size:
        return 0
    name = type(module).__name__
    total = 0
    for pname, p in module.named_parameters(recurse=False):
        n = p.size
        if "ConvTranspose" in name and input_size:
            total += n * _numel(input_size[:1] + input_size[2:]) if pname != "bias" \
                else n * _numel(output_size[:1] + output_size[2:])
        elif "Conv" in name:
            total += n * _numel(output_size[:1] + output_size[2:])
        elif name in ("Linear", "Bilinear") or "Linear" in name:
            total += n * _numel(output_size[:-1])
        else:
            total += n * output_size[0]
    return int(total)


def _param_counts(module):
    trainable = frozen = 0
    for p in module.parameters():
        if p.requires_grad:
            trainable += p.size
        else:
            frozen += p.size
    return int(trainable), int(frozen)


def _as_inputs(input_size, input_data, dtypes, device):
    """The positional inputs of the sample forward pass."""
    if input_data is not None:
        if isinstance(input_data, (list, tuple)) and not isinstance(input_data, Variable) \
                and input_data and not np.isscalar(input_data[0]):
            return [x if isinstance(x, Variable) else Variable(np.asarray(x), requires_grad=False)
                    for x in input_data]
        x = input_data
        return [x if isinstance(x, Variable) else Variable(np.asarray(x), requires_grad=False)]
    if input_size is None:
        raise ValueError("summary: pass input_size (e.g. (1, 1, 28, 28), batch first) or "
                         "input_data (a sample batch)")
    sizes = list(input_size)
    if not sizes:
        raise ValueError(f"summary: input_size {input_size!r} is empty; expected a shape "
                         f"like (1, 1, 28, 28) or a list of shapes")
    if all(isinstance(s, (int, np.integer)) for s in sizes):
        sizes = [tuple(sizes)]
    out = []
    dtypes = list(dtypes) if dtypes is not None else [np.float32] * len(sizes)
    if len(dtypes) != len(sizes):
        raise ValueError(f"summary: {len(dtypes)} dtypes for {len(sizes)} input sizes")
    for shape, dtype in zip(sizes, dtypes):
        shape = tuple(shape)
        if not all(isinstance(d, (int, np.integer)) and d > 0 for d in shape):
            raise ValueError(f"summary: input size {shape!r} must hold positive ints "
                             f"(batch first, e.g. (1, 1, 28, 28))")
        out.append(Variable(np.random.default_rng(0).random(shape).astype(dtype),
                            requires_grad=False))
    if device is not None and backend.parse_device(device)[0] != "cpu":
        out = [x.to(device) for x in out]
    return out


def summary(model, input_size=None, input_data=None, depth=3, *, dtypes=None,
            device=None, col_names=("output_size", "num_params"), verbose=1):
    """Summarize ``model`` as torchinfo does: layer tree, shapes, parameter counts, sizes.

    Args:
        model: an ``nn.Module``.
        input_size: the shape of a sample input with its batch axis, e.g.
            ``(1, 1, 28, 28)``, or a list of shapes for several inputs; a random float32
            batch of that shape is used.
        input_data: a sample batch (array, Variable, or a list of them) instead.
        depth: show modules nested at most this deep (deeper ones still count).
        dtypes: dtypes of the inputs made from ``input_size`` (default float32).
        device: where to put those inputs (the model must already be there).
        col_names: columns after the layer name, from ``input_size``, ``output_size``,
            ``num_params``, ``mult_adds``, ``trainable``.
        verbose: 0 returns the statistics silently; 1 also prints them.

    Returns:
        A :class:`ModelStatistics`; ``str()`` of it is the printed table.

    Raises:
        TypeError: ``model`` is not an ``nn.Module``.
        ValueError: neither ``input_size`` nor ``input_data``, a bad shape, an unknown
            column, or a negative ``depth``.
    """
    from framework.nn.module import Module
    if not isinstance(model, Module):
        raise TypeError(f"summary: expected an nn.Module, got {type(model).__name__}")
    if not isinstance(depth, int) or depth < 0:
        raise ValueError(f"summary: depth must be an int >= 0, got {depth!r}")
    unknown = [c for c in col_names if c not in _COLUMNS]
    if unknown:
        raise ValueError(f"summary: unknown column(s) {unknown}; expected some of "
                         f"{list(_COLUMNS)}")
    inputs = _as_inputs(input_size, input_data, dtypes, device)
    rows = _trace(model, inputs)
    stats = ModelStatistics(model, rows, inputs, depth, tuple(col_names))
    if verbose:
        print(stats)
    return stats


def _trace(model, inputs):
    names = {}
    for name, module in model.named_modules():
        names.setdefault(id(module), name)
    rows, stack, seen, handles = [], [], set(), []
    counters = {}

    def pre_hook(module, args):
        depth = len(stack)
        counters[depth] = counters.get(depth, 0) + 1
        trainable, frozen = _param_counts(module)
        row = LayerInfo(name=names.get(id(module), "?"), class_name=type(module).__name__,
                        depth=depth, depth_index=counters[depth],
                        input_size=_first_shape_and_bytes(args)[0],
                        trainable_params=trainable, frozen_params=frozen,
                        buffers=int(sum(b.size for b in module.buffers())),
                        is_leaf=not any(True for _ in module.children()),
                        recursive=id(module) in seen)
        seen.add(id(module))
        rows.append(row)
        stack.append(row)

    def hook(module, args, output):
        row = stack.pop()
        row.output_size, row.output_bytes = _first_shape_and_bytes(output)
        if row.is_leaf:
            row.mult_adds = _mult_adds(module, row.input_size, row.output_size)

    for module in model.modules():
        handles.append(module.register_forward_pre_hook(pre_hook))
        handles.append(module.register_forward_hook(hook))
    was_training = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        with using_config("enable_backprop", False), using_config("train", False):
            model(*inputs)
    except (ValueError, TypeError) as exc:
        where = f" in {stack[-1].class_name} ({stack[-1].name or 'the model'})" if stack else ""
        raise type(exc)(f"summary: the sample forward pass failed{where}: {exc}") from exc
    finally:
        for handle in handles:
            handle.remove()
        for module, flag in was_training:
            module.training = flag
    return rows


def _fmt_count(n):
    return f"{n:,}"


def _fmt_mb(n_bytes):
    return f"{n_bytes / 1e6:.2f}"


class ModelStatistics:
    """What :func:`summary` found; ``str()`` renders torchinfo's table.

    Attributes:
        summary_list: the :class:`LayerInfo` rows in call order.
        total_params, trainable_params, non_trainable_params: parameter elements (each
            parameter once); non-trainable ones are frozen (``requires_grad=False``).
        total_buffers: buffer elements (running statistics, counters).
        total_mult_adds: multiply-adds of the sample pass.
        input_bytes, output_bytes, param_bytes, buffer_bytes: the sizes behind the MB
            lines (forward/backward pass size is twice ``output_bytes``).
    """

    def __init__(self, model, rows, inputs, depth, col_names):
        self.model_name = type(model).__name__
        self.summary_list = rows
        self.depth = depth
        self.col_names = col_names
        params = list(model.parameters())
        buffers = list(model.buffers())
        self.trainable_params = int(sum(p.size for p in params if p.requires_grad))
        self.non_trainable_params = int(sum(p.size for p in params if not p.requires_grad))
        self.total_params = self.trainable_params + self.non_trainable_params
        self.total_buffers = int(sum(b.size for b in buffers))
        self.param_bytes = int(sum(p.data.nbytes for p in params))
        self.buffer_bytes = int(sum(b.data.nbytes for b in buffers))
        self.total_mult_adds = int(sum(r.mult_adds for r in rows if not r.recursive))
        self.input_bytes = int(sum(x.data.nbytes for x in inputs))
        # Activations kept for backward: every leaf module's output (torchinfo's rule).
        self.output_bytes = int(sum(r.output_bytes for r in rows if r.is_leaf))

    @property
    def total_mb(self):
        """Input, forward/backward, parameter and buffer sizes together, in MB."""
        return (self.input_bytes + 2 * self.output_bytes + self.param_bytes
                + self.buffer_bytes) / 1e6

    def _cell(self, row, col, shown_children):
        if col == "input_size":
            return str(row.input_size) if row.input_size else "--"
        if col == "output_size":
            return str(row.output_size) if row.output_size else "--"
        if col == "mult_adds":
            total = row.mult_adds if shown_children or row.is_leaf else self._below(row)
            return _fmt_count(total) if total else "--"
        if col == "trainable":
            if row.num_params == 0:
                return "--"
            if row.frozen_params == 0:
                return "True"
            return "False" if row.trainable_params == 0 else "Partial"
        # num_params: a module whose submodules are listed shows only its own
        # parameters; one shown as a leaf (or cut off by depth) shows all of its own.
        if row.recursive:
            return "(recursive)"
        trainable, frozen = row.trainable_params, row.frozen_params
        if shown_children:
            trainable, frozen = self._own(row)
        if trainable + frozen == 0:
            return "--"
        if frozen == 0:
            return _fmt_count(trainable)
        if trainable == 0:
            return f"({_fmt_count(frozen)})"  # frozen parameters in parentheses
        return f"{_fmt_count(trainable)} + ({_fmt_count(frozen)})"

    def _own(self, row):
        index = self.summary_list.index(row)
        child_t = child_f = 0
        for other in self.summary_list[index + 1:]:
            if other.depth <= row.depth:
                break
            if other.depth == row.depth + 1 and not other.recursive:
                child_t += other.trainable_params
                child_f += other.frozen_params
        return row.trainable_params - child_t, row.frozen_params - child_f

    def _below(self, row):
        """Multiply-adds of the calls made inside ``row``'s call (a row cut by depth)."""
        index = self.summary_list.index(row)
        total = 0
        for other in self.summary_list[index + 1:]:
            if other.depth <= row.depth:
                break
            if not other.recursive:
                total += other.mult_adds
        return total

    def _tree_prefix(self, row):
        if row.depth == 0:
            return ""
        return "│    " * (row.depth - 1) + "├─" if row.depth == 1 else \
            "│    " * (row.depth - 1) + "└─"

    def __str__(self):
        width = _NAME_WIDTH + _COL_WIDTH * len(self.col_names)
        rule = "=" * width
        header = f"{'Layer (type:depth-idx)':<{_NAME_WIDTH}}" + "".join(
            f"{_COLUMNS[c]:<{_COL_WIDTH - 1}} " for c in self.col_names)
        lines = [rule, header.rstrip(), rule]
        rows = self.summary_list
        for i, row in enumerate(rows):
            if row.depth > self.depth:
                continue
            shown_children = (row.depth < self.depth and i + 1 < len(rows)
                              and rows[i + 1].depth > row.depth)
            label = (row.class_name if row.depth == 0 else
                     f"{self._tree_prefix(row)}{row.class_name}: {row.depth}-{row.depth_index}")
            if len(label) >= _NAME_WIDTH:
                label = label[:_NAME_WIDTH - 2] + "~"
            cells = "".join(f"{self._cell(row, c, shown_children):<{_COL_WIDTH - 1}} "
                            for c in self.col_names)
            lines.append((f"{label:<{_NAME_WIDTH}}" + cells).rstrip())
        mult = self.total_mult_adds
        unit, scale = (("G", 1e9) if mult >= 1e9 else ("M", 1e6))
        lines += [
            rule,
            f"Total params: {_fmt_count(self.total_params)}",
            f"Trainable params: {_fmt_count(self.trainable_params)}",
            f"Non-trainable params: {_fmt_count(self.non_trainable_params)} (frozen)",
            f"Buffers: {_fmt_count(self.total_buffers)}",
            f"Total mult-adds ({unit}): {mult / scale:.2f}",
            rule,
            f"Input size (MB): {_fmt_mb(self.input_bytes)}",
            f"Forward/backward pass size (MB): {_fmt_mb(2 * self.output_bytes)}",
            f"Params size (MB): {_fmt_mb(self.param_bytes)}",
            f"Buffers size (MB): {_fmt_mb(self.buffer_bytes)}",
            f"Estimated Total Size (MB): {self.total_mb:.2f}",
            rule,
        ]
        return "\n".join(lines)

    def __repr__(self):
        return str(self)
