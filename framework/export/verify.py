"""Checking an exported ONNX file against the model it came from."""
from __future__ import annotations

import numpy as np

from framework.core import Variable, no_grad, using_config

__all__ = ["compare_onnxruntime"]


def compare_onnxruntime(model, path, batch, *, input_name="input"):
    """Run ``batch`` through zeronn (eval mode) and through onnxruntime on ``path``.

    Args:
        model: the model the file was exported from.
        path: the ``.onnx`` file.
        batch: an input batch (numpy array), batch first.
        input_name: the graph's input name.

    Returns:
        The largest absolute difference of the two outputs, or None when onnxruntime
        is not installed.

    Raises:
        ValueError: the outputs' shapes differ (naming both).
    """
    try:
        import onnxruntime
    except ImportError:
        return None
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = session.run(None, {input_name: np.ascontiguousarray(batch)})[0]
    flags = [(m, m.training) for m in model.modules()]
    model.eval()
    try:
        with no_grad(), using_config("train", False):
            want = model(Variable(batch, requires_grad=False)).data
    finally:
        for m, flag in flags:
            m.training = flag
    want = np.asarray(want)
    if got.shape != want.shape:
        raise ValueError(f"onnxruntime's output has shape {got.shape}, zeronn's {want.shape}")
    return float(np.max(np.abs(got.astype(np.float64) - want))) if want.size else 0.0
