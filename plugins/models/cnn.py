"""Convolutional classifiers: LeNet for 1x28x28 images and a small CNN for 8x8 digits."""
from framework import nn

__all__ = ["LeNet", "DigitsCNN"]


class LeNet(nn.Module):
    """LeNet-style CNN for 28x28 images (pytorch-template's MNIST model).

    conv 5x5 (10) -> max-pool 2 -> ReLU -> conv 5x5 (20) -> max-pool 2 -> ReLU ->
    Linear 320-50 -> ReLU -> Dropout -> Linear 50-num_classes.

    Shape:
        input (N, in_channels, 28, 28); output (N, num_classes) logits.
    """

    def __init__(self, in_channels=1, num_classes=10, dropout=0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 10, kernel_size=5), nn.MaxPool2d(2), nn.ReLU(),
            nn.Conv2d(10, 20, kernel_size=5), nn.MaxPool2d(2), nn.ReLU(),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(320, 50), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(50, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


class DigitsCNN(nn.Module):
    """A small CNN for 8x8 digits: two 3x3 conv blocks (16, 32 channels) and a linear head.

    Shape:
        input (N, in_channels, 8, 8); output (N, num_classes) logits.
    """

    def __init__(self, in_channels=1, num_classes=10, width=16):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(2 * width * 2 * 2, num_classes))

    def forward(self, x):
        return self.head(self.features(x))
