"""nn.Module: registration, traversal, lookup, modes, grads, devices, repr."""
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import framework as fw
from framework import nn
from framework.errors import DeviceError

REPO = Path(__file__).resolve().parents[2]


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.scale = nn.Parameter(np.ones(2, dtype=np.float32))
        self.register_buffer("count", np.zeros(1, dtype=np.float32))

    def forward(self, x):
        return self.fc(x) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = Block()
        self.b = Block()
        self.head = nn.Linear(2, 1)

    def forward(self, x):
        return self.head(self.b(self.a(x)[:, :2].reshape(-1, 2) @ np.ones((2, 3), np.float32)))


def test_parameter_is_core_parameter():
    assert nn.Parameter is fw.Parameter
    assert issubclass(nn.Parameter, fw.Variable)


def test_registration_by_type_in_insertion_order():
    m = nn.Module()
    m.w = nn.Parameter(np.zeros(2))
    m.sub = nn.Linear(2, 2)
    m.buf = nn.Buffer(np.ones(3))
    m.plain = np.zeros(4)
    m.v = fw.Variable(np.zeros(1))
    assert list(m._parameters) == ["w"]
    assert list(m._modules) == ["sub"]
    assert list(m._buffers) == ["buf"]
    assert "plain" in m.__dict__ and "v" in m.__dict__
    assert isinstance(m.buf, np.ndarray)  # torch-like: the buffer reads as the array
    m.register_parameter("z", None)
    m.register_buffer("empty", None)
    assert m.z is None and m.empty is None
    assert [n for n, _ in m.named_parameters()] == ["w", "sub.weight", "sub.bias"]


def test_reassignment_moves_between_kinds():
    m = nn.Module()
    m.x = nn.Parameter(np.zeros(2))
    m.x = nn.Buffer(np.ones(2))
    assert "x" not in m._parameters and "x" in m._buffers
    m.x = nn.Linear(1, 1)
    assert "x" not in m._buffers and "x" in m._modules
    m.x = nn.Parameter(np.zeros(3))
    assert "x" not in m._modules and m._parameters["x"].shape == (3,)
    m.plain = 5
    m.plain = nn.Parameter(np.zeros(1))
    assert "plain" not in m.__dict__ and "plain" in m._parameters
    m.register_buffer("plain", np.ones(1), persistent=False)
    assert "plain" in m._buffers and "plain" in m._non_persistent_buffers
    m.register_buffer("plain", np.ones(1))
    assert "plain" not in m._non_persistent_buffers
    # assigning an array to a buffer name keeps it a buffer
    m.plain = np.full(1, 7.0)
    assert m._buffers["plain"][0] == 7.0


def test_bad_assignments_raise():
    m = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        m.weight = np.zeros((2, 2))
    m.bias = None  # allowed: an empty parameter slot
    assert m.bias is None and "bias" in m._parameters
    with pytest.raises(TypeError, match="submodule"):
        m.add_module("x", 3)
    with pytest.raises(TypeError, match="Sequential takes Modules"):
        nn.Sequential(nn.ReLU()).add_module("x", 3)
    with pytest.raises(KeyError, match="forward"):
        m.register_buffer("forward", np.zeros(1))
    with pytest.raises(KeyError, match="'.'"):
        m.register_parameter("a.b", None)
    with pytest.raises(TypeError, match="nn.Parameter"):
        m.register_parameter("q", fw.Variable(np.zeros(1)))
    with pytest.raises(TypeError, match="buffer"):
        m.register_buffer("q", [1, 2])

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.zeros(1))

    with pytest.raises(AttributeError, match="super"):
        Early()


def test_delattr_and_dir():
    m = nn.Linear(2, 2)
    assert "weight" in dir(m)
    del m.bias
    assert "bias" not in m._parameters
    with pytest.raises(AttributeError, match="bias"):
        m.bias  # noqa: B018


