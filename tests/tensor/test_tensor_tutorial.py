"""A PyTorch-basics tutorial, run with ``import framework as torch``.

The snippets follow a typical PyTorch tensor tutorial (creation, indexing, broadcasting,
view vs reshape, squeeze/unsqueeze, products, reductions, casting, joins, in-place
methods, softmax, one-hot labels, distances, backward with a gradient); each result is
checked against numpy.
"""
import numpy as np
import pytest

import framework as torch
import framework.nn.functional as F


def test_creation_and_dtypes():
    assert torch.zeros(2, 3).shape == (2, 3) and torch.zeros((2, 3)).dtype == torch.float32
    assert np.array_equal(torch.zeros(size=(2, 3)).numpy(), np.zeros((2, 3)))
    assert np.array_equal(torch.ones(2).numpy(), [1.0, 1.0])
    t = torch.FloatTensor([0., 1., 2., 3., 4., 5., 6.])
    assert t.dim() == 1 and t.shape == (7,) and t.size() == (7,) and t.dtype == torch.float32
    assert t[0].item() == 0.0 and t[-1].item() == 6.0
    assert t[2:5].tolist() == [2.0, 3.0, 4.0] and t[:2].tolist() == [0.0, 1.0]
    assert torch.FloatTensor(2, 3).shape == (2, 3)
    assert isinstance(t, torch.FloatTensor) and isinstance(t, torch.Tensor)
    d = torch.tensor([1.0, 2.0], dtype=torch.float64)
    assert d.dtype == torch.float64 == np.float64 and torch.double is torch.float64
    assert torch.tensor([1, 2]).dtype == torch.int64 == torch.long
    assert torch.arange(5).tolist() == [0, 1, 2, 3, 4] and torch.arange(5).dtype == torch.long
    assert np.allclose(torch.linspace(0, 1, 5).numpy(), np.linspace(0, 1, 5))
    assert np.array_equal(torch.eye(3).numpy(), np.eye(3))
    assert np.array_equal(torch.full((2, 2), 7).numpy(), np.full((2, 2), 7))
    x = torch.rand(2, 3)
    assert x.shape == (2, 3) and x.dtype == torch.float32
    assert float(x.min()) >= 0.0 and float(x.max()) < 1.0
    assert torch.randn(4, 5).shape == (4, 5)
    r = torch.randint(0, 10, (3, 4))
    assert r.dtype == torch.int64 and r.shape == (3, 4) and 0 <= int(r.min()) and int(r.max()) < 10
    assert sorted(torch.randperm(5).tolist()) == [0, 1, 2, 3, 4]
    assert np.array_equal(torch.ones_like(x).numpy(), np.ones((2, 3)))
    assert np.array_equal(torch.zeros_like(x).numpy(), np.zeros((2, 3)))
    assert torch.ones_like(r).dtype == torch.int64
    assert torch.cuda.is_available() in (True, False)
    assert str(torch.zeros(1).device) == "cpu" and torch.zeros(1).device.type == "cpu"


def test_seed_reproduces():
    torch.manual_seed(0)
    a = torch.rand(3)
    torch.manual_seed(0)
    assert torch.rand(3).tolist() == a.tolist()


def test_two_dim_indexing_and_size():
    a = np.array([[1., 2., 3.], [4., 5., 6.], [7., 8., 9.], [10., 11., 12.]])
    t = torch.FloatTensor(a)
    assert t.dim() == 2 and t.size() == (4, 3) and t.size(0) == 4 and t.size(-1) == 3
    assert t.size == 12  # DeZero's number of elements still holds
    assert np.array_equal(t[:, 1].numpy(), a[:, 1]) and t[:, 1].size() == (4,)
    assert np.array_equal(t[:, :-1].numpy(), a[:, :-1])


