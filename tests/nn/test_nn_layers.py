"""Layer behaviour: shapes, PyTorch's defaults, BatchNorm statistics, dropout, RNN/LSTM."""
import math

import numpy as np
import pytest

import framework as fw
from framework import nn
from framework.utils import gradient_check


def test_linear_default_init_and_forward():
    np.random.seed(0)
    m = nn.Linear(50, 40)
    bound = 1 / math.sqrt(50)
    assert m.weight.dtype == np.float32
    assert np.abs(m.weight.data).max() <= bound and np.abs(m.bias.data).max() <= bound
    assert np.abs(m.weight.data).max() > 0.9 * bound  # uniform over the full range
    x = np.random.randn(2, 7, 50).astype(np.float32)
    y = m(x)
    assert y.shape == (2, 7, 40)
    assert np.allclose(y.data, x @ m.weight.data.T + m.bias.data, atol=1e-5)


def test_construction_reproducible_after_np_seed():
    np.random.seed(42)
    a = nn.Sequential(nn.Linear(3, 4), nn.Conv2d(1, 2, 3), nn.LSTM(2, 3))
    np.random.seed(42)
    b = nn.Sequential(nn.Linear(3, 4), nn.Conv2d(1, 2, 3), nn.LSTM(2, 3))
    for (k, v), w in zip(a.state_dict().items(), b.state_dict().values()):
        assert np.array_equal(v, w), k


def test_conv2d_output_and_init():
    np.random.seed(1)
    m = nn.Conv2d(3, 4, 3, stride=2, padding=1)
    y = m(np.random.randn(2, 3, 9, 9).astype(np.float32))
    assert y.shape == (2, 4, 5, 5)
    bound = 1 / math.sqrt(3 * 9)
    assert np.abs(m.weight.data).max() <= bound and np.abs(m.bias.data).max() <= bound


@pytest.mark.parametrize("size, k, s, p", [(5, 3, 2, 1), (4, 4, 2, 1), (3, 2, 1, 0),
                                          (7, 3, 3, 0)])
def test_conv_transpose_output_size(size, k, s, p):
    m = nn.ConvTranspose2d(2, 3, k, stride=s, padding=p)
    y = m(np.zeros((1, 2, size, size), np.float32))
    assert y.shape == (1, 3, (size - 1) * s - 2 * p + k, (size - 1) * s - 2 * p + k)


def test_conv_transpose_output_padding_and_is_conv_adjoint():
    m = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1, bias=False)
    assert m(np.zeros((1, 2, 4, 4), np.float32)).shape == (1, 3, 8, 8)
    with pytest.raises(ValueError, match="output_padding"):
        nn.ConvTranspose2d(1, 1, 3, stride=1, output_padding=1)
    # <conv(x), y> == <x, deconv(y)> when both share the weight
    np.random.seed(2)
    conv = nn.Conv2d(3, 2, 3, stride=2, padding=1, bias=False, dtype=np.float64)
    deconv = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, bias=False, dtype=np.float64)
    deconv.weight.data[...] = conv.weight.data  # (out=2, in=3) of conv is (in, out) here
    x = np.random.randn(1, 3, 7, 7)
    y = np.random.randn(1, 2, 4, 4)
    lhs = float((conv(x).data * y).sum())
    rhs = float((x * deconv(y).data).sum())
    assert math.isclose(lhs, rhs, rel_tol=1e-9)


def test_pooling_defaults():
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    mp = nn.MaxPool2d(2)
    assert mp.stride == (2, 2)
    assert np.array_equal(mp(x).data[0, 0], [[5, 7], [13, 15]])
    ap = nn.AvgPool2d(2)
    assert np.allclose(ap(x).data[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    assert nn.MaxPool2d(3, stride=1, padding=1)(x).shape == (1, 1, 4, 4)
    with pytest.raises(ValueError, match="padding"):
        nn.MaxPool2d(2, padding=2)


def test_batchnorm1d_running_stats_like_pytorch():
    np.random.seed(3)
    bn = nn.BatchNorm1d(3)
    xs = [np.random.randn(8, 3).astype(np.float32) * 2 + 1 for _ in range(3)]
    mean = np.zeros(3)
    var = np.ones(3)
    for x in xs:
        y = bn(x)
        bm, bv = x.mean(axis=0), x.var(axis=0)
        mean = 0.9 * mean + 0.1 * bm
        var = 0.9 * var + 0.1 * x.var(axis=0, ddof=1)  # unbiased running variance
        assert np.allclose(y.data, (x - bm) / np.sqrt(bv + 1e-5), atol=1e-5)
    assert np.allclose(bn.running_mean, mean, atol=1e-6)
    assert np.allclose(bn.running_var, var, atol=1e-6)
    assert int(bn.num_batches_tracked) == 3
    bn.eval()
    x = np.random.randn(4, 3).astype(np.float32)
    y = bn(x)
    assert np.allclose(y.data, (x - mean) / np.sqrt(var + 1e-5), atol=1e-5)
    assert int(bn.num_batches_tracked) == 3  # eval does not count


@pytest.mark.parametrize("shape", [(2, 3), (1, 3, 2), (3, 3, 2, 2)])
def test_batchnorm_running_var_is_unbiased_over_the_values_per_channel(shape):
    # (2, 3): two values per channel, the smallest batch with an unbiased variance
    # (factor 2); (1, 3, 2): the batch axis alone would give N = 1, no correction.
    x = np.random.default_rng(12).standard_normal(shape) * 3
    bn = {2: nn.BatchNorm1d, 3: nn.BatchNorm1d, 4: nn.BatchNorm2d}[len(shape)](
        3, dtype=np.float64)
    bn(x)
    axes = (0,) + tuple(range(2, len(shape)))
    unbiased = x.var(axis=axes, ddof=1)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * unbiased, rtol=1e-12)
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean(axis=axes), rtol=1e-12)


