"""Chapters 59-60: RNN and LSTM on SinCurve with reset_state and unchain_backward."""
import numpy as np
import pytest

import framework as dezero
import framework.functions as F
import framework.layers as L
from framework import Model, optimizers
from framework.datasets import SinCurve


def _sig(x):
    return 1 / (1 + np.exp(-x))


def test_rnn_steps_match_numpy_and_reset_state():
    np.random.seed(0)
    rnn = L.RNN(4)
    xs = np.random.randn(3, 2, 1)
    h1 = rnn(xs[0]).data
    Wx, bx = rnn.x2h.W.data, rnn.x2h.b.data
    np.testing.assert_allclose(h1, np.tanh(xs[0] @ Wx + bx), rtol=1e-6)
    assert rnn.h2h.W.data is None  # h2h draws at the second step, as in DeZero
    h2 = rnn(xs[1]).data
    Wh = rnn.h2h.W.data
    np.testing.assert_allclose(h2, np.tanh(xs[1] @ Wx + bx + h1 @ Wh), rtol=1e-5)
    rnn.reset_state()
    np.testing.assert_allclose(rnn(xs[2]).data, np.tanh(xs[2] @ Wx + bx), rtol=1e-6)


def test_lstm_steps_match_numpy():
    np.random.seed(1)
    lstm = L.LSTM(3, in_size=2)
    xs = np.random.randn(3, 4, 2)
    W = {k: getattr(lstm, k).W.data for k in ("x2f", "x2i", "x2o", "x2u",
                                              "h2f", "h2i", "h2o", "h2u")}
    b = {k: getattr(lstm, k).b.data for k in ("x2f", "x2i", "x2o", "x2u")}
    h = c = None
    for x in xs:
        got = lstm(x).data

        def gate(name, act):
            z = x @ W["x2" + name] + b["x2" + name]
            return act(z if h is None else z + h @ W["h2" + name])
        f, i, o, u = gate("f", _sig), gate("i", _sig), gate("o", _sig), gate("u", np.tanh)
        c = i * u if c is None else f * c + i * u
        h = o * np.tanh(c)
        np.testing.assert_allclose(got, h, rtol=1e-5, atol=1e-7)
    lstm.reset_state()
    assert lstm.h is None and lstm.c is None


class SimpleRNN(Model):  # the book's step 59 model
    def __init__(self, hidden_size, out_size):
        super().__init__()
        self.rnn = L.RNN(hidden_size)
        self.fc = L.Linear(out_size)

    def reset_state(self):
        self.rnn.reset_state()

    def forward(self, x):
        return self.fc(self.rnn(x))


class BetterRNN(SimpleRNN):  # the book's step 60 model
    def __init__(self, hidden_size, out_size):
        Model.__init__(self)
        self.rnn = L.LSTM(hidden_size)
        self.fc = L.Linear(out_size)


@pytest.mark.parametrize("model_class,loader", [
    (SimpleRNN, True), (BetterRNN, True),
    pytest.param(SimpleRNN, False, marks=pytest.mark.slow)])
def test_truncated_bptt_on_sin_curve_learns(model_class, loader):
    np.random.seed(0)
    train_set = SinCurve(train=True)
    model = model_class(10, 1)
    optimizer = optimizers.Adam(alpha=0.01).setup(model)
    bptt_length = 30
    epoch_losses = []
    for epoch in range(3):
        model.reset_state()
        loss, count, total = 0, 0, 0.0
        if loader:
            batches = dezero.SeqDataLoader(train_set, batch_size=30)
        else:
            batches = ((x.reshape(1, 1), t.reshape(1, 1)) for x, t in train_set)
        for x, t in batches:
            y = model(x)
            loss += F.mean_squared_error(y, t)
            count += 1
            if count % bptt_length == 0 or count == len(train_set):
                model.cleargrads()
                loss.backward()
                loss.unchain_backward()
                assert model.rnn.h.creator is None  # the graph behind the state is cut
                optimizer.update()
                total += float(loss.data)
                loss = 0
        epoch_losses.append(total)
    assert all(b < a for a, b in zip(epoch_losses, epoch_losses[1:])), epoch_losses
    assert epoch_losses[-1] < 0.8 * epoch_losses[0], epoch_losses
