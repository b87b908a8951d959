"""A Parameter's ``.data``: still numpy's array (DeZero), and PyTorch scripts may write
through it in place (``param.data.add_(...)``, ``m.weight.data.normal_(...)``)."""
import copy
import pickle

import numpy as np
import pytest

import framework as torch
import framework.nn.functional as F
from framework import Variable, nn


def _param(values=(1.0, -2.0, 3.0)):
    return nn.Parameter(np.array(values, dtype=np.float32))


def test_the_pytorch_regression_example_loop_learns_the_polynomial():
    # pytorch/examples regression/main.py with the import renamed: SGD written by hand
    # through param.data.add_; it stops once the loss is below 1e-3
    torch.manual_seed(0)
    np.random.seed(0)
    w_target, b_target = torch.randn(4, 1) * 5, torch.randn(1) * 5
    fc = torch.nn.Linear(4, 1)
    for batch in range(1, 20000):
        x = torch.randn(32).unsqueeze(1)
        x = torch.cat([x ** i for i in range(1, 5)], 1)
        y = x.mm(w_target) + b_target.item()
        fc.zero_grad()
        output = F.smooth_l1_loss(fc(x), y)
        loss = output.item()
        output.backward()
        for param in fc.parameters():
            param.data.add_(-0.1 * param.grad)
        if loss < 1e-3:
            break
    assert loss < 1e-3 and batch < 19999
    np.testing.assert_allclose(fc.weight.data.reshape(-1), w_target.data.reshape(-1),
                               atol=0.1)
    assert fc.bias.data[0] == pytest.approx(float(b_target.data[0]), abs=0.1)


@pytest.mark.parametrize("call, want", [
    (lambda d: d.add_(np.float32(2)), [3, 0, 5]),
    (lambda d: d.add_(Variable(np.ones(3, np.float32)), alpha=-2), [-1, -4, 1]),
    (lambda d: d.add_(-2, np.ones(3, np.float32)), [-1, -4, 1]),  # PyTorch's old order
    (lambda d: d.sub_(Variable(np.ones(3, np.float32)), alpha=0.5), [0.5, -2.5, 2.5]),
    (lambda d: d.mul_(2), [2, -4, 6]),
    (lambda d: d.div_(Variable(np.array([1, 2, 4], np.float32))), [1, -1, 0.75]),
    (lambda d: d.pow_(2), [1, 4, 9]),
    (lambda d: d.neg_(), [-1, 2, -3]),
    (lambda d: d.clamp_(-1, 2), [1, -1, 2]),
    (lambda d: d.clamp_(min=0), [1, 0, 3]),
    (lambda d: d.zero_(), [0, 0, 0]),
    (lambda d: d.fill_(torch.tensor(7.0)), [7, 7, 7]),
    (lambda d: d.copy_(torch.tensor([4.0, 5.0, 6.0], dtype=torch.float64)), [4, 5, 6]),
    (lambda d: d.copy_(np.float32(9)), [9, 9, 9]),  # broadcast
    (lambda d: d.masked_fill_(np.array([True, False, True]), 0), [0, -2, 0]),
    (lambda d: d.addcmul_(np.full(3, 2, np.float32), np.full(3, 3, np.float32), value=0.5),
     [4, 1, 6]),
    (lambda d: d.addcdiv_(np.ones(3, np.float32), np.full(3, 4, np.float32), value=-2),
     [0.5, -2.5, 2.5]),
    (lambda d: d.lerp_(np.zeros(3, np.float32), 0.25), [0.75, -1.5, 2.25]),
])
def test_in_place_methods_write_the_parameter_and_return_its_data(call, want):
    p = _param()
    data = p.data
    assert call(data) is data
    assert p.data is data and p.data.dtype == np.float32
    np.testing.assert_allclose(p.tolist(), want, rtol=1e-6)


def test_random_fills_follow_manual_seed_and_their_distribution():
    w = nn.Linear(200, 300).weight
    torch.manual_seed(3)
    w.data.normal_(0.0, 0.02)
    first = w.data.copy()
    assert abs(first.mean()) < 1e-3 and first.std() == pytest.approx(0.02, rel=0.02)
    torch.manual_seed(3)
    w.data.normal_(0.0, 0.02)
    np.testing.assert_array_equal(w.data, first)
    w.data.uniform_(-0.1, 0.1)
    assert -0.1 <= w.data.min() and w.data.max() <= 0.1 and w.data.std() > 0.05


