"""Multi-layer perceptrons: the generic ``mlp`` and the Iris BatchNorm network."""
from framework import nn

__all__ = ["MLP", "IrisMLP"]

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "leaky_relu": nn.LeakyReLU}


def _activation(name):
    try:
        return _ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; expected one of {sorted(_ACTIVATIONS)}") from None


class MLP(nn.Module):
    """Flatten, then Linear layers with an activation between them.

    Args:
        in_features: size of a flattened sample (64 for 8x8 digits, 784 for MNIST).
        hidden: sizes of the hidden layers, e.g. ``[128]``.
        out_features: number of outputs (classes).
        activation: ``relu``, ``tanh``, ``sigmoid`` or ``leaky_relu``.
        dropout: dropout probability after each hidden activation (0 = none).
        batch_norm: a BatchNorm1d before each hidden activation.

    Shape:
        input (N, *) with prod(*) == in_features; output (N, out_features).
    """

    def __init__(self, in_features, hidden=(128,), out_features=10, activation="relu",
                 dropout=0.0, batch_norm=False):
        super().__init__()
        if isinstance(hidden, int):
            hidden = [hidden]
        layers = [nn.Flatten()]
        size = in_features
        for width in hidden:
            layers.append(nn.Linear(size, width))
            if batch_norm:
                layers.append(nn.BatchNorm1d(width))
            layers.append(_activation(activation))
            if dropout:
                layers.append(nn.Dropout(dropout))
            size = width
        layers.append(nn.Linear(size, out_features))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


class IrisMLP(nn.Module):
    """The Iris network: 4-128-64-32-16-3 with BatchNorm1d and ReLU after each hidden layer."""

    def __init__(self, in_features=4, num_classes=3, hidden=(128, 64, 32, 16)):
        super().__init__()
        layers = []
        size = in_features
        for width in hidden:
            layers += [nn.Linear(size, width), nn.BatchNorm1d(width), nn.ReLU()]
            size = width
        layers.append(nn.Linear(size, num_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)