def test_broadcasting_products_and_reductions():
    m1 = torch.FloatTensor([[1, 2], [3, 4]])
    m2 = torch.FloatTensor([[1], [2]])
    assert np.array_equal((m1 + m2).numpy(), m1.numpy() + m2.numpy())
    assert np.array_equal(m1.matmul(m2).numpy(), m1.numpy() @ m2.numpy())
    assert np.array_equal((m1 * m2).numpy(), m1.numpy() * m2.numpy())
    assert np.array_equal(m1.mul(m2).numpy(), m1.numpy() * m2.numpy())
    assert np.array_equal(torch.mm(m1, m1).numpy(), m1.numpy() @ m1.numpy())
    v = torch.tensor([1.0, 2.0, 3.0])
    assert torch.dot(v, v).item() == 14.0 and v.dot(v).item() == 14.0
    assert np.array_equal(torch.matmul(m1, torch.tensor([1.0, 1.0])).numpy(), [3.0, 7.0])
    with pytest.raises(ValueError, match=r"\(3,\) and \(3,\)"):
        torch.mm(v, v)
    with pytest.raises(ValueError, match=r"\(2, 2\) and \(2, 2\)"):
        torch.dot(m1, m1)
    with pytest.raises(ValueError, match=r"\(2, 2\) and \(2, 2\)"):
        m1.dot(m1)
    a = m1.numpy()
    assert m1.mean().item() == 2.5
    assert np.array_equal(m1.mean(dim=0).numpy(), a.mean(0))
    assert np.array_equal(m1.mean(dim=-1).numpy(), a.mean(-1))
    assert np.array_equal(m1.sum(dim=1, keepdim=True).numpy(), a.sum(1, keepdims=True))
    assert np.array_equal(m1.sum(axis=1, keepdims=True).numpy(), a.sum(1, keepdims=True))
    assert m1.max().item() == 4.0
    values, indices = m1.max(dim=0)
    assert np.array_equal(values.numpy(), a.max(0)) and np.array_equal(indices.numpy(), a.argmax(0))
    assert np.array_equal(m1.max(1)[1].numpy(), [1, 1]) and np.array_equal(m1.max(dim=1)[0].numpy(), [2, 4])
    assert np.array_equal(m1.max(axis=1).numpy(), [2, 4])  # DeZero's keyword: values only
    assert np.array_equal(m1.argmax(dim=1).numpy(), [1, 1])


def test_view_shares_memory_and_reshape_after_t_copies():
    a = np.arange(12, dtype=np.float32).reshape(2, 2, 3)
    ft = torch.FloatTensor(a)
    v = ft.view([-1, 3])
    assert v.shape == (4, 3) and np.array_equal(v.numpy(), a.reshape(-1, 3))
    assert ft.view(-1, 1, 3).shape == (4, 1, 3)
    v[0, 0] = 100.0  # written through the view...
    assert ft[0, 0, 0].item() == 100.0  # ...seen by the base
    m = torch.arange(6.0).view(2, 3)
    with pytest.raises(RuntimeError, match="reshape"):
        m.t().view(6)  # a transposed matrix is not contiguous
    r = m.t().reshape(6)
    assert r.tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    r[0] = -1.0  # reshape of the transpose is a copy: the base is untouched
    assert m[0, 0].item() == 0.0
    assert not np.shares_memory(r.numpy(), m.numpy())
    assert np.array_equal(m.t().numpy(), m.numpy().T) and m.t().contiguous().view(6).shape == (6,)
    assert m.flatten().shape == (6,) and torch.flatten(torch.zeros(2, 3, 4), 1).shape == (2, 12)


def test_squeeze_unsqueeze():
    ft = torch.FloatTensor([[0], [1], [2]])
    assert ft.squeeze().tolist() == [0.0, 1.0, 2.0] and ft.squeeze(1).shape == (3,)
    ft = torch.Tensor is torch.Variable and torch.FloatTensor([0, 1, 2])
    assert ft.unsqueeze(0).shape == (1, 3) and ft.view(1, -1).shape == (1, 3)
    assert ft.unsqueeze(1).shape == (3, 1) and ft.unsqueeze(-1).shape == (3, 1)
    assert torch.zeros(2, 1, 3).squeeze(0).shape == (2, 1, 3)  # not size 1: unchanged


