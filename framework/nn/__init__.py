"""PyTorch-style modules on the DeZero-style core: ``from framework import nn``.

``nn.Module`` (registration, traversal, hooks, state), ``nn.Parameter`` (the core's
Parameter class) and ``nn.Buffer``, the containers, the layers, the losses and
``nn.init``.  Parameter names, shapes, defaults and initialization follow PyTorch, so a
PyTorch state_dict converted to numpy arrays loads unchanged.

Randomness: layers initialize from numpy's global generator, so ``np.random.seed(s)``
before building a model makes its weights reproducible.
"""
from framework.nn import functional, init, utils
from framework.nn.activation import (ELU, GELU, Hardtanh, LeakyReLU, LogSoftmax, ReLU, ReLU6,
                                     Sigmoid, SiLU, Softmax, Softplus, Tanh)
from framework.nn.activation_more import (CELU, GLU, SELU, Hardshrink, Hardsigmoid,
                                          Hardswish, LogSigmoid, Mish, PReLU, Softmin,
                                          Softshrink, Softsign, Tanhshrink, Threshold)
from framework.nn.attention import MultiheadAttention
from framework.nn.containers import ModuleDict, ModuleList, Sequential
from framework.nn.conv import Conv1d, Conv2d, ConvTranspose2d
from framework.nn.distance import CosineSimilarity, PairwiseDistance
from framework.nn.dropout import Dropout, Dropout1d, Dropout2d
from framework.nn.embedding import Embedding
from framework.nn.flatten import Flatten, Unflatten
from framework.nn.hooks import RemovableHandle
from framework.nn.lazy import (LazyBatchNorm1d, LazyBatchNorm2d, LazyConv2d, LazyLinear,
                               LazyModuleMixin)
from framework.nn.layer_norm import GroupNorm, LayerNorm, RMSNorm
from framework.nn.linear import Identity, Linear
from framework.nn.loss import (BCELoss, BCEWithLogitsLoss, CosineEmbeddingLoss,
                               CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss,
                               MarginRankingLoss, MSELoss, NLLLoss, SmoothL1Loss,
                               TripletMarginLoss)
from framework.nn.module import Module
from framework.nn.normalization import (BatchNorm1d, BatchNorm2d, InstanceNorm1d,
                                        InstanceNorm2d, InstanceNorm3d)
from framework.nn.padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d,
                                  ConstantPad2d, ConstantPad3d, ReflectionPad1d,
                                  ReflectionPad2d, ReflectionPad3d, ReplicationPad1d,
                                  ReplicationPad2d, ReplicationPad3d, ZeroPad1d, ZeroPad2d,
                                  ZeroPad3d)
from framework.nn.parameter import Buffer, Parameter
from framework.nn.parameter_containers import ParameterDict, ParameterList
from framework.nn.pooling import (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool2d,
                                  AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d)
from framework.nn.rnn import GRU, LSTM, RNN
from framework.nn.rnn_cell import GRUCell, LSTMCell, RNNCell
from framework.nn.state import IncompatibleKeys, StateDictError
from framework.nn.summary import ModelStatistics, summary
from framework.nn.transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,
                                      TransformerEncoder, TransformerEncoderLayer)
from framework.nn.upsample import PixelShuffle, PixelUnshuffle, Upsample

from framework.nn import modules  # noqa: E402  (torch.nn.modules.<file> paths, last)
from framework.nn import parallel  # noqa: E402  (DataParallel on one device)
from framework.nn.parallel import DataParallel  # noqa: E402

__all__ = [
    "modules", "parallel", "DataParallel", "Module", "Parameter", "Buffer", "RemovableHandle", "StateDictError", "IncompatibleKeys",
    "init", "functional", "utils",
    "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict",
    "Identity", "Linear", "Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool1d", "MaxPool2d",
    "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d",
    "BatchNorm1d", "BatchNorm2d", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d",
    "LayerNorm", "GroupNorm", "RMSNorm", "Dropout", "Dropout1d",
    "Dropout2d", "Embedding", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell",
    "MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder",
    "TransformerDecoderLayer", "TransformerDecoder", "Transformer", "Flatten",
    "Unflatten", "Upsample", "PixelShuffle", "PixelUnshuffle",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d",
    "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
    "CosineSimilarity", "PairwiseDistance",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "GELU", "SiLU", "ELU",
    "Softplus", "Hardtanh", "ReLU6", "PReLU", "SELU", "CELU", "Mish", "Hardswish",
    "Hardsigmoid", "GLU", "LogSigmoid", "Softmin", "Softsign", "Tanhshrink", "Threshold",
    "Hardshrink", "Softshrink",
    "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
    "KLDivLoss", "BCELoss", "BCEWithLogitsLoss", "MarginRankingLoss", "CosineEmbeddingLoss",
    "TripletMarginLoss",
    "summary", "ModelStatistics",
    "LazyModuleMixin", "LazyLinear", "LazyConv2d", "LazyBatchNorm1d", "LazyBatchNorm2d",
]
