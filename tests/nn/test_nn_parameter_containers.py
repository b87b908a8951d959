"""ParameterList and ParameterDict: entries registered as parameters (names, state_dict,
load_state_dict, dtype moves, optimizers), list and dict behaviour as in PyTorch."""
from collections import OrderedDict

import numpy as np
import pytest

import framework as fw
from framework import nn, optim


class Mixture(nn.Module):
    """A model whose weights live only in parameter containers."""

    def __init__(self):
        super().__init__()
        self.weights = nn.ParameterList([np.ones((3, 2), dtype=np.float32),
                                         nn.Parameter(np.zeros(2, dtype=np.float32))])
        self.scales = nn.ParameterDict({"b": np.full(2, 2.0, dtype=np.float32),
                                        "a": np.ones(2, dtype=np.float32)})

    def forward(self, x):
        return (x @ self.weights[0] + self.weights[1]) * self.scales["a"] + self.scales["b"]


def test_entries_are_registered_parameters():
    m = Mixture()
    assert [name for name, _ in m.named_parameters()] == [
        "weights.0", "weights.1", "scales.a", "scales.b"]  # a plain dict: sorted keys
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in m.parameters())
    assert [(k, v.shape) for k, v in m.state_dict().items()] == [
        ("weights.0", (3, 2)), ("weights.1", (2,)), ("scales.a", (2,)), ("scales.b", (2,))]
    state = {k: v + 1.0 for k, v in m.state_dict().items()}
    m.load_state_dict(state)
    assert np.array_equal(m.weights[0].data, np.full((3, 2), 2.0))
    assert np.array_equal(m.scales["b"].data, np.full(2, 3.0))
    with pytest.raises(nn.StateDictError, match="scales.c"):
        m.load_state_dict({**state, "scales.c": np.ones(2)})
    m.to(np.float64)
    assert all(p.dtype == np.float64 for p in m.parameters())
    assert m.weights[1].dtype == np.float64 and m.scales["a"].dtype == np.float64


