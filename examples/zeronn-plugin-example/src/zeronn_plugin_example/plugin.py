"""The plugin module the ``zeronn`` entry point names: it only registers factories.

Each hook receives ``register(name, factory, *, description=None, override=False)``;
zeronn records this package as the owner of every name registered here.
"""
from framework.plugin import hookimpl

from zeronn_plugin_example.datasets import ExampleBlobs
from zeronn_plugin_example.losses import SmoothCrossEntropy
from zeronn_plugin_example.models import ExampleMLP
from zeronn_plugin_example.training import GradientNoise, L1Trainer

__all__ = ["register_models", "register_datasets", "register_losses", "register_callbacks",
           "register_trainers"]


@hookimpl
def register_models(register):
    """Register the example model."""
    register("example_mlp", ExampleMLP,
             description="two-layer MLP (Linear-ReLU-Linear), for 2-D toy data")


@hookimpl
def register_datasets(register):
    """Register the example data set."""
    register("example_blobs", ExampleBlobs,
             description="seeded 2-D Gaussian blobs around a circle, 3 classes by default")


@hookimpl
def register_losses(register):
    """Register the example loss."""
    register("example_smooth_ce", SmoothCrossEntropy,
             description="softmax cross entropy with label smoothing")


@hookimpl
def register_callbacks(register):
    """Register the example callback."""
    register("example_gradient_noise", GradientNoise,
             description="annealed Gaussian noise on the gradients, from its own generator")


@hookimpl
def register_trainers(register):
    """Register the example trainer."""
    register("example_l1", L1Trainer,
             description="Trainer with an L1 penalty on the weight matrices")
