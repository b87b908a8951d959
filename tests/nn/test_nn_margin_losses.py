"""MarginRankingLoss, CosineEmbeddingLoss, TripletMarginLoss (and their functional
forms), CosineSimilarity and PairwiseDistance: values against numpy formulas and
PyTorch's numbers, reductions, errors, gradients against central differences."""
import numpy as np
import pytest

import framework as fw
from framework import backend, nn
from framework.nn import functional as NF
from framework.utils import gradient_check


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _reduced(loss, reduction):
    return {"none": loss, "sum": loss.sum(), "mean": loss.mean()}[reduction]


# --------------------------------------------------------------------------- ranking
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_margin_ranking_loss_values_and_gradients(rng, reduction):
    x1, x2 = rng.standard_normal(7), rng.standard_normal(7)
    t = np.array([1, -1, 1, 1, -1, -1, 1])  # integer labels are fine
    ref = np.maximum(0, -t * (x1 - x2) + 0.3)
    out = NF.margin_ranking_loss(x1, x2, t, margin=0.3, reduction=reduction)
    assert np.allclose(out.data, _reduced(ref, reduction)) and out.dtype == np.float64
    loss = nn.MarginRankingLoss(margin=0.3, reduction=reduction)
    assert np.allclose(loss(x1, x2, t).data, out.data)
    gy = None if reduction != "none" else rng.standard_normal(7)
    gradient_check(lambda a, b: loss(a, b, t), x1, x2, gy=gy)


def test_margin_ranking_loss_pytorch_numbers_broadcast_and_errors():
    x1, x2 = np.array([0.5, -1.0, 2.0, 0.0]), np.array([1.0, 1.0, 1.0, 0.2])
    t = np.array([1.0, -1.0, -1.0, 1.0])
    # torch.nn.functional.margin_ranking_loss(..., margin=0.1, reduction="none")
    assert np.allclose(NF.margin_ranking_loss(x1, x2, t, 0.1, reduction="none").data,
                       [0.6, 0.0, 1.1, 0.3])
    assert np.isclose(float(nn.MarginRankingLoss(0.1)(x1, x2, t).data), 0.5)
    assert repr(nn.MarginRankingLoss()) == "MarginRankingLoss()"
    assert NF.margin_ranking_loss(x1[:, None], x2[None, :], t[:, None],
                                  reduction="none").shape == (4, 4)
    with pytest.raises(ValueError, match=r"same number of dims.*\(4, 1\)"):
        NF.margin_ranking_loss(x1, x2, t[:, None])
    with pytest.raises(ValueError, match="reduction"):
        nn.MarginRankingLoss(reduction="avg")
    # PyTorch's deprecated size_average / reduce still map to a reduction.
    assert np.isclose(float(NF.margin_ranking_loss(x1, x2, t, 0.1, size_average=False).data), 2.0)


# --------------------------------------------------------------------------- cosine embedding
def _cos_embedding_ref(x1, x2, t, margin):
    cos = (x1 * x2).sum(-1) / np.sqrt(((x1 ** 2).sum(-1) + 1e-12) * ((x2 ** 2).sum(-1) + 1e-12))
    return np.where(t == 1, 1 - cos, 0) + np.where(t == -1, np.maximum(0, cos - margin), 0)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cosine_embedding_loss_values_and_gradients(rng, reduction):
    x1, x2 = rng.standard_normal((6, 4)), rng.standard_normal((6, 4))
    t = np.array([1.0, -1.0, 1.0, -1.0, -1.0, 1.0])
    ref = _cos_embedding_ref(x1, x2, t, -0.2)
    out = nn.CosineEmbeddingLoss(margin=-0.2, reduction=reduction)(x1, x2, t)
    assert np.allclose(out.data, _reduced(ref, reduction))
    gy = None if reduction != "none" else rng.standard_normal(6)
    gradient_check(lambda a, b: NF.cosine_embedding_loss(a, b, t, -0.2, reduction=reduction),
                   x1, x2, gy=gy)


