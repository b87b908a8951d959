"""All parameters as one flat vector, and back."""
import framework.functions as F
from framework import backend
from framework.core.variable import Variable, as_variable

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _as_list(parameters):
    return [parameters] if isinstance(parameters, Variable) else list(parameters)


def parameters_to_vector(parameters):
    """Concatenate the flattened parameters into one 1-D tensor (differentiable).

    Args:
        parameters: a Parameter or an iterable of them.

    Returns:
        A 1-D Variable of the total number of elements.

    Raises:
        ValueError: no parameters.
    """
    params = _as_list(parameters)
    if not params:
        raise ValueError("parameters_to_vector: got no parameters")
    return F.concat([F.reshape(p, (-1,)) for p in params], axis=0)


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of ``vec`` into the parameters' data, in place (each
    Parameter keeps its array object, so optimizers keep seeing it).

    Args:
        vec: a 1-D tensor or array with as many elements as the parameters together.
        parameters: a Parameter or an iterable of them.

    Raises:
        TypeError: ``vec`` is not a tensor or array.
        ValueError: ``vec`` is not 1-D or its length differs from the parameters' total.
    """
    if not (isinstance(vec, Variable) or hasattr(vec, "shape")):
        raise TypeError(f"vector_to_parameters: expected a tensor, got {type(vec).__name__}")
    data = as_variable(vec).data
    params = _as_list(parameters)
    total = sum(p.data.size for p in params)
    if data.ndim != 1 or data.shape[0] != total:
        raise ValueError(f"vector_to_parameters: vec has shape {tuple(data.shape)}, expected "
                         f"({total},) for these parameters")
    offset = 0
    for p in params:
        n = p.data.size
        chunk = data[offset:offset + n].reshape(p.data.shape)
        xp = backend.get_array_module(p.data)
        p.data[...] = xp.asarray(chunk, dtype=p.data.dtype)
        offset += n
