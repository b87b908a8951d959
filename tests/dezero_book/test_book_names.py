"""The book's import lines work with ``dezero`` renamed to ``framework``."""
import importlib

import framework as dezero


def test_dezero_module_and_top_level_names():
    for name in ("layers", "models", "optimizers", "datasets", "dataloaders", "transforms",
                 "functions", "utils", "cuda"):
        assert getattr(dezero, name) is importlib.import_module(f"framework.{name}")
    from framework import DataLoader, Layer, Model, SeqDataLoader, setup_variable
    assert Layer is dezero.layers.Layer and Model is dezero.models.Model
    assert DataLoader is dezero.dataloaders.DataLoader
    assert SeqDataLoader is dezero.dataloaders.SeqDataLoader
    assert setup_variable() is None
    assert issubclass(Layer, dezero.nn.Module)  # one Module class for both styles
    from framework.core import Function, Parameter, Variable  # noqa: F401 (dezero.core)
    from framework.utils import get_conv_outsize, pair
    assert get_conv_outsize(4, 3, 1, 1) == 4 and pair(3) == (3, 3)
