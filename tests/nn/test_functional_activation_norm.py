"""nn.functional activations, dropout, normalizations, distances, embedding and one_hot:
PyTorch's signatures and defaults, values against numpy, gradients numerically (float64)."""
import math

import numpy as np
import pytest

import framework as fw
import framework.nn.functional as NF
from framework import nn
from framework.utils import gradient_check


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _erf(x):
    return np.vectorize(math.erf)(x)


@pytest.mark.parametrize("name, call, ref", [
    ("relu", lambda x: NF.relu(x), lambda x: np.maximum(x, 0)),
    ("relu6", lambda x: NF.relu6(x * 4), lambda x: np.clip(x * 4, 0, 6)),
    ("leaky_relu", lambda x: NF.leaky_relu(x), lambda x: np.where(x > 0, x, 0.01 * x)),
    ("elu", lambda x: NF.elu(x, alpha=2.0), lambda x: np.where(x > 0, x, 2 * np.expm1(x))),
    ("gelu", lambda x: NF.gelu(x), lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2)))),
    ("silu", lambda x: NF.silu(x), lambda x: x / (1 + np.exp(-x))),
    ("softplus", lambda x: NF.softplus(x, beta=2.0), lambda x: np.log1p(np.exp(2 * x)) / 2),
    ("hardtanh", lambda x: NF.hardtanh(x, -0.5, 0.8), lambda x: np.clip(x, -0.5, 0.8)),
    ("sigmoid", lambda x: NF.sigmoid(x), lambda x: 1 / (1 + np.exp(-x))),
    ("tanh", lambda x: NF.tanh(x), np.tanh),
])
def test_activations(rng, name, call, ref):
    x = rng.uniform(-2, 2, (3, 5))
    x[np.abs(x) < 0.05] += 0.1  # no kinks inside the finite-difference step
    x[np.abs(x * 4 - 6) < 0.1] += 0.1
    assert np.allclose(call(x).data, ref(x), atol=1e-12), name
    gradient_check(call, x)


def test_softmax_and_log_softmax_take_dim(rng):
    x = rng.standard_normal((2, 3, 4))
    e = np.exp(x - x.max(axis=2, keepdims=True))
    sm = e / e.sum(axis=2, keepdims=True)
    assert np.allclose(NF.softmax(x, dim=2).data, sm)
    assert np.allclose(NF.softmax(x, -1).data, sm)
    assert np.allclose(NF.log_softmax(x, dim=-1).data, np.log(sm))
    # PyTorch's implicit dim for 3-D inputs is 0.
    e0 = np.exp(x) / np.exp(x).sum(axis=0)
    assert np.allclose(NF.softmax(x).data, e0)
    gradient_check(lambda v: NF.log_softmax(v, dim=1), x, gy=rng.standard_normal(x.shape))
    with pytest.raises(IndexError, match="dim 3"):
        NF.softmax(x, dim=3)


def test_dropout_follows_training_not_the_global_mode(rng):
    x = np.ones((200, 50))
    v = NF.dropout(x, p=0.3, training=False)
    assert np.array_equal(v.data, x)
    np.random.seed(0)
    with fw.test_mode():  # training=True still drops (PyTorch's functional rule)
        y = NF.dropout(x, 0.3).data
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.02
    assert np.allclose(y[kept], 1 / 0.7)
    assert not NF.dropout(x, p=1.0).data.any()
    with pytest.raises(ValueError, match="p must"):
        NF.dropout(x, p=1.5)


def test_dropout2d_zeroes_whole_channels(rng):
    np.random.seed(1)
    x = rng.standard_normal((8, 16, 3, 2))
    y = NF.dropout2d(x, p=0.5).data
    per_channel = np.abs(y).sum(axis=(2, 3))
    zero = per_channel == 0
    assert 0.2 < zero.mean() < 0.8
    assert np.allclose(y[~zero], 2 * x[~zero])
    assert np.array_equal(NF.dropout2d(x, 0.5, training=False).data, x)
    np.random.seed(2)
    v = fw.Variable(x.copy())
    out = NF.dropout2d(v, 0.25)
    out.backward(gradient=np.ones_like(x))
    mask = (out.data != 0).astype(float)
    assert np.allclose(v.grad.data, mask / 0.75)
    with pytest.raises(ValueError, match="4-D"):
        NF.dropout2d(x[0, 0, 0], 0.5)  # 1-D: PyTorch refuses it too