def test_traversal_shared_once_and_order():
    shared = nn.Linear(2, 2)
    root = nn.Module()
    root.first = shared
    root.seq = nn.Sequential(nn.ReLU(), shared)
    root.second = shared
    names = [n for n, _ in root.named_modules()]
    assert names == ["", "first", "seq", "seq.0"]
    assert [n for n, _ in root.named_parameters()] == ["first.weight", "first.bias"]
    assert [n for n, _ in root.named_children()] == ["first", "seq"]
    assert len(list(root.children())) == 2
    assert len(list(root.parameters())) == 2
    assert [n for n, _ in root.seq.named_parameters(prefix="seq")] == ["seq.1.weight",
                                                                       "seq.1.bias"]
    assert list(root.named_parameters(recurse=False)) == []
    # state_dict lists the shared module under every name (as torch)
    assert list(root.state_dict()) == ["first.weight", "first.bias", "seq.1.weight",
                                       "seq.1.bias", "second.weight", "second.bias"]


def test_named_buffers_and_modules_iterators():
    net = Net()
    assert [n for n, _ in net.named_buffers()] == ["a.count", "b.count"]
    assert len(list(net.buffers())) == 2
    assert [type(m).__name__ for m in net.modules()] == ["Net", "Block", "Linear", "Block",
                                                         "Linear", "Linear"]


def test_get_submodule_parameter_buffer():
    net = Net()
    assert net.get_submodule("a.fc") is net.a.fc
    assert net.get_submodule("") is net
    assert net.get_parameter("a.fc.weight") is net.a.fc.weight
    assert net.get_parameter("head.bias") is net.head.bias
    assert net.get_buffer("b.count") is net.b.count
    with pytest.raises(AttributeError, match=r"no submodule 'zz'.*'a\.zz\.fc'"):
        net.get_submodule("a.zz.fc")
    with pytest.raises(AttributeError, match="no parameter 'nope'"):
        net.get_parameter("a.fc.nope")
    with pytest.raises(AttributeError, match="no buffer 'scale'"):
        net.get_buffer("a.scale")
    with pytest.raises(AttributeError, match="'missing'"):
        net.get_parameter("missing.weight")


def test_apply_children_first_returns_self():
    net = Net()
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "Block", "Linear", "Block", "Linear", "Net"]
    net.apply(lambda m: nn.init.zeros_(m.weight) if isinstance(m, nn.Linear) else None)
    assert all(np.all(m.weight.data == 0) for m in net.modules() if isinstance(m, nn.Linear))


def test_train_eval():
    net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout()))
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="bool"):
        net.train("no")


def test_zero_grad_and_requires_grad():
    net = Net()
    y = net(np.ones((2, 3), np.float32)).sum()
    y.backward()
    assert all(p.grad is not None for p in net.parameters())
    net.cleargrads()
    assert all(p.grad is None for p in net.parameters())
    assert net.requires_grad_(False) is net
    assert not any(p.requires_grad for p in net.parameters())
    y = net(np.ones((2, 3), np.float32))
    assert y.creator is None  # nothing needs a gradient: no graph
    net.requires_grad_(True)
    net(np.ones((2, 3), np.float32)).sum().backward()
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_to_cpu_and_dtype(monkeypatch):
    net = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    w = net[0].weight
    assert net.to("cpu") is net and net.to_cpu() is net
    assert net[0].weight is w
    net.to(np.float64)
    assert net[0].weight.dtype == np.float64
    assert net[1].running_mean.dtype == np.float64
    assert net[1].num_batches_tracked.dtype == np.int64
    net.float()
    assert net[0].weight.dtype == np.float32
    with pytest.raises(DeviceError, match="unknown device 'tpu'"):
        net.to("tpu")
    # the probe's answer is replaced, so the no-GPU path runs on GPU machines too
    monkeypatch.setattr(fw.backend, "_gpu_status", (False, "no CUDA device is visible"))
    with pytest.raises(DeviceError, match="'gpu:0' was asked for but no GPU is usable"):
        net.to_gpu()
    assert net[0].weight is w and fw.backend.device_of(net[0].weight.data) == "cpu"


def test_repr_like_pytorch():
    net = nn.Sequential(nn.Linear(4, 3), nn.Sequential(nn.ReLU(), nn.Dropout(0.2)))
    assert repr(net) == textwrap.dedent("""\
        Sequential(
          (0): Linear(in_features=4, out_features=3, bias=True)
          (1): Sequential(
            (0): ReLU()
            (1): Dropout(p=0.2, inplace=False)
          )
        )""")
    assert repr(nn.Conv2d(1, 2, 3, bias=False)) == \
        "Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), bias=False)"


