"""Forward pre-hooks, forward hooks and full backward hooks."""
import numpy as np
import pytest

import framework as fw
from framework import nn
from framework.utils import numerical_grad


def _linear64(seed=0):
    np.random.seed(seed)
    return nn.Linear(3, 2, dtype=np.float64)


def test_pre_hook_replaces_input_and_forward_hook_replaces_output():
    m = _linear64()
    x = np.ones((1, 3))
    base = m(x).data
    seen = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
    h2 = m.register_forward_hook(lambda mod, args, out: seen.append(args[0]) or out * 10)
    y = m(x)
    expected = (m.weight.data @ (2 * x[0]) + m.bias.data) * 10
    assert np.allclose(y.data[0], expected)
    assert np.allclose(seen[0], 2 * x)  # the forward hook sees the replaced input
    h1.remove()
    h2.remove()
    h2.remove()  # twice is harmless
    assert np.allclose(m(x).data, base)


def test_pre_hook_non_tuple_result_is_wrapped():
    m = nn.Identity()
    m.register_forward_pre_hook(lambda mod, args: 5)
    assert m(1) == 5


def test_hooks_run_in_registration_order_and_prepend():
    m = nn.Identity()
    order = []
    m.register_forward_hook(lambda *a: order.append("a"))
    m.register_forward_hook(lambda *a: order.append("b"))
    m.register_forward_hook(lambda *a: order.append("first"), prepend=True)
    m.register_forward_pre_hook(lambda *a: order.append("pre"))
    m(0)
    assert order == ["pre", "first", "a", "b"]


def test_chained_output_replacement():
    m = nn.Identity()
    m.register_forward_hook(lambda mod, a, out: out + 1)
    m.register_forward_hook(lambda mod, a, out: out * 3)
    assert m(1) == 6


def test_handle_as_context_manager():
    m = nn.Identity()
    with m.register_forward_hook(lambda mod, a, out: out + 1):
        assert m(1) == 2
    assert m(1) == 1 and not m._all_hooks


def test_non_callable_hook():
    with pytest.raises(TypeError, match="callable"):
        nn.Identity().register_forward_hook(3)


def test_backward_hook_values_match_numerical_gradients():
    m = _linear64()
    x_data = np.random.randn(4, 3)
    weight = np.random.randn(4, 2)  # d loss / d output
    records = []
    m.register_full_backward_hook(
        lambda mod, gin, gout: records.append((gin, gout)))
    x = fw.Variable(x_data.copy())
    y = m(x)
    (y * weight).sum().backward()
    assert len(records) == 1
    gin, gout = records[0]
    assert len(gin) == 1 and len(gout) == 1
    assert np.allclose(gout[0].data, weight)
    num = numerical_grad(lambda v: (m(v) * weight).sum(), x_data)
    assert np.allclose(gin[0].data, num, atol=1e-6)
    assert np.allclose(x.grad.data, num, atol=1e-6)


def test_backward_hook_replaces_grad_input():
    m = _linear64()
    m.register_full_backward_hook(lambda mod, gin, gout: (gin[0] * 0 + 7.0,))
    x = fw.Variable(np.random.randn(2, 3))
    m(x).sum().backward()
    assert np.allclose(x.grad.data, 7.0)
    # parameter gradients are untouched by the replacement
    assert np.allclose(m.bias.grad.data, 2.0)


def test_backward_hooks_chain_in_order_and_removal():
    m = _linear64()
    calls = []

    def first(mod, gin, gout):
        calls.append("first")
        return (gin[0] * 2,)

    def second(mod, gin, gout):
        calls.append("second")
        return (gin[0] + 1,)

    h1 = m.register_full_backward_hook(first)
    m.register_full_backward_hook(second)
    x = fw.Variable(np.ones((1, 3)))
    m(x).sum().backward()
    plain = m.weight.data.sum(axis=0)
    assert calls == ["first", "second"]
    assert np.allclose(x.grad.data[0], plain * 2 + 1)
    h1.remove()
    x.cleargrad()
    m(x).sum().backward()
    assert calls == ["first", "second", "second"]
    assert np.allclose(x.grad.data[0], plain + 1)


def test_backward_hook_fires_when_no_input_requires_grad():
    m = _linear64()
    records = []
    m.register_full_backward_hook(lambda mod, gin, gout: records.append((gin, gout)))
    x = fw.Variable(np.ones((2, 3)), requires_grad=False)
    m(x).sum().backward()
    assert len(records) == 1
    gin, gout = records[0]
    assert gin == (None,)
    assert np.allclose(gout[0].data, 1.0)
    assert m.weight.grad is not None


def test_backward_hook_with_several_inputs_and_outputs():
    class Two(nn.Module):
        def forward(self, a, b, scale):
            return a * b * scale, a + b

    m = Two()
    records = []
    m.register_full_backward_hook(lambda mod, gin, gout: records.append((gin, gout)))
    a = fw.Variable(np.array([1.0, 2.0]))
    b = fw.Variable(np.array([3.0, 4.0]), requires_grad=False)
    p, s = m(a, b, 2.0)
    (p.sum() + 3 * s.sum()).backward()
    gin, gout = records[0]
    assert len(gin) == 3 and gin[1] is None and gin[2] is None
    assert np.allclose(gin[0].data, b.data * 2 + 3)
    assert np.allclose(gout[0].data, 1.0) and np.allclose(gout[1].data, 3.0)
    assert np.allclose(a.grad.data, b.data * 2 + 3)


def test_backward_hook_on_nested_outputs_of_lstm():
    np.random.seed(0)
    lstm = nn.LSTM(2, 3, dtype=np.float64)
    records = []
    lstm.register_full_backward_hook(lambda mod, gin, gout: records.append(gout))
    x = fw.Variable(np.random.randn(4, 1, 2))
    out, (h, c) = lstm(x)
    out.sum().backward()
    assert len(records) == 1 and len(records[0]) == 3  # output, h_n, c_n
    assert records[0][1] is None and records[0][2] is None  # h_n, c_n unused


def test_backward_hook_wrong_length_is_an_error():
    m = _linear64()
    m.register_full_backward_hook(lambda mod, gin, gout: (gin[0], gin[0]))
    x = fw.Variable(np.ones((1, 3)))
    with pytest.raises(RuntimeError, match="returned 2 gradients, expected 1"):
        m(x).sum().backward()


def test_no_backward_hook_under_no_grad():
    m = _linear64()
    records = []
    m.register_full_backward_hook(lambda *a: records.append(a))
    with fw.no_grad():
        y = m(fw.Variable(np.ones((1, 3))))
    assert y.creator is None and records == []
