"""ONNX export of the built-in models, checked by onnx.checker and against onnxruntime."""
import numpy as np
import pytest

import framework as fw
from framework import nn
from framework.export import ExportError, export_onnx
from plugins.models import MLP, ConvAutoencoder, LeNet

onnx = pytest.importorskip("onnx", reason="needs the onnx extra: pip install -e '.[onnx]'")
ort = pytest.importorskip("onnxruntime",
                          reason="needs the onnx extra: pip install -e '.[onnx]'")


def _run(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x})[0]


def _zeronn(model, x):
    model.eval()
    with fw.no_grad(), fw.test_mode():
        return model(fw.Variable(x)).data


def _trained_stats(model, shape, rng):
    """A few training-mode passes so BatchNorm's running statistics are not 0 and 1."""
    model.train()
    for _ in range(3):
        model(fw.Variable(rng.normal(1.0, 2.0, shape).astype(np.float32)))
    model.eval()


@pytest.mark.parametrize("make, traced, other", [
    (lambda: LeNet(), (4, 1, 28, 28), (7, 1, 28, 28)),
    (lambda: MLP(64, [256, 128], 10, batch_norm=True), (32, 1, 8, 8), (5, 1, 8, 8)),
    (lambda: ConvAutoencoder(1, 16, 32), (3, 1, 8, 8), (9, 1, 8, 8)),
], ids=["lenet", "digits_mlp_bn", "conv_autoencoder"])
def test_builtin_models_match_onnxruntime_on_another_batch_size(make, traced, other, tmp_path):
    rng = np.random.default_rng(0)
    np.random.seed(0)
    model = make()
    _trained_stats(model, traced, rng)
    path = tmp_path / "model.onnx"
    proto = export_onnx(model, rng.random(traced, dtype=np.float32), path)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    dim = proto.graph.input[0].type.tensor_type.shape.dim[0]
    assert dim.dim_param == "batch"                     # a free batch axis
    x = rng.random(other, dtype=np.float32)
    got, want = _run(path, x), _zeronn(model, x)
    assert got.shape == want.shape == (other[0],) + tuple(want.shape[1:])
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)


def test_op_mapping_of_lenet_and_names_of_initializers(tmp_path):
    proto = export_onnx(LeNet(), np.zeros((2, 1, 28, 28), np.float32))
    assert [n.op_type for n in proto.graph.node] == [
        "Conv", "MaxPool", "Relu", "Conv", "MaxPool", "Relu", "Reshape", "Gemm", "Relu", "Gemm"]
    names = {i.name for i in proto.graph.initializer}
    assert {"features.0.weight", "features.0.bias", "classifier.1.weight",
            "classifier.4.bias"} <= names
    # the flatten keeps the batch axis free: Reshape to (0, 320)
    shape = next(i for i in proto.graph.initializer if i.name.startswith("shape"))
    assert list(onnx.numpy_helper.to_array(shape)) == [0, 320]


def test_batch_norm_exports_eval_mode_with_running_statistics(tmp_path):
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.LeakyReLU(0.1),
                          nn.AvgPool2d(2), nn.Flatten(), nn.Linear(12, 4), nn.Tanh(),
                          nn.Dropout(0.5), nn.Linear(4, 3), nn.LogSoftmax(dim=1))
    rng = np.random.default_rng(1)
    _trained_stats(model, (6, 2, 4, 4), rng)
    model.train()  # export traces in eval mode whatever the mode now, and restores it
    path = tmp_path / "m.onnx"
    proto = export_onnx(model, rng.random((2, 2, 4, 4), dtype=np.float32), path)
    assert model.training
    ops = [n.op_type for n in proto.graph.node]
    assert "BatchNormalization" in ops and "Dropout" not in ops and "LeakyRelu" in ops
    x = rng.random((5, 2, 4, 4), dtype=np.float32)
    np.testing.assert_allclose(_run(path, x), _zeronn(model, x), atol=1e-5, rtol=0)


def test_a_function_with_no_mapping_is_an_error_naming_it():
    class Odd(nn.Module):
        def forward(self, x):
            return fw.functions.logsumexp(x, axis=1)

    with pytest.raises(ExportError, match="no ONNX mapping for Function LogSumExp"):
        export_onnx(Odd(), np.zeros((2, 3), np.float32))


def test_batch_statistics_cannot_be_exported():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4, track_running_stats=False))
    with pytest.raises(ExportError, match="track_running_stats"):
        export_onnx(model, np.zeros((2, 3), np.float32))


def test_a_model_that_ignores_its_input_is_an_error():
    class Const(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(np.ones(3, np.float32))

        def forward(self, x):
            return self.w * 2.0

    with pytest.raises(ExportError, match="does not depend on its input"):
        export_onnx(Const(), np.zeros((2, 3), np.float32))