def test_forward_missing():
    with pytest.raises(NotImplementedError, match="Module has no forward"):
        nn.Module()(1)


def test_fast_path_calls_forward_directly():
    calls = []

    class M(nn.Module):
        def forward(self, x):
            calls.append(x)
            return x

    m = M()
    assert not m._all_hooks
    assert m(3) == 3 and calls == [3]
    h = m.register_forward_hook(lambda mod, a, out: out + 1)
    assert m(3) == 4
    h.remove()
    assert not m._all_hooks and m(3) == 3


def test_three_kinds_of_state():
    """A plain array: no grad, no update, not saved; Parameter: grad, update, saved;
    buffer: no grad, no update, saved (a non-persistent one is not)."""
    from framework import optim

    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.p = nn.Parameter(np.ones(3, np.float32))
            self.register_buffer("buf", np.full(3, 2.0, np.float32))
            self.register_buffer("tmp", np.full(3, 5.0, np.float32), persistent=False)
            self.plain = np.full(3, 3.0, np.float32)

        def forward(self, x):
            return (x * self.p * self.buf * self.tmp * self.plain).sum()

    m = M()
    opt = optim.SGD(m.parameters(), lr=0.1)
    m(np.ones(3, np.float32)).backward()
    assert np.allclose(m.p.grad.data, 30.0)
    opt.step()
    assert np.allclose(m.p.data, 1 - 0.1 * 30)            # parameter updated
    assert np.all(m.buf == 2.0) and np.all(m.tmp == 5.0)  # buffers untouched
    assert np.all(m.plain == 3.0)
    assert [p for p in m.parameters()] == [m.p]            # the optimizer sees only p
    assert list(m.state_dict()) == ["p", "buf"]            # plain and non-persistent unsaved
    assert [n for n, _ in m.named_buffers()] == ["buf", "tmp"]


def test_state_dict_order_stable_across_processes():
    code = textwrap.dedent("""
        import numpy as np
        from framework import nn
        m = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.LSTM(3, 4, num_layers=2),
                          nn.ModuleDict({"z": nn.Linear(1, 1), "a": nn.Embedding(3, 2)}))
        print(",".join(m.state_dict()))
    """)
    outs = [subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                           text=True, check=True, env={"PYTHONHASHSEED": str(seed),
                                                       "PATH": "/usr/bin:/bin"}).stdout
            for seed in (1, 2)]
    assert outs[0] == outs[1]
    keys = outs[0].strip().split(",")
    assert keys[:7] == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                        "1.running_var", "1.num_batches_tracked"]
    assert keys[-3:] == ["3.z.weight", "3.z.bias", "3.a.weight"]


def test_a_tensor_registers_as_a_buffer_as_in_pytorch_tutorials():
    # the Transformer tutorial's PositionalEncoding: self.register_buffer("pe", pe)
    import math

    import framework as torch

    class PositionalEncoding(nn.Module):
        def __init__(self, d_model, max_len=50):
            super().__init__()
            position = torch.arange(max_len).unsqueeze(1)
            div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
            pe = torch.zeros(max_len, 1, d_model)
            pe[:, 0, 0::2] = torch.sin(position * div_term)
            pe[:, 0, 1::2] = torch.cos(position * div_term)
            self.register_buffer("pe", pe)

        def forward(self, x):
            return x + self.pe[:x.size(0)]

    m = PositionalEncoding(4)
    assert "pe" in dict(m.named_buffers()) and "pe" in m.state_dict()
    assert not any(n == "pe" for n, _ in m.named_parameters())
    out = m(torch.zeros(3, 2, 4))
    np.testing.assert_allclose(out.data[1, 0], [math.sin(1), math.cos(1), math.sin(0.01),
                                                math.cos(0.01)], rtol=1e-6)


def test_rnn_flatten_parameters_after_loading_changes_nothing():
    # pytorch/examples word_language_model calls it after torch.load
    import framework as torch
    np.random.seed(0)
    lstm, twin = nn.LSTM(3, 4, num_layers=2), nn.LSTM(3, 4, num_layers=2)
    twin.load_state_dict(lstm.state_dict())
    assert twin.flatten_parameters() is None
    x = torch.randn(5, 2, 3)
    np.testing.assert_array_equal(twin(x)[0].data, lstm(x)[0].data)
