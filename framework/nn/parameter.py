"""The two kinds of module state that are not submodules: Parameter and Buffer.

``nn.Parameter`` is the core's :class:`framework.core.Parameter` itself (a Variable
subclass): a Module registers it as learnable, it gets a gradient and optimizers update
it.  ``nn.Buffer`` is only a marker for assignment: ``self.stats = nn.Buffer(array)``
registers ``array`` as a buffer, and reading ``self.stats`` afterwards returns the plain
ndarray (as ``torch.nn.Buffer`` does).  Buffers get no gradient and no optimizer
update; persistent ones are part of ``state_dict`` and of saved weights.
"""
import numpy as np

from framework import backend
from framework.core import Parameter

__all__ = ["Parameter", "Buffer", "is_array"]


def is_array(value):
    """True for a numpy or cupy ndarray (the only values a buffer may hold besides None)."""
    return isinstance(value, np.ndarray) or backend.is_cupy_array(value)


class Buffer:
    """Mark an array as a module buffer when assigned to a Module attribute.

    Args:
        data: a numpy or cupy ndarray, or None (a placeholder slot).
        persistent: whether ``state_dict`` and ``save_weights`` include it.

    Raises:
        TypeError: ``data`` is neither an ndarray nor None.
    """

    __slots__ = ("data", "persistent")

    def __init__(self, data, persistent=True):
        if data is not None and not is_array(data):
            raise TypeError(
                f"nn.Buffer data must be a numpy or cupy ndarray or None, got "
                f"{type(data).__name__}; wrap values with numpy.asarray(...)")
        self.data = data
        self.persistent = bool(persistent)

    def __repr__(self):
        return f"Buffer({self.data!r}, persistent={self.persistent})"