def test_batchnorm2d_and_3d_input_and_cumulative_momentum():
    np.random.seed(4)
    bn = nn.BatchNorm2d(2, momentum=None)
    xs = [np.random.randn(3, 2, 4, 4).astype(np.float32) + i for i in range(3)]
    for x in xs:
        y = bn(x)
        assert y.shape == x.shape
    expected = np.mean([x.mean(axis=(0, 2, 3)) for x in xs], axis=0)  # cumulative average
    assert np.allclose(bn.running_mean, expected, atol=1e-5)
    bn1 = nn.BatchNorm1d(2)
    x3 = np.random.randn(4, 2, 5).astype(np.float32)
    y3 = bn1(x3)
    assert y3.shape == (4, 2, 5)
    assert np.allclose(bn1.running_mean, 0.1 * x3.mean(axis=(0, 2)), atol=1e-6)
    with pytest.raises(ValueError, match="channels"):
        bn1(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="4-D"):
        nn.BatchNorm2d(2)(np.zeros((2, 2), np.float32))


def test_batchnorm_no_tracking_and_no_affine_and_gradient():
    bn = nn.BatchNorm1d(2, affine=False, track_running_stats=False).eval()
    x = np.array([[1.0, 2.0], [3.0, 6.0]], np.float32)
    # no running stats: batch statistics even in eval mode (as PyTorch)
    assert np.allclose(bn(x).data, [[-1, -1], [1, 1]], atol=1e-3)
    np.random.seed(5)
    bn = nn.BatchNorm1d(3, dtype=np.float64)
    bn.weight.data[...] = np.random.randn(3)
    gradient_check(lambda v: bn(v) * np.arange(12.0).reshape(4, 3), np.random.randn(4, 3))


def test_dropout_identity_in_eval_and_test_mode():
    x = np.ones((100, 100), np.float32)
    d = nn.Dropout(0.5)
    np.random.seed(0)
    y = d(x).data
    assert 0.4 < (y == 0).mean() < 0.6 and set(np.unique(y)) == {0.0, 2.0}
    d.eval()
    assert np.array_equal(d(x).data, x)
    d.train()
    with fw.test_mode():
        assert np.array_equal(d(x).data, x)
    with pytest.raises(ValueError, match="probability"):
        nn.Dropout(1.5)


def test_embedding():
    np.random.seed(6)
    e = nn.Embedding(10, 4, padding_idx=0)
    assert np.all(e.weight.data[0] == 0)
    ids = np.array([[1, 2], [2, 0]])
    y = e(ids)
    assert y.shape == (2, 2, 4)
    y.sum().backward()
    assert np.allclose(e.weight.grad.data[2], 2) and np.allclose(e.weight.grad.data[1], 1)


def test_activations_and_flatten_identity():
    x = np.array([[-2.0, 0.5, 3.0]], np.float32)
    assert np.allclose(nn.ReLU()(x).data, [[0, 0.5, 3]])
    assert np.allclose(nn.LeakyReLU()(x).data, [[-0.02, 0.5, 3]])
    assert np.allclose(nn.LeakyReLU(0.1)(x).data, [[-0.2, 0.5, 3]])
    assert np.allclose(nn.Sigmoid()(x).data, 1 / (1 + np.exp(-x)))
    assert np.allclose(nn.Tanh()(x).data, np.tanh(x))
    sm = nn.Softmax(dim=1)(x).data
    assert np.allclose(sm, np.exp(x) / np.exp(x).sum(), atol=1e-6)
    assert np.allclose(nn.LogSoftmax(dim=1)(x).data, np.log(sm), atol=1e-5)
    assert np.allclose(nn.Softmax(dim=0)(x).data, 1.0)
    img = np.zeros((2, 3, 4, 5), np.float32)
    assert nn.Flatten()(img).shape == (2, 60)
    assert nn.Flatten(0, 1)(img).shape == (6, 4, 5)
    assert nn.Flatten(2)(img).shape == (2, 3, 20)
    assert nn.Identity(1, foo=2)(img) is img


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM])
@pytest.mark.parametrize("layers, bidir, batch_first", [(1, False, False), (2, False, True),
                                                        (2, True, False)])