def test_batch_norm_functional_updates_running_stats(rng):
    x = rng.standard_normal((6, 3, 4))
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    rm, rv = np.zeros(3), np.ones(3)
    y = NF.batch_norm(x, rm, rv, w, b, training=True, momentum=0.2, eps=1e-5)
    mu, var = x.mean(axis=(0, 2)), x.var(axis=(0, 2))
    ref = (x - mu[:, None]) / np.sqrt(var[:, None] + 1e-5) * w[:, None] + b[:, None]
    assert np.allclose(y.data, ref)
    assert np.allclose(rm, 0.2 * mu)
    assert np.allclose(rv, 0.8 + 0.2 * var * 24 / 23)  # unbiased batch variance
    y = NF.batch_norm(x, rm, rv)  # eval: running statistics
    assert np.allclose(y.data, (x - rm[:, None]) / np.sqrt(rv[:, None] + 1e-5))
    gradient_check(lambda a, c, d: NF.batch_norm(a, None, None, c, d, training=True), x, w, b,
                   gy=rng.standard_normal(x.shape))
    with pytest.raises(ValueError, match="training=False"):
        NF.batch_norm(x, None, None)


def test_layer_norm_and_group_norm(rng):
    x = rng.standard_normal((2, 4, 3, 2))
    w, b = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    mu, var = x.mean(axis=(2, 3), keepdims=True), x.var(axis=(2, 3), keepdims=True)
    ref = (x - mu) / np.sqrt(var + 1e-5) * w + b
    assert np.allclose(NF.layer_norm(x, (3, 2), w, b).data, ref)
    gradient_check(lambda a, c, d: NF.layer_norm(a, (3, 2), c, d), x, w, b,
                   gy=rng.standard_normal(x.shape))
    g = x.reshape(2, 2, -1)
    gref = ((g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + 1e-3)).reshape(x.shape)
    gw, gb = rng.standard_normal(4), rng.standard_normal(4)
    assert np.allclose(NF.group_norm(x, 2, gw, gb, eps=1e-3).data,
                       gref * gw[:, None, None] + gb[:, None, None])
    gradient_check(lambda a, c, d: NF.group_norm(a, 2, c, d), x, gw, gb,
                   gy=rng.standard_normal(x.shape))
    with pytest.raises(ValueError, match="normalized_shape"):
        NF.layer_norm(x, (2, 3))
    with pytest.raises(ValueError, match="num_groups=3"):
        NF.group_norm(x, 3)


def test_normalize_cosine_similarity_pairwise_distance(rng):
    x = rng.standard_normal((4, 3))
    y = rng.standard_normal((4, 3))
    assert np.allclose(NF.normalize(x).data, x / np.linalg.norm(x, axis=1, keepdims=True))
    n3 = (np.abs(x) ** 3).sum(axis=0, keepdims=True) ** (1 / 3)
    assert np.allclose(NF.normalize(x, p=3, dim=0).data, x / n3)
    assert np.allclose(NF.normalize(np.zeros((1, 3))).data, 0)
    cos = (x * y).sum(1) / np.linalg.norm(x, axis=1) / np.linalg.norm(y, axis=1)
    assert np.allclose(NF.cosine_similarity(x, y).data, cos)
    assert np.allclose(NF.cosine_similarity(x, y[:1]).data,
                       (x @ y[0]) / np.linalg.norm(x, axis=1) / np.linalg.norm(y[0]))
    d = np.linalg.norm(x - y + 1e-6, axis=1)
    assert np.allclose(NF.pairwise_distance(x, y).data, d)
    assert NF.pairwise_distance(x, y, keepdim=True).shape == (4, 1)
    assert np.allclose(NF.pairwise_distance(x, y, p=1).data, np.abs(x - y + 1e-6).sum(1))
    gradient_check(lambda a: NF.normalize(a, p=3, dim=0), x, gy=rng.standard_normal(x.shape))
    gradient_check(NF.cosine_similarity, x, y)
    gradient_check(NF.pairwise_distance, x, y)


