"""``torch.nn.utils``'s helpers: gradient clipping, flat parameter vectors and
``rnn.pad_sequence``."""
from framework.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from framework.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters
from framework.nn.utils import rnn

__all__ = ["rnn", "clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters"]
