"""Chapter 44-45, 53, 54: DeZero's layers, written as the book writes them.

``import framework as dezero`` and the book's module names; every number is checked
against numpy computed by hand in the test (same global-RNG draws) or the book's output.
"""
import numpy as np
import pytest

import framework as dezero
import framework.functions as F
import framework.layers as L
from framework import Parameter, Variable
from framework.models import MLP, Model


def _book_linear_W(in_size, out_size):
    """What DeZero draws for Linear's W: randn(in, out) in float32 times sqrt(1/in)."""
    return np.random.randn(in_size, out_size).astype(np.float32) * np.float32(np.sqrt(1 / in_size))


def test_linear_infers_in_size_at_the_first_call_and_draws_like_the_book():
    np.random.seed(0)
    layer = L.Linear(3)
    assert layer.W.data is None and layer.in_size is None  # nothing drawn yet
    x = np.random.rand(5, 4)
    y = layer(x)
    np.random.seed(0)
    np.random.rand(5, 4)
    W = _book_linear_W(4, 3)
    assert layer.W.data.dtype == np.float32 and layer.W.shape == (4, 3)
    np.testing.assert_array_equal(layer.W.data, W)
    np.testing.assert_array_equal(layer.b.data, np.zeros(3, np.float32))
    np.testing.assert_allclose(y.data, x @ W, rtol=1e-6)
    assert layer.in_size == 4


def test_linear_with_in_size_draws_at_construction():
    np.random.seed(3)
    layer = L.Linear(2, in_size=5, nobias=True)
    np.random.seed(3)
    np.testing.assert_array_equal(layer.W.data, _book_linear_W(5, 2))
    assert layer.b is None and [p.name for p in layer.params()] == ["W"]


@pytest.mark.parametrize("max_iter", [
    1001, pytest.param(10000, marks=pytest.mark.slow)])
def test_step45_two_layer_net_prints_the_books_losses(max_iter):
    np.random.seed(0)
    x = np.random.rand(100, 1)
    y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)

    class TwoLayerNet(Model):
        def __init__(self, hidden_size, out_size):
            super().__init__()
            self.l1 = L.Linear(hidden_size)
            self.l2 = L.Linear(out_size)

        def forward(self, x):
            return self.l2(F.sigmoid(self.l1(x)))

    model = TwoLayerNet(10, 1)
    losses = []
    for i in range(max_iter):
        y_pred = model(x)
        loss = F.mean_squared_error(y, y_pred)
        model.cleargrads()
        loss.backward()
        for p in model.params():
            p.data -= 0.2 * p.grad.data
        if i % 1000 == 0:
            losses.append(float(loss.data))
    # The book's printed losses (its step 45 output) where we quote them to the digit.
    book = {0: 0.8165178492839196, 1: 0.24990280802148895, 2: 0.24609876581126014,
            6: 0.07888166506355147, 7: 0.07655073683421637, 8: 0.07637803086238226,
            9: 0.07618764131185568}
    for i, value in book.items():
        if i < len(losses):
            assert losses[i] == pytest.approx(value, rel=1e-12), i
    np.testing.assert_allclose(losses, _two_layer_net_by_hand(max_iter, 0.2), rtol=1e-9)


def _two_layer_net_by_hand(max_iter, lr):
    """Step 45 in plain numpy: float32 parameters, float64 data (DeZero's arithmetic)."""
    np.random.seed(0)
    x = np.random.rand(100, 1)
    y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)
    W1, b1 = _book_linear_W(1, 10), np.zeros(10, np.float32)
    W2, b2 = None, np.zeros(1, np.float32)
    losses = []
    for i in range(max_iter):
        h = x @ W1 + b1
        s = 1 / (1 + np.exp(-h))
        if W2 is None:  # l2 draws at its first call, after l1's forward
            W2 = _book_linear_W(10, 1)
        y_pred = s @ W2 + b2
        diff = y - y_pred
        loss = (diff ** 2).sum() / len(diff)
        g_pred = -2 * diff / len(diff)
        gW2, gb2 = s.T @ g_pred, g_pred.sum(axis=0)
        gh = (g_pred @ W2.T) * s * (1 - s)
        gW1, gb1 = x.T @ gh, gh.sum(axis=0)
        for p, g in ((W1, gW1), (b1, gb1), (W2, gW2), (b2, gb2)):
            p -= lr * g
        if i % 1000 == 0:
            losses.append(loss)
    return losses


