"""framework.onnx.export: PyTorch's call (torch.onnx.export) on the ONNX exporter."""
import numpy as np
import pytest

import framework as torch
import framework.onnx
from framework import nn
from framework.export import ExportError

onnx = pytest.importorskip("onnx", reason="needs the onnx extra: pip install -e '.[onnx]'")
ort = pytest.importorskip("onnxruntime",
                          reason="needs the onnx extra: pip install -e '.[onnx]'")


def _model():
    np.random.seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 3))
    model.eval()
    return model


def _run(path, name, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {name: x})[0]


def test_export_as_pytorch_scripts_call_it(tmp_path):
    model = _model()
    path = tmp_path / "model.onnx"
    torch.onnx.export(model, (torch.randn(2, 6),), str(path), input_names=["features"],
                      output_names=["logits"],
                      dynamic_axes={"features": {0: "batch"}, "logits": {0: "batch"}})
    proto = onnx.load(str(path))
    assert [i.name for i in proto.graph.input] == ["features"]
    assert [o.name for o in proto.graph.output] == ["logits"]
    x = np.random.default_rng(1).standard_normal((5, 6)).astype(np.float32)
    with torch.no_grad():
        want = model(torch.tensor(x)).data
    np.testing.assert_allclose(_run(path, "features", x), want, atol=1e-5, rtol=0)


def test_without_dynamic_axes_the_shapes_are_the_samples(tmp_path):
    path = tmp_path / "fixed.onnx"
    framework.onnx.export(_model(), torch.randn(4, 6), path)
    dim = onnx.load(str(path)).graph.input[0].type.tensor_type.shape.dim[0]
    assert dim.dim_value == 4


@pytest.mark.parametrize("call, message", [
    (lambda m, p: torch.onnx.export(m, (torch.randn(1, 6), torch.randn(1, 6)), p),
     "one input, got 2 inputs"),
    (lambda m, p: torch.onnx.export(m, torch.randn(1, 6), p, input_names=["a", "b"]),
     "got 2 input names"),
    (lambda m, p: torch.onnx.export(m, torch.randn(1, 6), p,
                                    dynamic_axes={"input": {1: "width"}}),
     "only the batch axis"),
    (lambda m, p: torch.onnx.export(m, torch.randn(1, 6), p, export_params=False),
     "export_params=False"),
])
def test_what_the_exporter_cannot_write_is_named(tmp_path, call, message):
    with pytest.raises(ExportError, match=message):
        call(_model(), tmp_path / "x.onnx")
    assert not (tmp_path / "x.onnx").exists()
