"""The cases that used to be silently wrong: comparisons, in-place updates, conversions."""
import numpy as np
import pytest

import framework as fw
import framework.functions as F
from framework import Variable, nn
from framework.errors import DeviceError
from framework.utils import numerical_grad


# ---------------------------------------------------------------------- comparisons
def test_comparisons_are_elementwise_in_both_operand_orders():
    t = fw.tensor([1, 2, 3])
    arr = np.array([1, 0, 3])
    for got, want in [(t == arr, [True, False, True]), (arr == t, [True, False, True]),
                      (t != arr, [False, True, False]), (arr != t, [False, True, False]),
                      (t > 1, [False, True, True]), (1 < t, [False, True, True]),
                      (t <= 2, [True, True, False]), (2 >= t, [True, True, False]),
                      (arr < t, [False, True, False]), (t.eq(arr), [True, False, True]),
                      (t == fw.tensor([1, 1, 1]), [True, False, False]),
                      (np.int64(2) == t, [False, True, False]), (t.ge(2), [False, True, True])]:
        assert isinstance(got, Variable) and got.dtype == np.bool_, got
        assert got.tolist() == want
        assert got.creator is None and not got.requires_grad


def test_accuracy_idiom_counts_matches():
    pred = fw.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]], requires_grad=True)
    y = fw.tensor([1, 0, 0])
    assert (pred.argmax(1) == y).sum().item() == 2
    assert (pred.argmax(dim=1) == y.numpy()).float().mean().item() == pytest.approx(2 / 3)


def test_variables_still_hash_by_identity():
    a, b = Variable(np.zeros(3)), Variable(np.zeros(3))
    seen = {a, b}
    assert len(seen) == 2 and a in seen and b in seen
    table = {a: "a", b: "b"}
    assert table[a] == "a" and table[b] == "b"
    assert hash(a) != hash(b)
    model = nn.Linear(2, 2)
    params = set(model.parameters())
    assert model.weight in params and len(params) == 2


def test_comparison_result_truth_value():
    assert bool(fw.tensor(3) == 3) and not bool(fw.tensor(3) == 4)
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(fw.tensor([1, 2]) == 1)
    assert (fw.tensor([1.0]) == None) is False  # noqa: E711 - PyTorch's answer


# ---------------------------------------------------------------------- conversions
def test_python_number_conversions():
    t = fw.tensor([2.5])
    assert float(t) == 2.5 and int(fw.tensor(7)) == 7 and f"{fw.tensor(3.14159):.3f}" == "3.142"
    assert np.array_equal(np.array(fw.tensor([[1, 2]])), [[1, 2]])
    assert np.asarray(t) is t.data  # the same memory
    with pytest.raises(RuntimeError, match="one element"):
        float(fw.tensor([1.0, 2.0]))
    x = fw.zeros(2, 3)
    assert x.size(0) == 2 and x.size(1) == 3 and x.size(-1) == 3 and x.size() == (2, 3)
    assert x.size == 6 and x.numel() == 6 and x.size * 2 == 12
    with pytest.raises(IndexError, match="out of range"):
        x.size(2)


def test_sum_dim_keepdim_and_axis_keepdims():
    a = np.arange(6.0).reshape(2, 3)
    x = fw.tensor(a)
    assert np.array_equal(x.sum(dim=1).numpy(), a.sum(1))
    assert np.array_equal(x.sum(1, True).numpy(), a.sum(1, keepdims=True))
    assert np.array_equal(x.sum(axis=0, keepdims=True).numpy(), a.sum(0, keepdims=True))
    assert np.array_equal(x.sum(dim=(0, 1)).numpy(), a.sum())
    assert np.array_equal(x.reshape((3, 2)).numpy(), x.reshape(3, 2).numpy())


def test_transpose_keeps_both_meanings():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = fw.tensor(a)
    assert np.array_equal(x.transpose(0, 1).numpy(), a.swapaxes(0, 1))  # PyTorch: swap two
    assert np.array_equal(x.transpose(2, 0, 1).numpy(), a.transpose(2, 0, 1))  # DeZero
    assert np.array_equal(x.transpose().numpy(), a.transpose())
    assert np.array_equal(x.transpose((1, 0, 2)).numpy(), a.transpose(1, 0, 2))
    m = fw.tensor(a[0])
    assert np.array_equal(m.transpose(0, 1).numpy(), a[0].T)


