"""scaled_dot_product_attention, MultiheadAttention, TransformerEncoderLayer and
TransformerEncoder: the attention arithmetic written out in numpy (masks, key padding,
batch_first, head averaging), PyTorch's state_dict keys, gradients numerically (float64)."""
import math

import numpy as np
import pytest

import framework as fw
import framework.nn.functional as NF
from framework import nn
from framework.utils import gradient_check

E, H, L, S, N = 8, 2, 3, 4, 2


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def layer_norm(x, w, b, eps=1e-5):
    return (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps) * w + b


def mha_reference(m, q, k, v, attn_mask=None, key_padding_mask=None):
    """Batch-first numpy MultiheadAttention: returns output (N, L, E), weights (N, H, L, S).
    Bool masks are True where attending is *not* allowed."""
    e, h = m.embed_dim, m.num_heads
    d = e // h
    w, b = m.in_proj_weight.data, m.in_proj_bias.data
    qp, kp, vp = (t @ w[i * e:(i + 1) * e].T + b[i * e:(i + 1) * e] for i, t in enumerate((q, k, v)))

    def split(t):  # (N, T, E) -> (N, H, T, d)
        return t.reshape(t.shape[0], t.shape[1], h, d).transpose(0, 2, 1, 3)

    scores = split(qp) @ split(kp).transpose(0, 1, 3, 2) / math.sqrt(d)
    if attn_mask is not None:
        am = np.where(attn_mask, -np.inf, 0.0) if attn_mask.dtype == bool else attn_mask
        scores = scores + (am.reshape(q.shape[0], h, *am.shape[-2:]) if am.ndim == 3 else am)
    if key_padding_mask is not None:
        scores = scores + np.where(key_padding_mask, -np.inf, 0.0)[:, None, None, :]
    attn = softmax(scores)
    out = (attn @ split(vp)).transpose(0, 2, 1, 3).reshape(q.shape[0], q.shape[1], e)
    return out @ m.out_proj.weight.data.T + m.out_proj.bias.data, attn


def _model(**kw):
    np.random.seed(0)
    m = nn.MultiheadAttention(E, H, dtype=np.float64, **kw)
    m.in_proj_bias.data[...] = np.random.randn(3 * E) * 0.1  # nonzero to test the biases
    m.out_proj.bias.data[...] = np.random.randn(E) * 0.1
    return m


def test_sdpa_matches_numpy_with_masks():
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((2, 3, L, 4)), rng.standard_normal((2, 3, S, 4)), \
        rng.standard_normal((2, 3, S, 5))
    scores = q @ k.transpose(0, 1, 3, 2) / 2.0
    assert np.allclose(NF.scaled_dot_product_attention(q, k, v).data, softmax(scores) @ v)
    allowed = rng.random((L, S)) > 0.4
    allowed[:, 0] = True
    ref = softmax(np.where(allowed, scores, -np.inf)) @ v
    assert np.allclose(NF.scaled_dot_product_attention(q, k, v, attn_mask=allowed).data, ref)
    fm = rng.standard_normal((L, S))
    ref = softmax(q @ k.transpose(0, 1, 3, 2) * 0.3 + fm) @ v
    assert np.allclose(NF.scaled_dot_product_attention(q, k, v, fm, scale=0.3).data, ref)
    causal = np.tril(np.ones((L, L), bool))
    ref = softmax(np.where(causal, q @ q.transpose(0, 1, 3, 2) / 2, -np.inf)) @ v[:, :, :L]
    assert np.allclose(NF.scaled_dot_product_attention(q, q, v[:, :, :L], is_causal=True).data, ref)
    gradient_check(lambda a, b, c: NF.scaled_dot_product_attention(a, b, c, attn_mask=allowed),
                   q, k, v, gy=rng.standard_normal((2, 3, L, 5)))
    with pytest.raises(ValueError, match="not both"):
        NF.scaled_dot_product_attention(q, q, v[:, :, :L], attn_mask=causal, is_causal=True)


def test_mha_state_dict_keys_shapes_and_init():
    np.random.seed(1)
    m = nn.MultiheadAttention(E, H)
    assert [(k, v.shape) for k, v in m.state_dict().items()] == [
        ("in_proj_weight", (3 * E, E)), ("in_proj_bias", (3 * E,)),
        ("out_proj.weight", (E, E)), ("out_proj.bias", (E,))]
    assert not m.in_proj_bias.data.any() and not m.out_proj.bias.data.any()
    bound = math.sqrt(6 / (E + 3 * E))  # xavier-uniform of the stacked (3E, E) matrix
    assert bound * 0.8 < np.abs(m.in_proj_weight.data).max() <= bound
    assert list(nn.MultiheadAttention(E, H, kdim=3, vdim=5).state_dict()) == [
        "q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "out_proj.weight",
        "out_proj.bias"]
    assert list(nn.MultiheadAttention(E, H, bias=False).state_dict()) == [
        "in_proj_weight", "out_proj.weight"]
    with pytest.raises(ValueError, match="divisible"):
        nn.MultiheadAttention(6, 4)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("average", [True, False])
