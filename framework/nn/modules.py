"""PyTorch's ``torch.nn.modules.<file>`` paths for the layers of :mod:`framework.nn`.

Scripts name layer classes through PyTorch's file layout, mostly for ``isinstance``
checks and subclassing::

    class MyLoss(nn.modules.loss._Loss): ...
    if isinstance(m, nn.modules.batchnorm._BatchNorm): ...
    import torch.nn.modules.conv

Each ``framework.nn.modules.<file>`` is a small module holding the same class objects
as ``framework.nn`` (so ``isinstance`` agrees either way), registered under its dotted
name so that ``import framework.nn.modules.loss`` works too.
"""
import importlib
import sys
import types

__all__ = []

#: PyTorch's file -> [(our module under framework.nn, names)]
_LAYOUT = {
    "module": [("module", ["Module"])],
    "linear": [("linear", ["Identity", "Linear"]), ("lazy", ["LazyLinear"])],
    "conv": [("conv", ["_ConvNd", "Conv1d", "Conv2d", "ConvTranspose2d"]),
             ("lazy", ["LazyConv2d"])],
    "batchnorm": [("normalization", ["_NormBase", "_BatchNorm", "BatchNorm1d",
                                     "BatchNorm2d"]),
                  ("lazy", ["LazyBatchNorm1d", "LazyBatchNorm2d"])],
    "instancenorm": [("normalization", ["_InstanceNorm", "InstanceNorm1d", "InstanceNorm2d",
                                        "InstanceNorm3d"])],
    "normalization": [("layer_norm", ["LayerNorm", "GroupNorm", "RMSNorm"])],
    "loss": [("loss", ["_Loss", "_WeightedLoss", "NLLLoss", "CrossEntropyLoss", "MSELoss",
                       "L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss", "BCELoss",
                       "BCEWithLogitsLoss", "MarginRankingLoss", "CosineEmbeddingLoss",
                       "TripletMarginLoss"])],
    "activation": [("activation", ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax",
                                   "LogSoftmax", "GELU", "SiLU", "ELU", "Softplus",
                                   "Hardtanh", "ReLU6"]),
                   ("activation_more", ["PReLU", "SELU", "CELU", "Mish", "Hardswish",
                                        "Hardsigmoid", "GLU", "LogSigmoid", "Softmin",
                                        "Softsign", "Tanhshrink", "Threshold",
                                        "Hardshrink", "Softshrink"]),
                   ("attention", ["MultiheadAttention"])],
    "container": [("containers", ["Sequential", "ModuleList", "ModuleDict"]),
                  ("parameter_containers", ["ParameterList", "ParameterDict"])],
    "rnn": [("rnn", ["RNN", "LSTM", "GRU"]), ("rnn_cell", ["RNNCell", "LSTMCell", "GRUCell"])],
    "sparse": [("embedding", ["Embedding"])],
    "dropout": [("dropout", ["Dropout", "Dropout1d", "Dropout2d"])],
    "pooling": [("pooling", ["MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d",
                             "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
                             "AdaptiveMaxPool2d"])],
    "flatten": [("flatten", ["Flatten", "Unflatten"])],
    "padding": [("padding", ["ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
                             "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d",
                             "CircularPad1d", "CircularPad2d", "CircularPad3d", "ZeroPad1d",
                             "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d",
                             "ConstantPad3d"])],
    "pixelshuffle": [("upsample", ["PixelShuffle", "PixelUnshuffle"])],
    "upsampling": [("upsample", ["Upsample"])],
    "distance": [("distance", ["CosineSimilarity", "PairwiseDistance"])],
    "transformer": [("transformer", ["TransformerEncoderLayer", "TransformerEncoder",
                                     "TransformerDecoderLayer", "TransformerDecoder",
                                     "Transformer"])],
}

#: PyTorch's base-class names that are spelled differently here.
_ALIASES = {"rnn": {"RNNBase": ("rnn", "_RNNBase"), "RNNCellBase": ("rnn_cell", "_CellBase")},
            "dropout": {"_DropoutNd": ("dropout", "Dropout")},
            "pooling": {"_MaxPoolNd": ("pooling", "_Pool2d")}}


def _build():
    package = sys.modules[__name__]
    for file, sources in _LAYOUT.items():
        module = types.ModuleType(f"{__name__}.{file}",
                                  f"PyTorch's torch.nn.modules.{file} names for zeronn's layers.")
        names = []
        for source, classes in sources:
            home = importlib.import_module(f"framework.nn.{source}")
            for name in classes:
                setattr(module, name, getattr(home, name))
                names.append(name)
        for name, (source, ours) in _ALIASES.get(file, {}).items():
            setattr(module, name, getattr(importlib.import_module(f"framework.nn.{source}"),
                                          ours))
        module.__all__ = names
        sys.modules[module.__name__] = module
        setattr(package, file, module)
        __all__.append(file)
        for name in names:  # torch.nn.modules.Linear, as PyTorch's package also has
            setattr(package, name, getattr(module, name))


_build()
