"""DeZero's models (``from framework import models``): Model, Sequential, MLP, VGG16,
ResNet50/101/152, built from :mod:`framework.layers`.

Pretrained weights are DeZero's ``.npz`` files (``vgg16.npz``, ``resnet50.npz``, ...),
read from a local folder: ``$ZERONN_DATA``, ``~/.dezero`` (DeZero's cache) or a path you
pass; when the file is absent the error says where to put it.  Nothing is downloaded.
"""
import os

import numpy as np

import framework.functions as F
import framework.layers as L
from framework.layers import Layer
from framework.utils import plot_dot_graph
from framework.utils.files import find_file

__all__ = ["Model", "Sequential", "MLP", "VGG16", "ResNet", "ResNet50", "ResNet101",
           "ResNet152"]

_WEIGHTS_URL = "https://github.com/koki0702/dezero-models/releases/download/v0.1/{}"


class Model(Layer):
    """DeZero's Model: a Layer with ``plot(*inputs, to_file)``."""

    def plot(self, *inputs, to_file="model.png"):
        """Run forward on ``inputs`` and write its graph (DOT; rendered with graphviz).

        Returns:
            The path written (see :func:`framework.utils.plot_dot_graph`).
        """
        y = self.forward(*inputs)
        return plot_dot_graph(y, verbose=True, to_file=to_file)


class Sequential(Model):
    """Apply ``layers`` in order; layer ``i`` is the attribute ``l{i}`` (DeZero's names)."""

    def __init__(self, *layers):
        super().__init__()
        self.layers = []
        for i, layer in enumerate(layers):
            if not callable(layer):
                raise TypeError(f"Sequential takes layers or functions, got "
                                f"{type(layer).__name__} at position {i}")
            setattr(self, "l" + str(i), layer)
            self.layers.append(layer)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class MLP(Model):
    """Fully connected layers of ``fc_output_sizes`` with ``activation`` between them.

    Args:
        fc_output_sizes: the output size of each Linear layer, e.g. ``(10, 1)``.
        activation: the function between layers (``F.sigmoid``, DeZero's default).
    """

    def __init__(self, fc_output_sizes, activation=F.sigmoid):
        super().__init__()
        sizes = tuple(fc_output_sizes)
        if not sizes:
            raise ValueError("MLP needs at least one output size, got ()")
        self.activation = activation
        self.layers = []
        for i, out_size in enumerate(sizes):
            layer = L.Linear(out_size)
            setattr(self, "l" + str(i), layer)
            self.layers.append(layer)

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = self.activation(layer(x))
        return self.layers[-1](x)


def _load_pretrained(model, file_name, weights_path):
    path = weights_path or find_file(file_name, what="pretrained weights",
                                     url=_WEIGHTS_URL.format(file_name))
    model.load_weights(os.fspath(path))


class VGG16(Model):
    """VGG16 (13 convolutions, 3 fully connected layers), DeZero's layer names.

    Args:
        pretrained: load DeZero's ``vgg16.npz`` (ImageNet weights) from a local folder.
        weights_path: the weights file, instead of looking in the data folders.

    Input: ``(N, 3, 224, 224)`` in BGR order minus the ImageNet mean
    (:meth:`preprocess`); output: ``(N, 1000)`` scores.
    """

    WEIGHTS_PATH = _WEIGHTS_URL.format("vgg16.npz")

    def __init__(self, pretrained=False, weights_path=None):
        super().__init__()
        for block, (channels, n) in enumerate(((64, 2), (128, 2), (256, 3), (512, 3),
                                               (512, 3)), start=1):
            for i in range(1, n + 1):
                setattr(self, f"conv{block}_{i}", L.Conv2d(channels, kernel_size=3, stride=1,
                                                           pad=1))
        self.fc6 = L.Linear(4096)
        self.fc7 = L.Linear(4096)
        self.fc8 = L.Linear(1000)
        if pretrained:
            _load_pretrained(self, "vgg16.npz", weights_path)

    def forward(self, x):
        for block, n in enumerate((2, 2, 3, 3, 3), start=1):
            for i in range(1, n + 1):
                x = F.relu(getattr(self, f"conv{block}_{i}")(x))
            x = F.pooling(x, 2, 2)
        x = F.reshape(x, (x.shape[0], -1))
        x = F.dropout(F.relu(self.fc6(x)))
        x = F.dropout(F.relu(self.fc7(x)))
        return self.fc8(x)

    @staticmethod
    def preprocess(image, size=(224, 224), dtype=np.float32):
        """A PIL image -> a ``(3, H, W)`` BGR array minus the ImageNet mean."""
        image = image.convert("RGB")
        if size:
            image = image.resize(size)
        image = np.asarray(image, dtype=dtype)
        image = image[:, :, ::-1]
        image = image - np.array([103.939, 116.779, 123.68], dtype=dtype)
        return image.transpose((2, 0, 1))


