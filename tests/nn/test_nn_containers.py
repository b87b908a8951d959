"""Sequential, ModuleList, ModuleDict."""
from collections import OrderedDict

import numpy as np
import pytest

from framework import nn


def test_sequential_forward_indexing_slicing():
    np.random.seed(0)
    seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = np.random.randn(5, 3).astype(np.float32)
    y = seq(x)
    assert np.allclose(y.data, seq[2](seq[1](seq[0](x))).data)
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear)
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is seq[0]
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    with pytest.raises(IndexError, match="out of range"):
        seq[3]
    with pytest.raises(TypeError, match="integers or slices"):
        seq["a"]


def test_sequential_append_pop_renumbers():
    seq = nn.Sequential(nn.ReLU(), nn.Tanh())
    assert seq.append(nn.Sigmoid()) is seq
    assert list(seq._modules) == ["0", "1", "2"]
    removed = seq.pop(0)
    assert isinstance(removed, nn.ReLU)
    assert list(seq._modules) == ["0", "1"] and isinstance(seq[0], nn.Tanh)
    seq[1] = nn.Identity()
    assert isinstance(seq[1], nn.Identity)
    del seq[0]
    assert len(seq) == 1
    with pytest.raises(TypeError, match="Modules"):
        nn.Sequential(nn.ReLU(), 3)


def test_sequential_ordered_dict_names():
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    assert list(seq.state_dict()) == ["fc.weight", "fc.bias"]
    assert seq.fc is seq[0]
    assert list(seq[:1]._modules) == ["fc"]


def test_module_list():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3
    layers.append(nn.ReLU())
    layers.extend([nn.Tanh()])
    layers.insert(0, nn.Identity())
    assert [type(m).__name__ for m in layers] == ["Identity", "Linear", "Linear", "Linear",
                                                  "ReLU", "Tanh"]
    assert list(layers.state_dict())[:2] == ["1.weight", "1.bias"]
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    assert len(layers + nn.ModuleList([nn.ReLU()])) == 7
    assert isinstance(layers.pop(), nn.Tanh)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])

        def forward(self, x):
            for b in self.blocks:
                x = b(x)
            return x

    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["blocks.0.weight", "blocks.0.bias",
                                                      "blocks.1.weight", "blocks.1.bias"]
    assert net(np.ones((1, 2), np.float32)).shape == (1, 2)


def test_module_dict():
    d = nn.ModuleDict({"b": nn.Linear(1, 1), "a": nn.ReLU()})
    assert list(d) == ["b", "a"] and "a" in d and len(d) == 2
    d["c"] = nn.Tanh()
    assert list(d.keys()) == ["b", "a", "c"]
    assert isinstance(d.pop("a"), nn.ReLU)
    assert [k for k, _ in d.items()] == ["b", "c"]
    with pytest.raises(KeyError, match="keys"):
        d["zzz"]
    with pytest.raises(TypeError, match="Modules"):
        d["x"] = 3
    d.update([("e", nn.Identity())])
    assert list(d.state_dict()) == ["b.weight", "b.bias"]
    d.clear()
    assert len(d) == 0
