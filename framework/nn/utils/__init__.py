"""``torch.nn.utils``'s helpers: gradient clipping and flat parameter vectors."""
from framework.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from framework.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters"]