def test_optimizer_trains_container_parameters(tmp_path):
    np.random.seed(0)
    m = Mixture()
    x = np.random.randn(8, 3).astype(np.float32)
    target = np.random.randn(8, 2).astype(np.float32)
    opt = optim.SGD(m.parameters(), lr=0.05)
    before = [p.data.copy() for p in m.parameters()]
    losses = []
    for _ in range(20):
        loss = nn.MSELoss()(m(x), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    assert losses[-1] < losses[0]
    assert all(not np.array_equal(b, p.data) for b, p in zip(before, m.parameters()))
    path = tmp_path / "mixture.npz"
    m.save_weights(path)
    fresh = Mixture()
    fresh.load_weights(path)
    assert np.allclose(fresh(x).data, m(x).data)


def test_parameter_list_behaves_as_a_list():
    pl = nn.ParameterList()
    assert len(pl) == 0 and list(pl) == []
    a = nn.Parameter(np.zeros(2))
    assert pl.append(a) is pl
    pl.extend([np.ones(3), fw.Variable(np.ones(4))])
    pl += [np.zeros(1)]
    assert len(pl) == 4 and pl[0] is a and pl[-1].shape == (1,)
    assert all(isinstance(p, nn.Parameter) for p in pl)
    assert [p.shape for p in pl] == [(2,), (3,), (4,), (1,)]
    tensor = fw.Variable(np.arange(3.0))
    pl[1] = tensor  # a tensor becomes a Parameter sharing its array
    assert isinstance(pl[1], nn.Parameter) and np.shares_memory(pl[1].data, tensor.data)
    head = pl[1:3]
    assert isinstance(head, nn.ParameterList) and len(head) == 2 and head[0] is pl[1]
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2", "3"]
    with pytest.raises(IndexError, match="out of range"):
        pl[4]
    with pytest.raises(TypeError, match="integers or slices"):
        pl["a"]
    with pytest.raises(RuntimeError, match="should not be called"):
        pl(np.ones(2))
    with pytest.raises(TypeError, match="iterable"):
        pl.extend(np.ones(3))
    assert "0" not in dir(pl)


def test_parameter_list_plain_entries_and_repr():
    pl = nn.ParameterList([np.zeros((2, 3), dtype=np.float32), "note"])
    assert pl[1] == "note" and len(pl) == 2
    assert [n for n, _ in pl.named_parameters()] == ["0"] and list(pl.state_dict()) == ["0"]
    assert repr(pl) == ("ParameterList(\n"
                        "  (0): Parameter containing: [float32 of size 2x3]\n"
                        "  (1): Object of type: str\n)")
    pl[1] = np.ones(2)  # a plain entry replaced by an array: now a parameter
    assert [n for n, _ in pl.named_parameters()] == ["0", "1"]
    pl[0] = 7  # and the other way round
    assert pl[0] == 7 and [n for n, _ in pl.named_parameters()] == ["1"]
    assert repr(nn.ParameterList()) == "ParameterList()"


def test_parameter_dict_behaves_as_a_dict():
    pd = nn.ParameterDict([("b", np.zeros(2)), ("a", np.ones(3))])  # pairs keep their order
    assert list(pd) == ["b", "a"] and list(pd.keys()) == ["b", "a"]
    assert len(pd) == 2 and "a" in pd and "z" not in pd
    assert list(OrderedDict(pd.items())) == ["b", "a"]
    assert [v.shape for v in pd.values()] == [(2,), (3,)]
    assert list(nn.ParameterDict(OrderedDict([("y", np.ones(1)), ("x", np.ones(1))]))) == \
        ["y", "x"]
    pd["c"] = fw.Variable(np.ones(1))
    assert isinstance(pd["c"], nn.Parameter)
    del pd["b"]
    assert list(pd) == ["a", "c"] and [n for n, _ in pd.named_parameters()] == ["a", "c"]
    assert pd.get("zz") is None and pd.get("a") is pd["a"]
    assert pd.pop("c").shape == (1,) and list(pd) == ["a"]
    assert pd.setdefault("d", np.zeros(5)).shape == (5,) and list(pd) == ["a", "d"]
    assert pd.setdefault("d", np.zeros(9)).shape == (5,)
    assert list(reversed(pd)) == ["d", "a"]
    key, value = pd.popitem()
    assert key == "d" and value.shape == (5,) and list(pd) == ["a"]
    copy = pd.copy()
    assert isinstance(copy, nn.ParameterDict) and copy["a"] is pd["a"]
    merged = pd | {"e": np.ones(2)}
    assert list(merged) == ["a", "e"] and list(pd) == ["a"]
    pd |= [("f", np.ones(1))]
    assert list(pd) == ["a", "f"]
    assert list(pd.fromkeys(["p", "q"])) == ["p", "q"]
    pd["note"] = "text"  # a plain entry: kept, not a parameter
    assert pd["note"] == "text" and "note" not in dict(pd.named_parameters())
    assert repr(pd).splitlines()[1:] == ["  (a): Parameter containing: [float64 of size 3]",
                                         "  (f): Parameter containing: [float64 of size 1]",
                                         "  (note): Object of type: str", ")"]
    pd.clear()
    assert len(pd) == 0 and list(pd.parameters()) == []


def test_parameter_dict_errors():
    pd = nn.ParameterDict({"a": np.ones(1)})
    with pytest.raises(TypeError, match="keys must be strings"):
        pd[1] = np.ones(1)
    with pytest.raises(TypeError, match="keys must be strings"):
        pd[1]
    with pytest.raises(KeyError, match="no key 'zz'"):
        pd["zz"]
    with pytest.raises(KeyError, match="no key 'zz'"):
        pd.pop("zz")
    with pytest.raises(KeyError, match="'keys' already exists"):
        pd["keys"] = np.ones(1)
    with pytest.raises(KeyError, match="'training' already exists"):
        pd["training"] = np.ones(1)
    with pytest.raises(KeyError, match=r"invalid parameter name 'a\.b'"):
        pd["a.b"] = np.ones(1)
    assert list(pd) == ["a"]  # a failed assignment leaves no key behind
    with pytest.raises(ValueError, match="element #0 has length 1"):
        pd.update([("x",)])
    with pytest.raises(TypeError, match=r"element #0 should be a \(key, value\) pair"):
        pd.update([1])
    with pytest.raises(TypeError, match="mapping or an iterable"):
        pd.update(3)
    with pytest.raises(KeyError, match="empty"):
        nn.ParameterDict().popitem()
    with pytest.raises(RuntimeError, match="should not be called"):
        pd()
