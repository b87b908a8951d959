"""An example zeronn plugin package.

It registers one model (``example_mlp``), one data set (``example_blobs``), one loss
(``example_smooth_ce``), one trainer callback (``example_gradient_noise``) and one trainer
(``example_l1``) through the ``zeronn`` entry point declared in its pyproject.toml.
"""
from zeronn_plugin_example.datasets import ExampleBlobs
from zeronn_plugin_example.losses import SmoothCrossEntropy
from zeronn_plugin_example.models import ExampleMLP
from zeronn_plugin_example.training import GradientNoise, L1Trainer

__version__ = "0.1.0"

__all__ = ["ExampleMLP", "ExampleBlobs", "SmoothCrossEntropy", "GradientNoise", "L1Trainer",
           "__version__"]