def test_rnn_shapes(cls, layers, bidir, batch_first):
    np.random.seed(7)
    m = cls(3, 5, num_layers=layers, bidirectional=bidir, batch_first=batch_first)
    d = 2 if bidir else 1
    x = np.random.randn(4, 2, 3).astype(np.float32)  # (T=4, N=2) or (N=4, T=2)
    out, state = m(x)
    assert out.shape == (4, 2, d * 5)
    hs = state if cls is nn.LSTM else (state,)
    for h in hs:
        assert h.shape == (layers * d, 4 if batch_first else 2, 5)
    # the last output step equals the final hidden state of the top forward layer
    last = out.data[:, -1] if batch_first else out.data[-1]
    assert np.allclose(last[:, :5], hs[0].data[(layers - 1) * d], atol=1e-6)


def test_rnn_unbatched_and_initial_state():
    np.random.seed(8)
    rnn = nn.RNN(2, 3, nonlinearity="relu")
    out, h = rnn(np.random.randn(5, 2).astype(np.float32))
    assert out.shape == (5, 3) and h.shape == (1, 3)
    with pytest.raises(ValueError, match="initial state"):
        rnn(np.zeros((5, 1, 2), np.float32), np.zeros((2, 1, 3), np.float32))
    with pytest.raises(ValueError, match="input_size"):
        rnn(np.zeros((5, 1, 4), np.float32))


def test_lstm_matches_manual_cell():
    np.random.seed(9)
    lstm = nn.LSTM(2, 3, dtype=np.float64)
    x = np.random.randn(3, 1, 2)
    h = np.zeros((1, 3))
    c = np.zeros((1, 3))
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    for t in range(3):
        g = x[t] @ lstm.weight_ih_l0.data.T + lstm.bias_ih_l0.data \
            + h @ lstm.weight_hh_l0.data.T + lstm.bias_hh_l0.data
        i, f, gg, o = np.split(g, 4, axis=1)
        c = sig(f) * c + sig(i) * np.tanh(gg)
        h = sig(o) * np.tanh(c)
    out, (hn, cn) = lstm(x)
    assert np.allclose(out.data[-1], h) and np.allclose(cn.data[0], c)


def test_lstm_gradient_check_float64():
    np.random.seed(10)
    lstm = nn.LSTM(2, 3, num_layers=2, dtype=np.float64)
    x = np.random.randn(3, 2, 2)
    h0 = np.random.randn(2, 2, 3)
    c0 = np.random.randn(2, 2, 3)

    def f(x, h0, c0):
        out, (h, c) = lstm(x, (h0, c0))
        return out.sum() + (h * h).sum() + c.sum()

    gradient_check(f, x, h0, c0, rtol=1e-5, atol=1e-7)
    # parameter gradients against central differences
    for name in ("weight_ih_l0", "weight_hh_l1", "bias_hh_l0"):
        p = lstm.get_parameter(name)
        p.cleargrad()
        f(fw.Variable(x, requires_grad=False), h0, c0).backward()
        analytic = p.grad.data.copy()
        numeric = np.zeros_like(p.data)
        flat, nflat = p.data.reshape(-1), numeric.reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + 1e-6
            up = float(f(x, h0, c0).data)
            flat[i] = orig - 1e-6
            down = float(f(x, h0, c0).data)
            flat[i] = orig
            nflat[i] = (up - down) / 2e-6
        assert np.allclose(analytic, numeric, rtol=1e-5, atol=1e-6), name


def test_rnn_init_range():
    np.random.seed(11)
    m = nn.LSTM(4, 16)
    bound = 1 / 4
    for p in m.parameters():
        assert np.abs(p.data).max() <= bound


def test_bad_layer_arguments():
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(-1, 2)
    with pytest.raises(ValueError, match="kernel_size"):
        nn.Conv2d(1, 1, 0)
    with pytest.raises(TypeError, match="floating"):
        nn.Linear(1, 1, dtype=np.int32)
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(1, 1, nonlinearity="gelu")
    with pytest.raises(ValueError, match="momentum"):
        nn.BatchNorm1d(2, momentum=2)