# ---------------------------------------------------------------------- in place
def test_no_grad_update_changes_the_models_parameter():
    model = nn.Linear(3, 2)
    x = fw.randn(4, 3)
    loss = (model(x) ** 2).sum()
    loss.backward()
    before = model.weight.data.copy()
    weight_obj, array_obj = model.weight, model.weight.data
    lr = 0.1
    with fw.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
    assert model.weight is weight_obj and model.weight.data is array_obj
    assert np.allclose(model.weight.data, before - lr * model.weight.grad.data)


def test_data_minus_equals_keeps_an_array():
    p = nn.Parameter(np.ones(3, dtype=np.float32))
    p.grad = Variable(np.full(3, 2.0, dtype=np.float32))
    p.data -= 0.5 * p.grad
    assert isinstance(p.data, np.ndarray) and p.data.tolist() == [0.0, 0.0, 0.0]


def test_grad_zero_():
    w = fw.ones(2, requires_grad=True)
    (w * 3).sum().backward()
    g = w.grad
    assert w.grad.zero_() is g and w.grad.tolist() == [0.0, 0.0]


def test_in_place_on_a_leaf_that_requires_grad_raises():
    w = fw.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad.*no_grad"):
        w += 1
    with pytest.raises(RuntimeError, match="leaf"):
        w.add_(1)
    with fw.no_grad():
        w.add_(1)
    assert w.tolist() == [2.0, 2.0]


def test_value_changed_after_saved_for_backward_raises_at_backward():
    x = fw.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = (h * h).sum()  # Mul saves h
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an in-place operation.*Mul"):
        y.backward()
    # an output that its function reads back (exp) is protected too
    e = x.exp()
    s = e.sum()
    with fw.no_grad():
        e.mul_(2)
    with pytest.raises(RuntimeError, match="output of Exp"):
        s.backward()
    # a parameter changed between forward and backward
    p = nn.Parameter(np.ones(2))
    out = (p * x).sum()
    with fw.no_grad():
        p -= 1
    with pytest.raises(RuntimeError, match="in-place"):
        out.backward()


def test_in_place_where_backward_does_not_need_the_value_is_allowed():
    x = fw.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = (h + 1).sum()  # add needs no values
    h.add_(1)
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_recorded_in_place_gives_the_right_gradient():
    xd = np.array([0.5, -1.0, 2.0])

    def f(x):
        h = x * x
        h.mul_(3)  # recorded: h is a non-leaf
        h += x     # recorded through the operator as well
        return h.sum()

    x = Variable(xd.copy())
    f(x).backward()
    assert np.allclose(x.grad.data, 6 * xd + 1)
    assert np.allclose(x.grad.data, numerical_grad(lambda v: f(v), Variable(xd.copy())))


def test_loss_plus_equals_in_a_recorded_graph():
    rng = np.random.default_rng(0)
    w = Variable(rng.standard_normal((3, 1)))
    xs = [rng.standard_normal((4, 3)) for _ in range(3)]
    ts = [rng.standard_normal((4, 1)) for _ in range(3)]

    def total(wv):
        loss = 0  # the book's RNN loop starts from the int 0
        for x, t in zip(xs, ts):
            loss += F.mean_squared_error(F.matmul(x, wv), t)
        return loss

    total(w).backward()
    want = sum(2 * x.T @ (x @ w.data - t) / len(x) for x, t in zip(xs, ts))
    assert np.allclose(w.grad.data, want)
    w2 = Variable(w.data.copy())
    loss = F.mean_squared_error(F.matmul(xs[0], w2), ts[0])  # a non-leaf from the start
    loss += F.mean_squared_error(F.matmul(xs[1], w2), ts[1])
    loss.backward()
    want2 = sum(2 * x.T @ (x @ w.data - t) / len(x) for x, t in zip(xs[:2], ts[:2]))
    assert np.allclose(w2.grad.data, want2)