def test_casting_and_joins():
    lt = torch.LongTensor([1, 2, 3, 4])
    assert lt.float().dtype == torch.float32 and lt.float().tolist() == [1.0, 2.0, 3.0, 4.0]
    bt = torch.ByteTensor([True, False, False, True])
    assert bt.long().tolist() == [1, 0, 0, 1] and bt.float().tolist() == [1.0, 0.0, 0.0, 1.0]
    x = torch.FloatTensor([[1, 2], [3, 4]])
    y = torch.FloatTensor([[5, 6], [7, 8]])
    assert np.array_equal(torch.cat([x, y], dim=0).numpy(), np.concatenate([x.numpy(), y.numpy()], 0))
    assert np.array_equal(torch.cat([x, y], dim=1).numpy(), np.concatenate([x.numpy(), y.numpy()], 1))
    a, b, c = torch.FloatTensor([1, 4]), torch.FloatTensor([2, 5]), torch.FloatTensor([3, 6])
    assert torch.stack([a, b, c]).tolist() == [[1, 4], [2, 5], [3, 6]]
    assert torch.stack([a, b, c], dim=1).tolist() == [[1, 2, 3], [4, 5, 6]]
    assert np.array_equal(torch.cat([a.unsqueeze(0), b.unsqueeze(0)], dim=0).numpy(), [[1, 4], [2, 5]])


def test_in_place_methods():
    x = torch.FloatTensor([[1, 2], [3, 4]])
    assert x.mul(2.).tolist() == [[2, 4], [6, 8]] and x.tolist() == [[1, 2], [3, 4]]
    same = x.mul_(2.)
    assert same is x and x.tolist() == [[2, 4], [6, 8]]
    x.fill_(3.5)
    assert x.tolist() == [[3.5, 3.5], [3.5, 3.5]]
    x.zero_()
    assert x.tolist() == [[0, 0], [0, 0]]
    x.add_(torch.ones(2, 2), alpha=2)
    assert x.tolist() == [[2, 2], [2, 2]]


def test_softmax_one_hot_argmax():
    z = torch.FloatTensor([1, 2, 3])
    h = torch.softmax(z, dim=0)
    e = np.exp([1.0, 2.0, 3.0])
    assert np.allclose(h.numpy(), e / e.sum()) and h.sum().item() == pytest.approx(1.0)
    assert np.allclose(z.softmax(0).numpy(), h.numpy())
    logits = torch.rand(3, 5, requires_grad=True)
    assert np.allclose(torch.softmax(logits, dim=1).numpy().sum(1), 1.0)
    y = torch.randint(5, (3,))
    onehot = F.one_hot(y, num_classes=5)
    assert onehot.shape == (3, 5) and np.array_equal(onehot.argmax(dim=1).numpy(), y.numpy())
    pred = torch.FloatTensor(np.eye(5)[y.numpy()]).argmax(dim=1)
    assert (pred == y).sum().item() == 3  # elementwise, not an identity test


def test_cartesian_prod_and_cdist():
    a, b = torch.tensor([1, 2, 3]), torch.tensor([4, 5])
    assert torch.cartesian_prod(a, b).tolist() == [[1, 4], [1, 5], [2, 4], [2, 5], [3, 4], [3, 5]]
    x1 = torch.tensor([[0.0, 0.0], [3.0, 4.0]])
    x2 = torch.tensor([[0.0, 0.0], [6.0, 8.0], [3.0, 0.0]])
    want = np.sqrt(((x1.numpy()[:, None] - x2.numpy()[None]) ** 2).sum(-1))
    assert np.allclose(torch.cdist(x1, x2).numpy(), want)


def test_backward_with_gradient():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.backward(gradient=torch.tensor([0.1, 1.0, 0.0001]))
    assert np.allclose(x.grad.numpy(), [0.2, 2.0, 0.0002])
    w = torch.ones(2, 2, requires_grad=True)
    out = (w * 3).sum()
    out.backward()
    assert np.array_equal(w.grad.numpy(), np.full((2, 2), 3.0))
