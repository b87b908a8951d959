"""nn behaviours where PyTorch's exact semantics are easy to miss.

Re-assigning a registered name keeps its position, Module.zero_grad(set_to_none),
remove_duplicate on named_parameters/named_buffers, hooks with keyword arguments,
Embedding's padding_idx gradient and CrossEntropyLoss's label smoothing.
"""
import numpy as np
import pytest

import framework as fw
from framework import nn


# --------------------------------------------------------------------------- registration order
def test_sequential_setitem_keeps_the_position_in_forward():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 4))
    seq[0] = nn.Linear(2, 3)
    assert [name for name, _ in seq.named_children()] == ["0", "1", "2"]
    assert seq(np.ones((1, 2), np.float32)).shape == (1, 4)


def test_modulelist_setitem_keeps_the_position():
    layers = nn.ModuleList([nn.Linear(1, 1), nn.Tanh(), nn.Linear(1, 1)])
    layers[1] = nn.ReLU()
    assert [type(m).__name__ for m in layers] == ["Linear", "ReLU", "Linear"]


def test_replacing_a_submodule_keeps_state_dict_order():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Linear(2, 2)
            self.fc = nn.Linear(2, 2)
            self.out = nn.Linear(2, 1)

    net = Net()
    net.fc = nn.Linear(2, 2)  # the transfer-learning idiom
    assert list(net.state_dict()) == ["body.weight", "body.bias", "fc.weight", "fc.bias",
                                      "out.weight", "out.bias"]
    assert "(fc)" in repr(net).split("(out)")[0]


def test_reassigning_a_parameter_or_buffer_keeps_its_position():
    lin = nn.Linear(2, 2)
    lin.weight = nn.Parameter(np.zeros((2, 2), np.float32))
    assert [n for n, _ in lin.named_parameters()] == ["weight", "bias"]
    bn = nn.BatchNorm1d(2)
    bn.register_buffer("running_mean", np.ones(2, np.float32))
    assert list(bn.state_dict())[2:] == ["running_mean", "running_var", "num_batches_tracked"]


def test_tied_weights_keep_torch_key_order():
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 2)
            self.b = nn.Linear(2, 2)
            self.b.weight = self.a.weight

    model = Tied()
    assert list(model.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    assert [n for n, _ in model.named_parameters()] == ["a.weight", "a.bias", "b.bias"]
    sd = {k: np.full_like(v, 2.0) for k, v in model.state_dict().items()}
    assert model.load_state_dict(sd) == ([], [])
    assert model.b.weight is model.a.weight


def test_a_name_moving_to_another_kind_leaves_the_old_one():
    m = nn.Module()
    m.x = nn.Parameter(np.zeros(1, np.float32))
    m.x = nn.Linear(1, 1)
    assert "x" not in m._parameters and list(m._modules) == ["x"]
    m.x = nn.Buffer(np.zeros(2))
    assert "x" not in m._modules and list(m._buffers) == ["x"]


# --------------------------------------------------------------------------- grads and traversal
def test_module_zero_grad_set_to_none_false_zeroes_in_place():
    lin = nn.Linear(2, 1)
    lin(np.ones((3, 2), np.float32)).sum().backward()
    grad = lin.weight.grad
    lin.zero_grad(set_to_none=False)
    assert lin.weight.grad is grad and not np.any(grad.data)
    lin.zero_grad()
    assert lin.weight.grad is None and lin.bias.grad is None


def test_named_parameters_remove_duplicate_false_lists_shared_ones_twice():
    shared = nn.Linear(1, 1)
    seq = nn.Sequential(shared, shared)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert [n for n, _ in seq.named_parameters(remove_duplicate=False)] == [
        "0.weight", "0.bias", "1.weight", "1.bias"]
    bn = nn.BatchNorm1d(2)
    seq2 = nn.Sequential(bn, bn)
    assert len(list(seq2.named_buffers(remove_duplicate=False))) == 6
    assert len(list(seq2.named_buffers())) == 3


# --------------------------------------------------------------------------- hooks with kwargs
class _Scale(nn.Module):
    def forward(self, x, scale=1.0):
        return x * scale


def test_forward_pre_hook_with_kwargs_sees_and_replaces_them():
    m = _Scale()
    seen = []

    def pre(module, args, kwargs):
        seen.append(dict(kwargs))
        return args, {"scale": kwargs["scale"] * 10}

    m.register_forward_pre_hook(pre, with_kwargs=True)
    out = m(np.ones(2, np.float32), scale=2.0)
    assert seen == [{"scale": 2.0}]
    np.testing.assert_allclose(out.data, [20.0, 20.0])


def test_forward_hook_with_kwargs_gets_args_kwargs_output():
    m = _Scale()
    got = []
    handle = m.register_forward_hook(
        lambda module, args, kwargs, out: got.append((len(args), kwargs, out.shape)),
        with_kwargs=True)
    m(np.ones(3, np.float32), scale=3.0)
    assert got == [(1, {"scale": 3.0}, (3,))]
    handle.remove()
    m(np.ones(3, np.float32))
    assert len(got) == 1


def test_forward_pre_hook_with_kwargs_must_return_a_pair():
    m = _Scale()
    m.register_forward_pre_hook(lambda mod, args, kwargs: args, with_kwargs=True)
    with pytest.raises(RuntimeError, match="args, kwargs"):
        m(np.ones(1, np.float32))


# --------------------------------------------------------------------------- Embedding
def test_embedding_padding_idx_row_gets_no_gradient():
    emb = nn.Embedding(5, 3, padding_idx=0)
    emb.weight.data[0] = 7.0  # a user-set padding vector is returned as it is
    out = emb(np.array([[0, 1, 0, 2]]))
    np.testing.assert_array_equal(out.data[0, 0], [7.0, 7.0, 7.0])
    (out * out).sum().backward()
    grad = emb.weight.grad.data
    np.testing.assert_array_equal(grad[0], 0.0)
    np.testing.assert_allclose(grad[1], 2 * emb.weight.data[1])
    np.testing.assert_array_equal(grad[3:], 0.0)


def test_embedding_negative_padding_idx_masks_the_last_row():
    emb = nn.Embedding(4, 2, padding_idx=-1)
    emb(np.array([3, 3, 1])).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.data[3], 0.0)
    np.testing.assert_array_equal(emb.weight.grad.data[1], 1.0)