def test_assigning_a_variable_to_data_raises():
    p = nn.Parameter(np.zeros(2))
    with pytest.raises(TypeError, match="p.data = v.data"):
        p.data = Variable(np.ones(2))
    with pytest.raises(TypeError, match="cannot assign a Variable to .data"):
        Variable(Variable(np.ones(2)))
    assert isinstance(p.data, np.ndarray) and not isinstance(p.data, Variable)


def test_setitem_and_masked_fill():
    x = fw.zeros(2, 3)
    x[0, 1] = 5.0
    x[1] = fw.tensor([1.0, 2.0, 3.0])
    assert x.tolist() == [[0, 5, 0], [1, 2, 3]]
    x.masked_fill_(x > 2, -1.0)
    assert x.tolist() == [[0, -1, 0], [1, 2, -1]]
    w = fw.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = w * 1
    h[1] = 0.0
    h.sum().backward()
    assert w.grad.tolist() == [1.0, 0.0, 1.0]


# ---------------------------------------------------------------------- modules and devices
class Counter(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("count", np.array(0))
        self.register_buffer("avg", np.zeros((), dtype=np.float32))

    def forward(self, x):
        self.count = self.count + 1          # a numpy scalar
        self.avg = self.avg * 0.5 + x.mean()  # a tensor
        return x


def test_buffers_accept_scalars_numbers_and_tensors():
    m = Counter()
    m(fw.ones(2))
    m(fw.ones(2))
    assert dict(m.named_buffers())["count"].tolist() == 2
    assert isinstance(m.count, np.ndarray) and m.count.ndim == 0
    assert m.avg.dtype == np.float32 and float(m.avg) == pytest.approx(1.5)
    m.count = 10  # a Python number takes the buffer's dtype
    assert m.state_dict()["count"].dtype == np.int64 and int(m.state_dict()["count"]) == 10
    with pytest.raises(TypeError, match="buffer 'count'"):
        m.count = "ten"


def test_devices():
    d = fw.device("cuda:1")
    assert d.type == "cuda" and d.index == 1 and str(d) == "cuda:1"
    assert fw.device("cpu") == "cpu" and str(fw.device("gpu")) == "cuda"
    assert fw.device("cuda", 0) == fw.device("cuda:0") == "gpu:0"
    with pytest.raises(DeviceError, match="unknown device"):
        fw.device("tpu")
    x = fw.ones(2)
    assert x.device == fw.device("cpu") and x.to("cpu") is x and x.cpu() is x
    assert x.to(fw.float64).dtype == np.float64 and x.to("cpu", fw.float16).dtype == np.float16
    assert isinstance(fw.cuda.device_count(), int) and isinstance(fw.cuda.is_available(), bool)
    assert fw.accelerator.is_available() == fw.cuda.is_available()


def test_cuda_without_a_gpu_names_why(monkeypatch):
    from framework import backend
    monkeypatch.setattr(backend, "_gpu_status", (False, "cupy is not installed"))
    with pytest.raises(DeviceError, match="no GPU is usable: cupy is not installed"):
        fw.ones(2).cuda()
    with pytest.raises(DeviceError, match="cupy is not installed"):
        nn.Linear(2, 2).cuda()
    assert fw.accelerator.current_accelerator() is None and fw.cuda.device_count() == 0


def test_iteration_index_and_membership():
    classes = ["cat", "dog", "bird"]
    assert classes[fw.tensor([0.1, 0.7, 0.2]).argmax()] == "dog"  # __index__
    assert [v.item() for v in fw.tensor([4, 5])] == [4, 5]
    with pytest.raises(TypeError, match="0-d"):
        list(fw.tensor(1.0))  # numpy's x[0] would have ended the loop silently
    with pytest.raises(TypeError, match="single element"):
        ["a", "b"][fw.tensor([0, 1])]
    assert 2 in fw.tensor([1, 2]) and 3 not in fw.tensor([1, 2])


def test_parameters_accept_numbers_scalars_and_tensors():
    assert nn.Parameter(np.float32(1.5)).data.dtype == np.float32
    assert nn.Parameter(2.0).data.shape == ()
    t = fw.ones(3)
    p = nn.Parameter(t)
    assert np.shares_memory(p.data, t.data) and p.requires_grad  # as nn.Parameter(tensor)
