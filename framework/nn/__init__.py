"""PyTorch-style modules on the DeZero-style core: ``from framework import nn``.

``nn.Module`` (registration, traversal, hooks, state), ``nn.Parameter`` (the core's
Parameter class) and ``nn.Buffer``, the containers, the layers, the losses and
``nn.init``.  Parameter names, shapes, defaults and initialization follow PyTorch, so a
PyTorch state_dict converted to numpy arrays loads unchanged.

Randomness: layers initialize from numpy's global generator, so ``np.random.seed(s)``
before building a model makes its weights reproducible.
"""
from framework.nn import init
from framework.nn.activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from framework.nn.containers import ModuleDict, ModuleList, Sequential
from framework.nn.conv import Conv2d, ConvTranspose2d
from framework.nn.dropout import Dropout
from framework.nn.embedding import Embedding
from framework.nn.flatten import Flatten
from framework.nn.hooks import RemovableHandle
from framework.nn.lazy import (LazyBatchNorm1d, LazyBatchNorm2d, LazyConv2d, LazyLinear,
                               LazyModuleMixin)
from framework.nn.linear import Identity, Linear
from framework.nn.loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss,
                               NLLLoss)
from framework.nn.module import Module
from framework.nn.normalization import BatchNorm1d, BatchNorm2d
from framework.nn.parameter import Buffer, Parameter
from framework.nn.pooling import AvgPool2d, MaxPool2d
from framework.nn.rnn import LSTM, RNN
from framework.nn.state import IncompatibleKeys, StateDictError
from framework.nn.summary import ModelStatistics, summary

__all__ = [
    "Module", "Parameter", "Buffer", "RemovableHandle", "StateDictError", "IncompatibleKeys",
    "init",
    "Sequential", "ModuleList", "ModuleDict",
    "Identity", "Linear", "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d",
    "BatchNorm1d", "BatchNorm2d", "Dropout", "Embedding", "RNN", "LSTM", "Flatten",
    "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
    "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss",
    "summary", "ModelStatistics",
    "LazyModuleMixin", "LazyLinear", "LazyConv2d", "LazyBatchNorm1d", "LazyBatchNorm2d",
]