def test_cosine_embedding_loss_pytorch_numbers_and_shapes():
    c1 = np.array([[1., 2., 3.], [1., 0., 0.], [0., 1., 1.]])
    c2 = np.array([[1., 0., 1.], [1., 1., 0.], [0., -1., 1.]])
    t = np.array([1, -1, -1])
    # torch.nn.functional.cosine_embedding_loss(c1, c2, t, margin=0.2, ...)
    assert np.allclose(NF.cosine_embedding_loss(c1, c2, t, 0.2, reduction="none").data,
                       [0.2440710540, 0.5071067812, 0.0], atol=1e-9)
    a, b = fw.Variable(c1.copy()), fw.Variable(c2.copy())
    loss = NF.cosine_embedding_loss(a, b, t, 0.2)
    assert np.isclose(float(loss.data), 0.2503926117)
    loss.backward()
    assert np.allclose(a.grad.data, [[-0.044995770596, 0.035996616477, -0.0089991541193],
                                     [0.0, 0.2357022604, 0.0], [0.0, 0.0, 0.0]], atol=1e-9)
    assert np.allclose(b.grad.data, [[0.0629940788, -0.1259881577, -0.0629940788],
                                     [0.1178511302, -0.1178511302, 0.0], [0.0, 0.0, 0.0]])
    # One pair: 1-D inputs, a 0-d target, a 0-d loss; labels other than +-1 give 0.
    one = NF.cosine_embedding_loss(c1[0], c2[0], np.array(1.0), reduction="none")
    assert one.shape == () and np.isclose(float(one.data), 0.2440710540)
    assert float(NF.cosine_embedding_loss(c1, c2, np.zeros(3), reduction="sum").data) == 0.0
    # A zero vector has cosine 0 (no division by zero).
    zero = NF.cosine_embedding_loss(np.zeros((2, 3)), c2[:2], np.array([1, -1]),
                                    reduction="none")
    assert np.allclose(zero.data, [1.0, 0.0])


def test_cosine_embedding_loss_bad_shapes():
    x = np.ones((3, 4))
    with pytest.raises(ValueError, match=r"0-d or 1-d target.*\(3, 1\)"):
        NF.cosine_embedding_loss(x, x, np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"1-d target needs 2-d inputs.*\(4,\)"):
        NF.cosine_embedding_loss(x, x[0], np.ones(3))
    with pytest.raises(ValueError, match="0-d target needs 1-d inputs"):
        NF.cosine_embedding_loss(x, x, np.array(1.0))
    with pytest.raises(ValueError, match="do not broadcast"):
        NF.cosine_embedding_loss(x, x[:2], np.ones(3))


# --------------------------------------------------------------------------- triplet
A = np.array([[0., 1., 2.], [1., -1., 0.5]])
P = np.array([[0.5, 1., 1.], [0., 0., 0.]])
N = np.array([[1., 0., 2.], [1., -1., 1.]])


def test_triplet_margin_loss_pytorch_numbers():
    # torch.nn.functional.triplet_margin_loss on A, P, N (float64).
    assert np.allclose(NF.triplet_margin_loss(A, P, N, reduction="none").data,
                       [0.7038208736, 2.0000013333])
    assert np.allclose(NF.triplet_margin_loss(A, P, N, margin=0.5, p=1, swap=True,
                                              reduction="none").data, [0.0, 2.5])
    a, p, n = (fw.Variable(v.copy()) for v in (A, P, N))
    loss = nn.TripletMarginLoss()(a, p, n)
    assert np.isclose(float(loss.data), 1.3519111035)
    loss.backward()
    assert np.allclose(a.grad.data, [[0.1299467759, -0.3535532969, 0.4472135103],
                                     [0.3333325926, -0.3333339259, 0.6666669630]])
    assert np.allclose(p.grad.data, [[0.22360626109, -4.4721341661e-07, -0.44721386383],
                                     [-0.33333359259, 0.33333292593, -0.16666696296]])
    assert np.allclose(n.grad.data, [[-0.35355303704, 0.35355374415, 3.5355339059e-07],
                                     [1.000002e-06, 1.000002e-06, -0.5]])


@pytest.mark.parametrize("p, swap, reduction", [(2, False, "mean"), (1, True, "sum"),
                                                (3, True, "none"), (2, True, "mean")])
def test_triplet_margin_loss_values_and_gradients(rng, p, swap, reduction):
    a, pos, neg = (rng.standard_normal((5, 3)) for _ in range(3))

    def dist(u, v):
        return (np.abs(u - v + 1e-6) ** p).sum(-1) ** (1 / p)

    d_neg = np.minimum(dist(a, neg), dist(pos, neg)) if swap else dist(a, neg)
    ref = np.maximum(0, 0.7 + dist(a, pos) - d_neg)
    loss = nn.TripletMarginLoss(margin=0.7, p=p, swap=swap, reduction=reduction)
    assert np.allclose(loss(a, pos, neg).data, _reduced(ref, reduction))
    gy = None if reduction != "none" else rng.standard_normal(5)
    gradient_check(lambda x, y, z: loss(x, y, z), a, pos, neg, gy=gy)


