"""A convolutional autoencoder: strided convolutions down, ConvTranspose2d back up."""
from framework import nn

__all__ = ["ConvAutoencoder"]


class ConvAutoencoder(nn.Module):
    """Encoder: two 4x4 stride-2 convolutions (halving height and width twice);
    decoder: two 4x4 stride-2 transposed convolutions back to the input size, then a
    sigmoid, so outputs lie in [0, 1] like the images.

    Works for any height and width divisible by 4 (8x8 digits, 28x28 MNIST).

    Shape:
        input (N, in_channels, H, W); output (N, in_channels, H, W).
    """

    def __init__(self, in_channels=1, width=16, latent_channels=32):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(in_channels, width, 4, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(width, latent_channels, 4, stride=2, padding=1), nn.ReLU(),
        )
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(latent_channels, width, 4, stride=2, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(width, in_channels, 4, stride=2, padding=1), nn.Sigmoid(),
        )

    def forward(self, x):
        return self.decoder(self.encoder(x))
