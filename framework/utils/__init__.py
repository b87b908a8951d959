"""DeZero's utilities and PyTorch's ``torch.utils``.

- gradient checks and array comparison: ``numerical_grad``, ``gradient_check``,
  ``array_allclose``, ``array_equal`` (plugin authors use them in their own tests);
- the graph as DOT text: ``get_dot_graph``, ``plot_dot_graph``;
- files: ``get_file(url, file_name=None)`` (DeZero's; ``~/.dezero`` is the cache and
  nothing found locally is downloaded) and ``cache_dir``;
- DeZero's size helpers ``get_conv_outsize``, ``get_deconv_outsize``, ``pair``;
- ``framework.utils.data`` is ``framework.data`` (PyTorch's ``torch.utils.data``).
"""
from framework.functions.conv import get_conv_outsize, get_deconv_outsize
from framework.utils import data
from framework.utils.files import cache_dir, get_file
from framework.utils.gradcheck import array_allclose, array_equal, gradient_check, numerical_grad
from framework.utils.graph import get_dot_graph, plot_dot_graph

__all__ = [
    "numerical_grad", "gradient_check", "array_allclose", "array_equal",
    "get_dot_graph", "plot_dot_graph", "data", "get_file", "cache_dir",
    "get_conv_outsize", "get_deconv_outsize", "pair",
]


def pair(x):
    """DeZero's ``pair``: ``(x, x)`` for an int, a 2-tuple unchanged.

    Raises:
        ValueError: anything else.
    """
    if isinstance(x, int):
        return (x, x)
    if isinstance(x, tuple) and len(x) == 2:
        return x
    raise ValueError(f"pair expects an int or a tuple of two, got {x!r}")
