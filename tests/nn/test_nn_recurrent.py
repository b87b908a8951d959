"""GRU and the cells RNNCell, LSTMCell, GRUCell: PyTorch's parameter names and gate
equations written out in numpy, batch_first and bidirectional layouts, gradients of
inputs, states and parameters against central differences (float64)."""
import math

import numpy as np
import pytest

from framework import nn
from framework.utils import gradient_check


def sig(z):
    return 1 / (1 + np.exp(-z))


def gru_step(x, h, w_ih, w_hh, b_ih, b_hh):
    """PyTorch's GRU equations, gate order (r, z, n)."""
    xr, xz, xn = np.split(x @ w_ih.T + b_ih, 3, axis=-1)
    hr, hz, hn = np.split(h @ w_hh.T + b_hh, 3, axis=-1)
    r, z = sig(xr + hr), sig(xz + hz)
    n = np.tanh(xn + r * hn)
    return (1 - z) * n + z * h


def lstm_step(x, h, c, w_ih, w_hh, b_ih, b_hh):
    i, f, g, o = np.split(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh, 4, axis=-1)
    c = sig(f) * c + sig(i) * np.tanh(g)
    return sig(o) * np.tanh(c), c


def gru_reference(m, x, h0):
    """x (T, N, in), h0 (L*D, N, H) -> output (T, N, D*H), h_n."""
    d = 2 if m.bidirectional else 1
    finals = []
    for layer in range(m.num_layers):
        outs = []
        for k, suffix in enumerate(["", "_reverse"][:d]):
            w = [m.get_parameter(f"{n}_l{layer}{suffix}").data
                 for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            h = h0[layer * d + k]
            seq = [None] * len(x)
            for t in (range(len(x) - 1, -1, -1) if k else range(len(x))):
                h = gru_step(x[t], h, *w)
                seq[t] = h
            outs.append(np.stack(seq))
            finals.append(h)
        x = np.concatenate(outs, axis=-1)
    return x, np.stack(finals)


GRU_KEYS_2_LAYERS_BIDIRECTIONAL = [
    "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
    "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
    "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
    "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse",
]


def test_gru_state_dict_keys_shapes_and_init():
    np.random.seed(0)
    m = nn.GRU(3, 4, num_layers=2, bidirectional=True)
    assert list(m.state_dict()) == GRU_KEYS_2_LAYERS_BIDIRECTIONAL
    shapes = {k: v.shape for k, v in m.state_dict().items()}
    assert shapes["weight_ih_l0"] == (12, 3) and shapes["weight_ih_l1"] == (12, 8)
    assert shapes["weight_hh_l1_reverse"] == (12, 4) and shapes["bias_ih_l0"] == (12,)
    assert all(np.abs(v).max() <= 0.5 for v in m.state_dict().values())  # 1/sqrt(4)
    assert list(nn.GRU(2, 3, bias=False).state_dict()) == ["weight_ih_l0", "weight_hh_l0"]


@pytest.mark.parametrize("batch_first", [False, True])
def test_gru_matches_the_equations(batch_first):
    np.random.seed(1)
    m = nn.GRU(3, 4, num_layers=2, bidirectional=True, batch_first=batch_first,
               dtype=np.float64)
    x = np.random.randn(5, 2, 3)  # (T, N, in)
    h0 = np.random.randn(4, 2, 4)
    out, h = m(x.transpose(1, 0, 2) if batch_first else x, h0)
    ref_out, ref_h = gru_reference(m, x, h0)
    assert np.allclose(out.data, ref_out.transpose(1, 0, 2) if batch_first else ref_out)
    assert np.allclose(h.data, ref_h)
    out0, h_zero = m(x.transpose(1, 0, 2) if batch_first else x)  # zero initial state
    assert np.allclose(h_zero.data, gru_reference(m, x, np.zeros_like(h0))[1])


def test_gru_gradients_batch_first_bidirectional(check_parameter_gradients):
    np.random.seed(2)
    m = nn.GRU(2, 3, bidirectional=True, batch_first=True, dtype=np.float64)
    x = np.random.randn(2, 3, 2)  # (N, T, in)
    h0 = np.random.randn(2, 2, 3)
    weights = np.random.randn(2, 3, 6)

    def f(x, h0):
        out, h = m(x, h0)
        return (out * weights).sum() + (h * h).sum()

    gradient_check(f, x, h0, rtol=1e-5, atol=1e-7)
    check_parameter_gradients(lambda: f(x, h0), list(m.parameters()))


def test_gru_unbatched_and_errors():
    m = nn.GRU(2, 3, dtype=np.float64)
    out, h = m(np.random.randn(4, 2))
    assert out.shape == (4, 3) and h.shape == (1, 3)
    with pytest.raises(ValueError, match="input_size"):
        m(np.zeros((4, 1, 5)))
    with pytest.raises(ValueError, match="initial state"):
        m(np.zeros((4, 1, 2)), np.zeros((2, 1, 3)))


@pytest.mark.parametrize("cls, gates", [(nn.RNNCell, 1), (nn.LSTMCell, 4), (nn.GRUCell, 3)])
def test_cell_keys_shapes_init(cls, gates):
    np.random.seed(3)
    m = cls(3, 5)
    assert [(k, v.shape) for k, v in m.state_dict().items()] == [
        ("weight_ih", (gates * 5, 3)), ("weight_hh", (gates * 5, 5)),
        ("bias_ih", (gates * 5,)), ("bias_hh", (gates * 5,))]
    bound = 1 / math.sqrt(5)
    assert all(np.abs(v).max() <= bound for v in m.state_dict().values())
    assert list(cls(3, 5, bias=False).state_dict()) == ["weight_ih", "weight_hh"]


def test_cells_match_the_equations_batched_and_unbatched():
    np.random.seed(4)
    x, h, c = np.random.randn(3, 2), np.random.randn(3, 4), np.random.randn(3, 4)
    rnn = nn.RNNCell(2, 4, nonlinearity="relu", dtype=np.float64)
    w = [rnn.weight_ih.data, rnn.weight_hh.data, rnn.bias_ih.data, rnn.bias_hh.data]
    ref = np.maximum(x @ w[0].T + w[2] + h @ w[1].T + w[3], 0)
    assert np.allclose(rnn(x, h).data, ref)
    assert np.allclose(rnn(x[1], h[1]).data, ref[1])
    lstm = nn.LSTMCell(2, 4, dtype=np.float64)
    w = [lstm.weight_ih.data, lstm.weight_hh.data, lstm.bias_ih.data, lstm.bias_hh.data]
    h1, c1 = lstm(x, (h, c))
    rh, rc = lstm_step(x, h, c, *w)
    assert np.allclose(h1.data, rh) and np.allclose(c1.data, rc)
    h_zero, _ = lstm(x[0])
    assert h_zero.shape == (4,)
    assert np.allclose(h_zero.data, lstm_step(x[0], np.zeros(4), np.zeros(4), *w)[0])
    gru = nn.GRUCell(2, 4, dtype=np.float64)
    w = [gru.weight_ih.data, gru.weight_hh.data, gru.bias_ih.data, gru.bias_hh.data]
    assert np.allclose(gru(x, h).data, gru_step(x, h, *w))
    assert np.allclose(gru(x).data, gru_step(x, np.zeros((3, 4)), *w))
    with pytest.raises(ValueError, match="hx has shape"):
        gru(x, h[:2])
    with pytest.raises(ValueError, match="pair"):
        lstm(x, h)


@pytest.mark.parametrize("cls", [nn.RNNCell, nn.LSTMCell, nn.GRUCell])
def test_cell_gradients(cls, check_parameter_gradients):
    np.random.seed(5)
    m = cls(2, 3, dtype=np.float64)
    x, h = np.random.randn(2, 2), np.random.randn(2, 3)

    def f(x, h):
        if cls is nn.LSTMCell:
            h1, c1 = m(x, (h, h * 0.5))
            return (h1 * h1).sum() + c1.sum()
        return (m(x, h) ** 2).sum()

    gradient_check(f, x, h, rtol=1e-5, atol=1e-7)
    check_parameter_gradients(lambda: f(x, h), list(m.parameters()))


def test_gru_learns_to_recall_the_first_step():
    from framework import optim
    np.random.seed(0)
    gru, head = nn.GRU(1, 8, batch_first=True), nn.Linear(8, 1)
    opt = optim.Adam(list(gru.parameters()) + list(head.parameters()), lr=0.03)
    x = np.random.randn(64, 5, 1).astype(np.float32)
    losses = []
    for _ in range(150):
        out, _ = gru(x)
        loss = nn.functional.mse_loss(head(out[:, -1]), x[:, 0])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    assert losses[-1] < 0.1 * losses[0], (losses[0], losses[-1])