def test_mha_matches_numpy_with_masks(batch_first, average):
    m = _model(batch_first=batch_first)
    rng = np.random.default_rng(2)
    q, k, v = rng.standard_normal((N, L, E)), rng.standard_normal((N, S, E)), \
        rng.standard_normal((N, S, E))
    blocked = rng.random((L, S)) > 0.6
    blocked[:, 0] = False
    padding = np.zeros((N, S), bool)
    padding[1, -2:] = True
    ref, attn = mha_reference(m, q, k, v, blocked, padding)

    def layout(t):
        return t if batch_first else t.transpose(1, 0, 2)

    out, weights = m(layout(q), layout(k), layout(v), key_padding_mask=padding,
                     attn_mask=blocked, average_attn_weights=average)
    assert np.allclose(out.data, layout(ref))
    assert np.allclose(weights.data, attn.mean(1) if average else attn)
    assert np.all(weights.data[1, ..., -2:] == 0)  # padded keys get no attention
    fm = rng.standard_normal((N * H, L, S))
    out, _ = m(layout(q), layout(k), layout(v), attn_mask=fm)
    assert np.allclose(out.data, layout(mha_reference(m, q, k, v, fm)[0]))
    out, none = m(layout(q), layout(q), layout(q), need_weights=False)
    assert none is None and np.allclose(out.data, layout(mha_reference(m, q, q, q)[0]))


def test_mha_unbatched_and_kdim_vdim():
    m = _model()
    rng = np.random.default_rng(3)
    q, k = rng.standard_normal((L, E)), rng.standard_normal((S, E))
    out, w = m(q, k, k)
    ref, attn = mha_reference(m, q[None], k[None], k[None])
    assert out.shape == (L, E) and w.shape == (L, S)
    assert np.allclose(out.data, ref[0]) and np.allclose(w.data, attn.mean(1)[0])
    m2 = nn.MultiheadAttention(E, H, kdim=3, vdim=5, batch_first=True, dtype=np.float64)
    kk, vv = rng.standard_normal((N, S, 3)), rng.standard_normal((N, S, 5))
    qq = rng.standard_normal((N, L, E))
    out, _ = m2(qq, kk, vv)
    qp = qq @ m2.q_proj_weight.data.T
    kp = kk @ m2.k_proj_weight.data.T
    vp = vv @ m2.v_proj_weight.data.T
    d = E // H
    heads = [softmax(qp[..., i * d:(i + 1) * d] @ kp[..., i * d:(i + 1) * d].transpose(0, 2, 1)
                     / math.sqrt(d)) @ vp[..., i * d:(i + 1) * d] for i in range(H)]
    assert np.allclose(out.data, np.concatenate(heads, -1) @ m2.out_proj.weight.data.T)
    with pytest.raises(ValueError, match="key has 4 features"):
        m2(qq, rng.standard_normal((N, S, 4)), vv)


def test_mha_gradients_with_masks(check_parameter_gradients):
    m = _model(batch_first=True)
    rng = np.random.default_rng(4)
    q, k = rng.standard_normal((N, L, E)), rng.standard_normal((N, S, E))
    padding = np.zeros((N, S), bool)
    padding[0, -1] = True
    blocked = np.zeros((L, S), bool)
    blocked[0, 2] = True
    g = rng.standard_normal((N, L, E))

    def f(a, b):
        out, w = m(a, b, b, key_padding_mask=padding, attn_mask=blocked)
        return (out * g).sum() + (w * w).sum()

    gradient_check(f, q, k, rtol=1e-5, atol=1e-7)
    check_parameter_gradients(lambda: f(q, k), list(m.parameters()))


def test_mha_dropout_only_in_training_and_mask_errors():
    m = nn.MultiheadAttention(E, H, dropout=0.5, batch_first=True, dtype=np.float64)
    x = np.random.default_rng(5).standard_normal((N, L, E))
    np.random.seed(0)
    _, w = m(x, x, x, average_attn_weights=False)
    assert not np.allclose(w.data.sum(-1), 1.0)  # dropped and rescaled weights
    m.eval()
    _, w = m(x, x, x, average_attn_weights=False)
    assert np.allclose(w.data.sum(-1), 1.0)
    with pytest.raises(RuntimeError, match="attn_mask"):
        m(x, x, x, is_causal=True)
    with pytest.raises(ValueError, match="attn_mask has shape"):
        m(x, x, x, attn_mask=np.zeros((2, 2), bool))
    with pytest.raises(ValueError, match="key_padding_mask has shape"):
        m(x, x, x, key_padding_mask=np.zeros((L, N), bool))


