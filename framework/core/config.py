"""Global switches of the autograd engine and the context managers that flip them."""
import contextlib

__all__ = ["Config", "using_config", "no_grad", "test_mode", "enable_grad",
           "set_grad_enabled", "is_grad_enabled", "inference_mode"]


class Config:
    """Process-wide flags (DeZero's names).

    Attributes:
        enable_backprop: record the graph for backward (off under ``no_grad``).
        train: training mode for functions such as dropout and batch_norm (off under
            ``test_mode``).
    """

    enable_backprop = True
    train = True


@contextlib.contextmanager
def using_config(name, value):
    """Set ``Config.<name>`` to ``value`` inside a ``with`` block, restoring it after."""
    if not hasattr(Config, name):
        raise AttributeError(f"Config has no flag {name!r}; known: enable_backprop, train")
    old = getattr(Config, name)
    setattr(Config, name, value)
    try:
        yield
    finally:
        setattr(Config, name, old)


def no_grad():
    """Record no graph inside the block (evaluation, optimizer updates)."""
    return using_config("enable_backprop", False)


def enable_grad():
    """Record the graph inside the block, even within ``no_grad``."""
    return using_config("enable_backprop", True)


def test_mode():
    """Run functions in inference mode (dropout off, batch_norm uses running stats)."""
    return using_config("train", False)


test_mode.__test__ = False  # not a pytest test, though its name starts with "test"


class set_grad_enabled:  # noqa: N801 - PyTorch's name
    """Turn graph recording on or off: now (``set_grad_enabled(False)``), or for a block
    (``with set_grad_enabled(False):``), restoring the previous mode after the block."""

    def __init__(self, mode):
        self.prev = Config.enable_backprop
        Config.enable_backprop = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        Config.enable_backprop = self.prev
        return False


def is_grad_enabled():
    return Config.enable_backprop


def inference_mode(mode=True):
    """``no_grad()`` when ``mode`` is True (zeronn has no separate inference tensors)."""
    if mode:
        return no_grad()
    return contextlib.nullcontext()