def test_a_module_sees_what_was_written_through_data():
    layer = nn.Linear(3, 2)
    layer.weight.data.fill_(1.0)
    layer.bias.data.zero_()
    out = layer(torch.tensor([[1.0, 2.0, 3.0]]))
    assert out.tolist() == [[6.0, 6.0]]


def test_writes_through_data_are_not_recorded_by_autograd():
    p = _param()
    y = (p * 2).sum()
    p.data.mul_(10)  # as PyTorch's .data: no version bump, no graph
    y.backward()
    assert p.grad.tolist() == [2.0, 2.0, 2.0]


def test_it_is_still_numpys_array():
    p = _param()
    d = p.data
    assert isinstance(d, np.ndarray) and not isinstance(d, Variable)
    assert repr(d) == repr(np.array([1.0, -2.0, 3.0], dtype=np.float32))
    assert str(d) == str(np.array([1.0, -2.0, 3.0], dtype=np.float32))
    # DeZero's update through .data keeps working and keeps the array
    p.grad = Variable(np.ones(3, np.float32))
    p.data -= 0.5 * p.grad.data
    assert p.data is d and d.tolist() == [0.5, -2.5, 2.5]
    # numpy meanings are unchanged: size is the element count, view takes a dtype
    assert d.size == 3 and d.view(np.int32).dtype == np.int32
    assert d.max(axis=0) == 2.5 and d.transpose().shape == (3,)


def test_arithmetic_on_it_gives_plain_arrays():
    w = nn.Linear(4, 3).weight
    x = np.ones((2, 4), np.float32)
    for result in (x @ w.data.T, w.data @ x.T, w.data + x[0, :1], np.exp(w.data) + np.ones((3, 1), np.float32)):
        assert type(result) is np.ndarray
    out = nn.Linear(4, 3)(torch.tensor(x))
    assert type(out.data) is np.ndarray


def test_clone_numpy_and_cpu():
    p = _param()
    c = p.data.clone()
    c.fill_(0)
    assert p.tolist() == [1.0, -2.0, 3.0]
    n = p.data.numpy()
    assert type(n) is np.ndarray and np.shares_memory(n, p.data)
    assert p.data.cpu() is p.data


def test_pickles_deep_copies_and_state_dicts_hold_plain_values():
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    back = pickle.loads(pickle.dumps(model[0].weight.data))
    assert type(back) is np.ndarray
    np.testing.assert_array_equal(back, model[0].weight.data)
    twin = copy.deepcopy(model)
    twin[0].weight.data.fill_(0.5)
    assert not np.any(model[0].weight.data == 0.5)
    fresh = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    fresh.load_state_dict(model.state_dict())
    fresh[0].weight.data.add_(1.0)  # a loaded parameter takes in-place writes too
    np.testing.assert_allclose(fresh[0].weight.data, model[0].weight.data + 1.0)


def test_assigning_new_data_keeps_the_methods():
    p = _param()
    p.data = np.zeros(2, np.float64)
    assert p.data.fill_(4).tolist() == [4.0, 4.0] and p.dtype == np.float64


def test_a_gradients_data_takes_the_in_place_methods_too():
    # the pre-1.5 SGD that scripts still copy: d_p = p.grad.data; d_p.add_(wd, p.data);
    # p.data.add_(-lr, d_p); and the DQN tutorial's p.grad.data.clamp_(-1, 1)
    p = _param((1.0, -2.0, 3.0))
    (p * torch.tensor([4.0, 0.5, -3.0])).sum().backward()
    d_p = p.grad.data
    d_p.add_(0.1, p.data)
    np.testing.assert_allclose(p.grad.tolist(), [4.1, 0.3, -2.7], rtol=1e-6)
    p.grad.data.clamp_(-1, 1)
    assert p.grad.tolist() == [1.0, pytest.approx(0.3), -1.0]
    p.data.add_(-0.5, p.grad.data)
    np.testing.assert_allclose(p.tolist(), [0.5, -2.15, 3.5], rtol=1e-6)
    p.grad.data.zero_()
    assert p.grad.tolist() == [0.0, 0.0, 0.0]
    # a second backward accumulates into a gradient that still takes them
    (p * 2).sum().backward()
    assert p.grad.data.mul_(0.5).tolist() == [1.0, 1.0, 1.0]
