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


def test_steps_28_and_29_switch_to_the_simple_core():
    # the book's step 28: `if not dezero.is_simple_core: from dezero.core_simple import
    # Variable, setup_variable; setup_variable()`, then gradient descent on Rosenbrock
    import numpy as np

    import framework as dezero
    assert dezero.is_simple_core is False
    from framework.core_simple import Function, Variable, as_variable, setup_variable
    setup_variable()
    assert Variable is dezero.Variable and Function is dezero.Function
    x0, x1 = Variable(np.array(0.0)), Variable(np.array(2.0))
    for _ in range(1000):
        y = 100 * (x1 - x0 ** 2) ** 2 + (x0 - 1) ** 2
        x0.cleargrad()
        x1.cleargrad()
        y.backward()
        x0.data -= 0.001 * x0.grad.data
        x1.data -= 0.001 * x1.grad.data
    # where 1000 steps at lr 0.001 end, still on the way to (1, 1)
    assert abs(float(x0.data) - 0.6837) < 2e-3 and abs(float(x1.data) - 0.4659) < 2e-3
    assert isinstance(as_variable(np.ones(1)), Variable)