# --------------------------------------------------------------------------- label smoothing
def _log_softmax(x, axis=1):
    x = x - x.max(axis=axis, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=axis, keepdims=True))


def _smoothed_reference(logits, target, eps, weight=None, ignore_index=-100,
                        reduction="mean"):
    """PyTorch's formula: (1-eps)*nll + eps/C * sum_c(-w_c*logp_c), masked."""
    logp = _log_softmax(logits.astype(np.float64))
    n, c = logp.shape
    w = np.ones(c) if weight is None else weight.astype(np.float64)
    valid = target != ignore_index
    safe = np.where(valid, target, 0)
    w_t = w[safe] * valid
    nll = -logp[np.arange(n), safe] * w_t
    smooth = -(logp * w).sum(axis=1) * valid
    if reduction == "none":
        return (1 - eps) * nll + eps / c * smooth
    if reduction == "sum":
        return (1 - eps) * nll.sum() + eps / c * smooth.sum()
    denom = w_t.sum()
    return (1 - eps) * nll.sum() / denom + eps / c * smooth.sum() / denom


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_label_smoothing_matches_torch_formula(reduction, weighted):
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((6, 4))
    target = np.array([0, 3, 1, 2, 3, 1])
    weight = np.array([1.0, 2.0, 0.5, 3.0]) if weighted else None
    loss = nn.CrossEntropyLoss(weight=weight, ignore_index=1, reduction=reduction,
                               label_smoothing=0.2)
    got = loss(fw.Variable(logits), target)
    want = _smoothed_reference(logits, target, 0.2, weight, 1, reduction)
    np.testing.assert_allclose(got.data, want, rtol=1e-10)


def test_cross_entropy_label_smoothing_gradient_and_probability_targets():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((3, 5))
    target = np.array([4, 0, 2])
    x = fw.Variable(logits.copy())
    nn.CrossEntropyLoss(label_smoothing=0.1)(x, target).backward()
    q = np.full((3, 5), 0.1 / 5)
    q[np.arange(3), target] += 0.9
    p = np.exp(_log_softmax(logits))
    np.testing.assert_allclose(x.grad.data, (p - q) / 3, rtol=1e-10)
    # Probability targets are mixed with the uniform distribution the same way.
    probs = np.eye(5)[target]
    got = nn.CrossEntropyLoss(label_smoothing=0.1)(fw.Variable(logits), probs)
    want = -(_log_softmax(logits) * q).sum(axis=1).mean()
    np.testing.assert_allclose(got.data, want, rtol=1e-10)


def test_cross_entropy_label_smoothing_zero_is_unchanged_and_bad_values_fail():
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((4, 3)).astype(np.float32)
    target = np.array([0, 1, 2, 1])
    a = nn.CrossEntropyLoss()(logits, target).data
    b = nn.CrossEntropyLoss(label_smoothing=0.0)(logits, target).data
    assert a == b
    with pytest.raises(ValueError, match="label_smoothing"):
        nn.CrossEntropyLoss(label_smoothing=1.5)
    assert "label_smoothing=0.1" in repr(nn.CrossEntropyLoss(label_smoothing=0.1))


# --------------------------------------------------------------------------- layers
@pytest.mark.parametrize("shape", [(1, 3), (1, 3, 1), (1, 3, 1, 1)])
def test_batchnorm_refuses_one_value_per_channel_in_training(shape):
    bn = nn.BatchNorm1d(3) if len(shape) < 4 else nn.BatchNorm2d(3)
    x = np.ones(shape, np.float32)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(x)
    assert int(bn.num_batches_tracked) == 0  # nothing was updated
    assert bn.eval()(x).shape == shape  # running statistics: any batch size
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3, track_running_stats=False).eval()(np.ones((1, 3), np.float32))
    assert bn.train()(np.ones((2,) + shape[1:], np.float32)).shape[0] == 2


def test_inplace_flags_are_accepted_and_printed_like_pytorch():
    x = np.array([-1.0, 2.0], np.float32)
    np.testing.assert_array_equal(nn.ReLU(inplace=True)(x).data, [0.0, 2.0])
    np.testing.assert_allclose(nn.LeakyReLU(0.1, inplace=True)(x).data, [-0.1, 2.0])
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.Dropout(0.1, inplace=True)) == "Dropout(p=0.1, inplace=True)"
    assert x.tolist() == [-1.0, 2.0]  # the input is never overwritten