def test_triplet_margin_loss_single_triplet_float32_and_errors(rng):
    a, p, n = (rng.standard_normal(4).astype(np.float32) for _ in range(3))
    out = NF.triplet_margin_loss(a, p, n, reduction="none")
    assert out.shape == () and out.dtype == np.float32
    assert repr(nn.TripletMarginLoss()) == "TripletMarginLoss()"
    with pytest.raises(ValueError, match="margin must be greater than 0, got 0"):
        nn.TripletMarginLoss(margin=0)
    with pytest.raises(ValueError, match="margin must be greater than 0, got -1"):
        NF.triplet_margin_loss(A, P, N, margin=-1.0)
    with pytest.raises(ValueError, match="2-d, 2-d and 1-d"):
        NF.triplet_margin_loss(A, P, N[0])


def test_swap_ties_split_the_gradient():
    # d(anchor, negative) == d(positive, negative): PyTorch's minimum sends half the
    # gradient each way.
    a, p, n = (fw.Variable(np.array(v)) for v in ([0.0, 0.0], [2.0, 0.0], [1.0, 3.0]))
    NF.triplet_margin_loss(a, p, n, margin=5.0, eps=0.0, swap=True).backward()
    # PyTorch: n.grad (0, -0.9487), a.grad (-0.8419, 0.4743), p.grad (0.8419, 0.4743)
    assert np.allclose(n.grad.data, [0.0, -3.0 / np.sqrt(10)])
    assert np.allclose(a.grad.data, [-1 + 0.5 / np.sqrt(10), 1.5 / np.sqrt(10)])
    assert np.allclose(p.grad.data, [1 - 0.5 / np.sqrt(10), 1.5 / np.sqrt(10)])


# --------------------------------------------------------------------------- distances
def test_cosine_similarity_and_pairwise_distance_modules(rng):
    x1, x2 = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    cos = nn.CosineSimilarity()
    ref = (x1 * x2).sum(1) / np.linalg.norm(x1, axis=1) / np.linalg.norm(x2, axis=1)
    assert np.allclose(cos(x1, x2).data, ref)
    assert np.allclose(nn.CosineSimilarity(dim=0)(x1, x2).data,
                       (x1 * x2).sum(0) / np.linalg.norm(x1, axis=0) / np.linalg.norm(x2, axis=0))
    gradient_check(lambda a, b: cos(a, b), x1, x2, gy=rng.standard_normal(4))
    dist = nn.PairwiseDistance(p=3, keepdim=True)
    assert dist.norm == 3 and dist.eps == 1e-6
    d = dist(x1, x2)
    assert d.shape == (4, 1)
    assert np.allclose(d.data[:, 0], (np.abs(x1 - x2 + 1e-6) ** 3).sum(1) ** (1 / 3))
    gradient_check(lambda a, b: nn.PairwiseDistance()(a, b), x1, x2)
    # PyTorch's numbers (torch.nn.functional.cosine_similarity / pairwise_distance).
    c1 = np.array([[1., 2., 3.], [1., 0., 0.], [0., 1., 1.]])
    c2 = np.array([[1., 0., 1.], [1., 1., 0.], [0., -1., 1.]])
    assert np.allclose(cos(c1, c2).data, [0.7559289460, 0.7071067812, 0.0])
    assert np.allclose(nn.PairwiseDistance()(c1, c2).data, [2.828428539, 0.999999, 2.000001])
    assert np.allclose(nn.PairwiseDistance(p=1)(c1, c2).data, [4.000003, 1.000001, 2.000003])


def test_margin_losses_on_the_array_backend(xp, rng):
    a, p, n = (rng.standard_normal((4, 3)) for _ in range(3))
    t = np.array([1, -1, -1, 1])
    results = []
    for mod in (np, xp):
        va, vp, vn = (fw.Variable(mod.asarray(v)) for v in (a, p, n))
        loss = (NF.triplet_margin_loss(va, vp, vn, swap=True)
                + NF.cosine_embedding_loss(va, vp, mod.asarray(t), 0.1)
                + NF.margin_ranking_loss(va[:, 0], vn[:, 0], mod.asarray(t)))
        loss.backward()
        results.append([backend.as_numpy(w.data) for w in (loss, va.grad, vp.grad, vn.grad)])
    for ours, ref in zip(*results):
        assert np.allclose(ours, ref)
