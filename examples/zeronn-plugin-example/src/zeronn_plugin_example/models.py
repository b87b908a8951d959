"""The example model: a small multi-layer perceptron."""
from framework import nn

__all__ = ["ExampleMLP"]


class ExampleMLP(nn.Module):
    """Linear -> ReLU -> Linear.

    Args:
        in_features: size of each input sample.
        hidden: width of the hidden layer.
        out_features: number of outputs (classes).

    Shape:
        input ``(N, in_features)``, output ``(N, out_features)`` (logits).
    """

    def __init__(self, in_features=2, hidden=16, out_features=3):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(hidden, out_features)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))