ENCODER_LAYER_KEYS = [
    "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
    "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight",
    "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"]


def _encoder_layer_reference(layer, x, mask=None, padding=None, act=lambda z: np.maximum(z, 0)):
    def sa(t):
        return mha_reference(layer.self_attn, t, t, t, mask, padding)[0]

    def ff(t):
        hidden = act(t @ layer.linear1.weight.data.T + layer.linear1.bias.data)
        return hidden @ layer.linear2.weight.data.T + layer.linear2.bias.data

    n1 = lambda t: layer_norm(t, layer.norm1.weight.data, layer.norm1.bias.data)  # noqa: E731
    n2 = lambda t: layer_norm(t, layer.norm2.weight.data, layer.norm2.bias.data)  # noqa: E731
    if layer.norm_first:
        x = x + sa(n1(x))
        return x + ff(n2(x))
    x = n1(x + sa(x))
    return n2(x + ff(x))


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_encoder_layer(norm_first, batch_first, check_parameter_gradients):
    np.random.seed(6)
    layer = nn.TransformerEncoderLayer(E, H, dim_feedforward=6, dropout=0.0,
                                       batch_first=batch_first, norm_first=norm_first,
                                       dtype=np.float64)
    assert list(layer.state_dict()) == ENCODER_LAYER_KEYS
    layer.norm1.bias.data[...] = np.random.randn(E) * 0.1
    rng = np.random.default_rng(7)
    x = rng.standard_normal((N, L, E))
    causal = np.triu(np.full((L, L), -np.inf), 1)
    padding = np.array([[False, False, False], [False, False, True]])
    ref = _encoder_layer_reference(layer, x, causal, padding)
    inp = x if batch_first else x.transpose(1, 0, 2)
    out = layer(inp, src_mask=causal, src_key_padding_mask=padding)
    assert np.allclose(out.data, ref if batch_first else ref.transpose(1, 0, 2))
    g = rng.standard_normal(inp.shape)
    gradient_check(lambda t: layer(t, src_mask=causal, src_key_padding_mask=padding) * g, inp,
                   rtol=1e-5, atol=1e-7)
    check_parameter_gradients(lambda: (layer(inp, src_mask=causal) * g).sum(),
                              [layer.linear1.bias, layer.norm2.weight,
                               layer.self_attn.in_proj_bias])


def test_transformer_encoder_layer_gelu_and_errors():
    np.random.seed(8)
    layer = nn.TransformerEncoderLayer(E, H, 6, dropout=0.0, activation="gelu",
                                       batch_first=True, dtype=np.float64)
    x = np.random.default_rng(8).standard_normal((N, L, E))
    gelu = lambda z: 0.5 * z * (1 + np.vectorize(math.erf)(z / math.sqrt(2)))  # noqa: E731
    assert np.allclose(layer(x).data, _encoder_layer_reference(layer, x, act=gelu))
    with pytest.raises(ValueError, match="activation"):
        nn.TransformerEncoderLayer(E, H, activation="swish")


def test_transformer_encoder_stacks_independent_copies():
    np.random.seed(9)
    layer = nn.TransformerEncoderLayer(E, H, 6, dropout=0.0, dtype=np.float64)
    enc = nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(E, dtype=np.float64))
    keys = [f"layers.{i}.{k}" for i in range(2) for k in ENCODER_LAYER_KEYS] + \
        ["norm.weight", "norm.bias"]
    assert list(enc.state_dict()) == keys
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    assert np.array_equal(enc.layers[0].linear1.weight.data, layer.linear1.weight.data)
    enc.layers[1].linear1.weight.data[...] += 0.5
    x = np.random.default_rng(9).standard_normal((L, N, E))
    expected = x
    for sub in enc.layers:
        expected = sub(expected).data
    expected = layer_norm(expected, 1.0, 0.0)
    assert np.allclose(enc(x).data, expected)
    enc.train()
    assert all(m.training for m in enc.modules())
    with fw.no_grad():
        assert enc(x).shape == (L, N, E)


