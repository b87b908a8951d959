"""An example zeronn plugin package.

It registers one model (``example_mlp``), one data set (``example_blobs``) and one loss
(``example_smooth_ce``) through the ``zeronn`` entry point declared in its pyproject.toml.
"""
from zeronn_plugin_example.datasets import ExampleBlobs
from zeronn_plugin_example.losses import SmoothCrossEntropy
from zeronn_plugin_example.models import ExampleMLP

__version__ = "0.1.0"

__all__ = ["ExampleMLP", "ExampleBlobs", "SmoothCrossEntropy", "__version__"]