class ResNet(Model):
    """ResNet-50/101/152 (MSRA bottlenecks: the stride on the first 1x1 convolution).

    Args:
        n_layers: 50, 101 or 152.
        pretrained: load DeZero's ``resnet{n_layers}.npz`` from a local folder.
        weights_path: the weights file, instead of looking in the data folders.
    """

    WEIGHTS_PATH = _WEIGHTS_URL.format("resnet{}.npz")
    _BLOCKS = {50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3]}

    def __init__(self, n_layers=152, pretrained=False, weights_path=None):
        super().__init__()
        if n_layers not in self._BLOCKS:
            raise ValueError(f"The n_layers argument should be either 50, 101, or 152, but "
                             f"{n_layers!r} was given.")
        block = self._BLOCKS[n_layers]
        self.conv1 = L.Conv2d(64, 7, 2, 3)
        self.bn1 = L.BatchNorm()
        self.res2 = BuildingBlock(block[0], 64, 64, 256, 1)
        self.res3 = BuildingBlock(block[1], 256, 128, 512, 2)
        self.res4 = BuildingBlock(block[2], 512, 256, 1024, 2)
        self.res5 = BuildingBlock(block[3], 1024, 512, 2048, 2)
        self.fc6 = L.Linear(1000)
        if pretrained:
            _load_pretrained(self, f"resnet{n_layers}.npz", weights_path)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.pooling(x, kernel_size=3, stride=2)
        x = self.res2(x)
        x = self.res3(x)
        x = self.res4(x)
        x = self.res5(x)
        x = _global_average_pooling_2d(x)
        return self.fc6(x)


class ResNet152(ResNet):
    def __init__(self, pretrained=False, weights_path=None):
        super().__init__(152, pretrained, weights_path)


class ResNet101(ResNet):
    def __init__(self, pretrained=False, weights_path=None):
        super().__init__(101, pretrained, weights_path)


class ResNet50(ResNet):
    def __init__(self, pretrained=False, weights_path=None):
        super().__init__(50, pretrained, weights_path)


def _global_average_pooling_2d(x):
    N, C, H, W = x.shape
    h = F.average_pooling(x, (H, W), stride=1)
    return F.reshape(h, (N, C))


class BuildingBlock(Layer):
    """One ResNet stage: a down-sampling bottleneck ``a`` then ``b1``, ``b2``, ..."""

    def __init__(self, n_layers=None, in_channels=None, mid_channels=None,
                 out_channels=None, stride=None, downsample_fb=None):
        super().__init__()
        self.a = BottleneckA(in_channels, mid_channels, out_channels, stride, downsample_fb)
        self._forward = ["a"]
        for i in range(n_layers - 1):
            name = f"b{i + 1}"
            setattr(self, name, BottleneckB(out_channels, mid_channels))
            self._forward.append(name)

    def forward(self, x):
        for name in self._forward:
            x = getattr(self, name)(x)
        return x


class BottleneckA(Layer):
    """Bottleneck that changes the resolution/channels, with a projection shortcut."""

    def __init__(self, in_channels, mid_channels, out_channels, stride=2, downsample_fb=False):
        super().__init__()
        stride_1x1, stride_3x3 = (1, stride) if downsample_fb else (stride, 1)
        self.conv1 = L.Conv2d(mid_channels, 1, stride_1x1, 0, nobias=True)
        self.bn1 = L.BatchNorm()
        self.conv2 = L.Conv2d(mid_channels, 3, stride_3x3, 1, nobias=True)
        self.bn2 = L.BatchNorm()
        self.conv3 = L.Conv2d(out_channels, 1, 1, 0, nobias=True)
        self.bn3 = L.BatchNorm()
        self.conv4 = L.Conv2d(out_channels, 1, stride, 0, nobias=True)
        self.bn4 = L.BatchNorm()

    def forward(self, x):
        h1 = F.relu(self.bn1(self.conv1(x)))
        h1 = F.relu(self.bn2(self.conv2(h1)))
        h1 = self.bn3(self.conv3(h1))
        h2 = self.bn4(self.conv4(x))
        return F.relu(h1 + h2)


class BottleneckB(Layer):
    """Bottleneck that keeps the resolution, with an identity shortcut."""

    def __init__(self, in_channels, mid_channels):
        super().__init__()
        self.conv1 = L.Conv2d(mid_channels, 1, 1, 0, nobias=True)
        self.bn1 = L.BatchNorm()
        self.conv2 = L.Conv2d(mid_channels, 3, 1, 1, nobias=True)
        self.bn2 = L.BatchNorm()
        self.conv3 = L.Conv2d(in_channels, 1, 1, 0, nobias=True)
        self.bn3 = L.BatchNorm()

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = F.relu(self.bn2(self.conv2(h)))
        h = self.bn3(self.conv3(h))
        return F.relu(h + x)
