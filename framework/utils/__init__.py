"""DeZero's utilities and PyTorch's ``torch.utils``.

- gradient checks and array comparison: ``numerical_grad``, ``gradient_check``,
  ``array_allclose``, ``array_equal`` (plugin authors use them in their own tests);
- the graph as DOT text: ``get_dot_graph``, ``plot_dot_graph``;
- ``framework.utils.data`` is ``framework.data`` (PyTorch's ``torch.utils.data``).
"""
from framework.utils import data
from framework.utils.gradcheck import array_allclose, array_equal, gradient_check, numerical_grad
from framework.utils.graph import get_dot_graph, plot_dot_graph

__all__ = [
    "numerical_grad", "gradient_check", "array_allclose", "array_equal",
    "get_dot_graph", "plot_dot_graph", "data",
]