def test_embedding_padding_idx_and_one_hot(rng):
    W = rng.standard_normal((5, 3))
    ids = np.array([[0, 2, 2], [4, 1, 2]])
    out = NF.embedding(ids, W)
    assert np.array_equal(out.data, W[ids])
    v = fw.Variable(W.copy())
    NF.embedding(ids, v, padding_idx=2).backward(gradient=np.ones((2, 3, 3)))
    expected = np.zeros((5, 3))
    for i in (0, 4, 1):
        expected[i] += 1
    assert np.array_equal(v.grad.data, expected)
    gradient_check(lambda w: NF.embedding(ids, w), W)
    with pytest.raises(NotImplementedError, match="max_norm"):
        NF.embedding(ids, W, max_norm=1.0)
    oh = NF.one_hot(np.array([1, 0, 3]), num_classes=4)
    assert isinstance(oh, fw.Variable) and oh.dtype == np.int64 and not oh.requires_grad
    assert np.array_equal(oh.data, np.eye(4, dtype=np.int64)[[1, 0, 3]])


def test_dropout1d_zeroes_whole_channels_and_batch_norm_5d(rng):
    np.random.seed(3)
    x = rng.standard_normal((6, 10, 4))
    y = NF.dropout1d(x, p=0.4).data
    zero = np.abs(y).sum(-1) == 0
    assert zero.any() and not zero.all()
    assert np.allclose(y[~zero], x[~zero] / 0.6)
    assert np.array_equal(NF.dropout1d(x, training=False).data, x)
    v = rng.standard_normal((2, 3, 2, 2, 2))
    out = NF.batch_norm(v, None, None, training=True)
    mu, var = v.mean(axis=(0, 2, 3, 4), keepdims=True), v.var(axis=(0, 2, 3, 4), keepdims=True)
    assert np.allclose(out.data, (v - mu) / np.sqrt(var + 1e-5))


def test_dropout2d_on_3d_input_drops_rows_as_pytorch():
    np.random.seed(4)
    x = np.ones((4, 6, 5))
    with pytest.warns(UserWarning, match="dropout1d"):
        y = NF.dropout2d(x, 0.5).data
    # (N, C, L): each (n, c) row is kept or dropped whole, independently per sample.
    rows = y[..., 0]
    assert np.array_equal(y, np.repeat(rows[..., None], 5, axis=2))
    assert set(np.unique(rows)) <= {0.0, 2.0} and not np.all(rows == rows[:1])


def test_dropout2d_on_2d_and_5d_inputs_drops_n_c_entries_as_pytorch():
    # PyTorch's mnist_rnn example puts nn.Dropout2d after an LSTM's last output (N, C)
    np.random.seed(5)
    x = np.ones((64, 32))
    with pytest.warns(UserWarning, match="2-D input is deprecated"):
        y = NF.dropout2d(x, 0.25).data
    assert set(np.unique(y)) == {0.0, 1.0 / 0.75}
    assert 0.15 < np.mean(y == 0) < 0.35 and len({tuple(r) for r in (y == 0)}) > 10
    with pytest.warns(UserWarning, match="5-D input"):
        z = NF.dropout2d(np.ones((3, 4, 2, 2, 2)), 0.5).data
    per_channel = z.reshape(3, 4, -1)
    assert np.all(per_channel == per_channel[..., :1])  # (n, c) blocks kept or dropped whole
    layer = nn.Dropout2d(0.5)
    layer.eval()
    assert np.array_equal(layer(fw.tensor(x)).data, x)
    with pytest.raises(ValueError, match=r"dropout2d: expected a 4-D .* got shape \(8,\)"):
        NF.dropout2d(np.ones(8), 0.5)