def test_layer_params_registration_as_step44():
    layer = dezero.Layer()
    layer.p1 = Parameter(np.array(1))
    layer.p2 = Parameter(np.array(2))
    layer.p3 = Variable(np.array(3))
    layer.p4 = "test"
    assert layer._params == {"p1", "p2"}
    assert [p.data.item() for p in layer.params()] == [1, 2]
    for p in layer.params():
        p.grad = Variable(np.array(1.0))
    layer.cleargrads()
    assert all(p.grad is None for p in layer.params())


def test_save_and_load_weights_as_step53(tmp_path):
    np.random.seed(0)
    x = np.random.rand(8, 6).astype(np.float32)
    model = MLP((5, 3))
    y = model(x).data
    path = str(tmp_path / "my_mlp.npz")
    model.save_weights(path)
    fresh = MLP((5, 3))  # not called yet: its W have no data; load gives them theirs
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh(x).data, y)


def test_load_weights_reads_dezero_files_with_slash_keys(tmp_path):
    np.random.seed(1)
    model = MLP((4, 2))
    W0, b0 = np.random.randn(3, 4).astype(np.float32), np.zeros(4, np.float32)
    W1, b1 = np.random.randn(4, 2).astype(np.float32), np.ones(2, np.float32)
    path = tmp_path / "dezero.npz"
    np.savez_compressed(path, **{"l0/W": W0, "l0/b": b0, "l1/W": W1, "l1/b": b1})
    model.load_weights(str(path))
    x = np.random.rand(2, 3).astype(np.float32)
    h = 1 / (1 + np.exp(-(x @ W0 + b0)))
    np.testing.assert_allclose(model(x).data, h @ W1 + b1, rtol=1e-5)


def test_load_weights_names_missing_keys(tmp_path):
    path = tmp_path / "partial.npz"
    np.savez(path, **{"l0/W": np.zeros((3, 4), np.float32)})
    with pytest.raises(KeyError, match="l0.b"):
        MLP((4, 2)).load_weights(str(path))


def test_conv2d_lazy_in_channels_and_book_init():
    np.random.seed(2)
    conv = L.Conv2d(4, kernel_size=3, stride=1, pad=1)
    x = np.random.randn(2, 3, 5, 5).astype(np.float32)
    y = conv(x)
    np.random.seed(2)
    np.random.randn(2, 3, 5, 5)
    W = np.random.randn(4, 3, 3, 3).astype(np.float32) * np.float32(np.sqrt(1 / 27))
    np.testing.assert_array_equal(conv.W.data, W)
    assert y.shape == (2, 4, 5, 5) and conv.in_channels == 3
    np.testing.assert_allclose(y.data, F.conv2d_simple(x, W, conv.b.data, 1, 1).data, rtol=1e-5,
                               atol=1e-6)


def test_deconv2d_weight_layout():
    deconv = L.Deconv2d(2, kernel_size=4, stride=2, pad=1)
    y = deconv(np.zeros((1, 3, 5, 5), np.float32))
    assert deconv.W.shape == (3, 2, 4, 4) and y.shape == (1, 2, 10, 10)


def test_batchnorm_initializes_from_the_first_input_and_updates_its_averages():
    bn = L.BatchNorm()
    x = np.random.randn(16, 3).astype(np.float32) * 2 + 5
    y = bn(x)
    np.testing.assert_allclose(y.data.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(bn.avg_mean.data, 0.1 * x.mean(axis=0), rtol=1e-5)
    assert sorted(bn._params) == ["avg_mean", "avg_var", "beta", "gamma"]
    assert not bn.avg_mean.requires_grad


def test_embed_id_looks_up_rows():
    np.random.seed(0)
    emb = L.EmbedID(10, 4)
    np.random.seed(0)
    np.testing.assert_array_equal(emb.W.data, np.random.randn(10, 4))
    np.testing.assert_array_equal(emb(np.array([3, 1])).data, emb.W.data[[3, 1]])


def test_sequential_and_model_plot(tmp_path, monkeypatch):
    import framework.utils.graph as graph
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    model = dezero.models.Sequential(L.Linear(3), F.relu, L.Linear(1))
    out = model.plot(np.ones((2, 4), np.float32), to_file=str(tmp_path / "model.png"))
    assert out.endswith(".dot") and "Linear" in open(out).read()
    assert model(np.ones((2, 4), np.float32)).shape == (2, 1)
