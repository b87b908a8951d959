"""Chapters 45 and 58: MLP, VGG16 and ResNet architectures, pretrained weight files."""
import numpy as np
import pytest

import framework as dezero
import framework.functions as F
from framework.models import MLP, VGG16, ResNet50


def test_mlp_uses_its_activation_between_layers():
    np.random.seed(0)
    model = MLP((4, 3, 2), activation=F.relu)
    x = np.random.randn(5, 6).astype(np.float32)
    y = model(x)
    h = x
    for layer in model.layers[:-1]:
        h = np.maximum(h @ layer.W.data + layer.b.data, 0)
    last = model.layers[-1]
    np.testing.assert_allclose(y.data, h @ last.W.data + last.b.data, rtol=1e-5, atol=1e-6)
    assert [name for name, _ in model.named_parameters()] == [
        "l0.W", "l0.b", "l1.W", "l1.b", "l2.W", "l2.b"]
    assert isinstance(model, dezero.Model) and isinstance(model, dezero.Layer)


def _learnable(model):
    return sum(p.size for p in model.params() if p.requires_grad)


@pytest.mark.slow
def test_vgg16_output_shape_and_parameter_count():
    model = VGG16()
    x = np.random.randn(1, 3, 224, 224).astype(np.float32)
    with dezero.test_mode():
        y = model(x)
    assert y.shape == (1, 1000)
    assert _learnable(model) == 138_357_544  # VGG16's published count
    assert model.conv1_1.W.shape == (64, 3, 3, 3) and model.fc6.W.shape == (25088, 4096)


@pytest.mark.slow
def test_resnet50_structure_and_parameter_count():
    model = ResNet50()
    with dezero.test_mode():
        y = model(np.random.randn(1, 3, 64, 64).astype(np.float32))
    assert y.shape == (1, 1000)
    # torchvision's resnet50 has 25,557,032; DeZero's conv1 also has a bias (64 more).
    assert _learnable(model) == 25_557_032 + 64
    assert len(model.res4._forward) == 6 and model.res5.a.conv4.W.shape == (2048, 1024, 1, 1)


def test_pretrained_weights_missing_say_where_to_put_them(monkeypatch, tmp_path):
    from framework import utils
    monkeypatch.setenv("ZERONN_DATA", str(tmp_path))
    monkeypatch.setattr(utils.files, "cache_dir", str(tmp_path / "cache"))
    with pytest.raises(FileNotFoundError, match=r"vgg16\.npz.*put it"):
        VGG16(pretrained=True)
    with pytest.raises(ValueError, match="50, 101, or 152"):
        dezero.models.ResNet(34)


def test_pretrained_loads_a_dezero_npz_before_the_first_call(tmp_path):
    class Small(dezero.models.Model):
        def __init__(self):
            super().__init__()
            self.conv1_1 = dezero.layers.Conv2d(2, 3, pad=1)
            self.fc6 = dezero.layers.Linear(3)

        def forward(self, x):
            return self.fc6(F.reshape(self.conv1_1(x), (len(x), -1)))
    rng = np.random.default_rng(0)
    arrays = {"conv1_1/W": rng.normal(size=(2, 1, 3, 3)).astype(np.float32),
              "conv1_1/b": np.zeros(2, np.float32),
              "fc6/W": rng.normal(size=(32, 3)).astype(np.float32),
              "fc6/b": np.ones(3, np.float32)}
    np.savez_compressed(tmp_path / "small.npz", **arrays)
    model = Small()
    model.load_weights(str(tmp_path / "small.npz"))
    x = rng.normal(size=(1, 1, 4, 4)).astype(np.float32)
    conv = F.conv2d(x, arrays["conv1_1/W"], arrays["conv1_1/b"], 1, 1).data
    np.testing.assert_allclose(model(x).data, conv.reshape(1, -1) @ arrays["fc6/W"] + 1,
                               rtol=1e-5)
