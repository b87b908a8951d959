"""framework.nn.modules: PyTorch's torch.nn.modules.<file> paths name the same classes."""
import importlib

import numpy as np
import pytest

import framework as torch
import framework.nn as nn


@pytest.mark.parametrize("path, name", [
    ("linear", "Linear"), ("conv", "Conv2d"), ("conv", "_ConvNd"), ("batchnorm", "_BatchNorm"),
    ("batchnorm", "BatchNorm2d"), ("instancenorm", "InstanceNorm2d"),
    ("normalization", "LayerNorm"), ("loss", "_Loss"), ("loss", "CrossEntropyLoss"),
    ("activation", "ReLU"), ("activation", "MultiheadAttention"), ("container", "Sequential"),
    ("rnn", "LSTM"), ("rnn", "LSTMCell"), ("sparse", "Embedding"), ("dropout", "Dropout2d"),
    ("pooling", "MaxPool2d"), ("flatten", "Flatten"), ("padding", "ReflectionPad2d"),
    ("pixelshuffle", "PixelShuffle"), ("transformer", "TransformerEncoderLayer"),
    ("module", "Module"),
])
def test_pytorch_file_paths_hold_our_classes(path, name):
    module = importlib.import_module(f"framework.nn.modules.{path}")
    cls = getattr(module, name)
    assert getattr(nn.modules, path) is module
    if not name.startswith("_"):
        assert cls is getattr(nn, name) and getattr(nn.modules, name) is cls


def test_isinstance_checks_and_subclassing_through_the_paths():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.LSTM(2, 2))
    kinds = [type(m).__name__ for m in model.modules()
             if isinstance(m, (nn.modules.conv._ConvNd, nn.modules.batchnorm._BatchNorm,
                               nn.modules.rnn.RNNBase))]
    assert kinds == ["Conv2d", "BatchNorm2d", "LSTM"]

    class SquaredError(nn.modules.loss._Loss):
        def forward(self, input, target):
            return ((input - target) ** 2).mean() if self.reduction == "mean" else \
                ((input - target) ** 2).sum()

    loss = SquaredError(reduction="sum")(torch.tensor([1.0, 2.0]), torch.zeros(2))
    assert float(loss) == 5.0 and isinstance(nn.MSELoss(), nn.modules.loss._Loss)
    assert np.isclose(float(SquaredError()(torch.ones(3), torch.zeros(3))), 1.0)
