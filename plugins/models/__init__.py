"""The built-in models, registered by name for configs (``arch: {type: mlp, ...}``)."""
from framework.plugin import hookimpl
from plugins.models.autoencoder import ConvAutoencoder
from plugins.models.cnn import DigitsCNN, LeNet
from plugins.models.mlp import MLP, IrisMLP

__all__ = ["MLP", "IrisMLP", "LeNet", "DigitsCNN", "ConvAutoencoder", "register_models"]


@hookimpl
def register_models(register):
    register("mlp", MLP, description="Flatten + Linear layers with activations (any input size)")
    register("iris_mlp", IrisMLP,
             description="the Iris network: 4-128-64-32-16-3 with BatchNorm1d and ReLU")
    register("lenet", LeNet, description="LeNet-style CNN for 1x28x28 images (MNIST)")
    register("digits_cnn", DigitsCNN, description="small CNN for 1x8x8 digits")
    register("conv_autoencoder", ConvAutoencoder,
             description="convolutional autoencoder (Conv2d down, ConvTranspose2d up)")
