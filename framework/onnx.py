"""``torch.onnx.export`` on top of :func:`framework.export.export_onnx`::

    framework.onnx.export(model, torch.randn(1, 1, 28, 28), "model.onnx",
                          input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})

The exporter traces models of one input and one output; anything else (several inputs,
an RNN's ``(input, hidden)``) is an :class:`~framework.export.ExportError` that says so.
"""
from framework.export import DEFAULT_OPSET, ExportError, export_onnx

__all__ = ["export", "ExportError"]


def _one(names, what):
    if names is None:
        return what
    names = list(names)
    if len(names) != 1:
        raise ExportError(f"onnx.export: the exporter writes graphs of one input and one "
                          f"output, got {len(names)} {what} names {names!r}")
    return names[0]


def export(model, args, f, export_params=True, verbose=False, training=None,
           input_names=None, output_names=None, opset_version=None, dynamic_axes=None,
           do_constant_folding=True, **kwargs):
    """Export ``model`` traced on ``args`` (a tensor, or a tuple holding one) to ``f``.

    ``dynamic_axes`` may free the batch axis (axis 0) of the input and output; without
    it the graph keeps the sample's shapes, as PyTorch's export does.

    Raises:
        ExportError: several inputs or outputs, other dynamic axes, ``export_params=False``,
            or a Function without an ONNX mapping (named).
    """
    if isinstance(args, (tuple, list)):
        if len(args) != 1:
            raise ExportError(f"onnx.export: the exporter traces models of one input, got "
                              f"{len(args)} inputs (an RNN's (input, hidden) cannot be "
                              f"exported yet)")
        (args,) = args
    if not export_params:
        raise ExportError("onnx.export: export_params=False is not supported; the weights "
                          "are always written into the graph")
    input_name = _one(input_names, "input")
    output_name = _one(output_names, "output")
    dynamic = False
    for name, axes in (dynamic_axes or {}).items():
        if list(axes) != [0]:  # a {axis: name} dict or a list of axes
            raise ExportError(f"onnx.export: only the batch axis (0) can be dynamic, got "
                              f"{name!r}: {axes!r}")
        dynamic = True
    return export_onnx(model, args, f, opset=opset_version or DEFAULT_OPSET,
                       input_name=input_name, output_name=output_name,
                       dynamic_batch=dynamic)