def test_transformer_encoder_learns_a_sequence_task():
    from framework import optim
    np.random.seed(0)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0,
                                                           batch_first=True), 1)
    embed, head = nn.Linear(1, 8), nn.Linear(8, 1)
    params = list(enc.parameters()) + list(embed.parameters()) + list(head.parameters())
    opt = optim.Adam(params, lr=0.01)
    x = np.random.randn(32, 6, 1).astype(np.float32)
    target = x.max(axis=1)  # needs attention across the sequence
    losses = []
    for _ in range(120):
        y = head(enc(embed(x)).mean(axis=1))
        loss = nn.functional.mse_loss(y, target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    assert losses[-1] < 0.2 * losses[0], (losses[0], losses[-1])


DECODER_LAYER_KEYS = [
    f"{att}.{k}" for att in ("self_attn", "multihead_attn")
    for k in ("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias")] + [
    "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight",
    "norm1.bias", "norm2.weight", "norm2.bias", "norm3.weight", "norm3.bias"]


def _decoder_layer_reference(layer, x, memory, tgt_mask=None, memory_padding=None):
    relu = lambda z: np.maximum(z, 0)  # noqa: E731

    def sa(t):
        return mha_reference(layer.self_attn, t, t, t, tgt_mask)[0]

    def ca(t):
        return mha_reference(layer.multihead_attn, t, memory, memory, None, memory_padding)[0]

    def ff(t):
        hidden = relu(t @ layer.linear1.weight.data.T + layer.linear1.bias.data)
        return hidden @ layer.linear2.weight.data.T + layer.linear2.bias.data

    def norm(k, t):
        n = getattr(layer, f"norm{k}")
        return layer_norm(t, n.weight.data, n.bias.data)

    if layer.norm_first:
        x = x + sa(norm(1, x))
        x = x + ca(norm(2, x))
        return x + ff(norm(3, x))
    x = norm(1, x + sa(x))
    x = norm(2, x + ca(x))
    return norm(3, x + ff(x))


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_decoder_layer(norm_first, batch_first):
    np.random.seed(10)
    layer = nn.TransformerDecoderLayer(E, H, dim_feedforward=6, dropout=0.0,
                                       batch_first=batch_first, norm_first=norm_first,
                                       dtype=np.float64)
    assert list(layer.state_dict()) == DECODER_LAYER_KEYS
    for att in (layer.self_attn, layer.multihead_attn):
        att.in_proj_bias.data[...] = np.random.randn(3 * E) * 0.1
    rng = np.random.default_rng(11)
    tgt, memory = rng.standard_normal((N, L, E)), rng.standard_normal((N, S, E))
    causal = nn.Transformer.generate_square_subsequent_mask(L, dtype=np.float64)
    assert np.array_equal(causal.data, np.triu(np.full((L, L), -np.inf), 1))
    padding = np.zeros((N, S), bool)
    padding[0, -1] = True
    ref = _decoder_layer_reference(layer, tgt, memory, causal.data, padding)

    def layout(t):
        return t if batch_first else t.transpose(1, 0, 2)

    out = layer(layout(tgt), layout(memory), tgt_mask=causal, memory_key_padding_mask=padding)
    assert np.allclose(out.data, layout(ref))
    g = rng.standard_normal(layout(tgt).shape)
    gradient_check(lambda a, b: layer(a, b, tgt_mask=causal, memory_key_padding_mask=padding) * g,
                   layout(tgt), layout(memory), rtol=1e-5, atol=1e-7)


def test_transformer_keys_init_and_composition():
    np.random.seed(12)
    model = nn.Transformer(E, H, num_encoder_layers=2, num_decoder_layers=1,
                           dim_feedforward=6, dropout=0.0, dtype=np.float64)
    keys = ([f"encoder.layers.{i}.{k}" for i in range(2) for k in ENCODER_LAYER_KEYS]
            + ["encoder.norm.weight", "encoder.norm.bias"]
            + [f"decoder.layers.0.{k}" for k in DECODER_LAYER_KEYS]
            + ["decoder.norm.weight", "decoder.norm.bias"])
    assert list(model.state_dict()) == keys
    w = model.encoder.layers[0].linear1.weight.data  # (6, 8): xavier-uniform bound
    assert np.abs(w).max() <= math.sqrt(6 / (6 + 8))
    b = model.encoder.layers[0].linear1.bias.data  # 1-D: keeps Linear's U(+-1/sqrt(in))
    assert b.any() and np.abs(b).max() <= 1 / math.sqrt(E)
    rng = np.random.default_rng(13)
    src, tgt = rng.standard_normal((S, N, E)), rng.standard_normal((L, N, E))
    mask = nn.Transformer.generate_square_subsequent_mask(L, dtype=np.float64)
    out = model(src, tgt, tgt_mask=mask)
    memory = model.encoder(src)
    assert np.allclose(out.data, model.decoder(tgt, memory, tgt_mask=mask).data)
    assert out.shape == (L, N, E)
    with pytest.raises(ValueError, match="batch sizes"):
        model(src, tgt[:, :1])
