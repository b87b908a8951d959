"""Tensor methods and top-level functions: values against numpy, gradients against
central differences (float64)."""
import numpy as np
import pytest

import framework as fw
from framework.utils import gradient_check

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.standard_normal(shape)


@pytest.mark.parametrize("name, f", [
    ("cumsum", lambda x: x.cumsum(dim=1)),
    ("prod", lambda x: x.prod(dim=1)),
    ("prod_all", lambda x: x.prod()),
    ("std", lambda x: x.std(dim=0)),
    ("var_biased", lambda x: x.var(1, unbiased=False, keepdim=True)),
    ("norm", lambda x: x.norm()),
    ("norm_p1_dim", lambda x: x.norm(p=1, dim=1)),
    ("max_dim", lambda x: x.max(dim=1).values),
    ("min_dim_keep", lambda x: x.min(0, keepdim=True)[0]),
    ("amax", lambda x: x.amax(dim=(0, 1))),
    ("gather", lambda x: x.gather(1, np.array([[0, 2], [1, 1], [3, 0]]))),
    ("index_select", lambda x: x.index_select(1, fw.tensor([3, 0, 0]))),
    ("masked_fill", lambda x: x.masked_fill(x.data > 0, -2.0)),
    ("where", lambda x: fw.where(x > 0, x, x * 3)),
    ("repeat", lambda x: x.repeat(2, 3)),
    ("expand", lambda x: x[:, :1].expand(3, 5)),
    ("narrow", lambda x: x.narrow(1, 1, 2)),
    ("chunk", lambda x: x.chunk(2, dim=1)[1]),
    ("unbind", lambda x: x.unbind(1)[2]),
    ("topk", lambda x: x.topk(2, dim=1).values),
    ("sort", lambda x: x.sort(dim=0, descending=True).values),
    ("clamp", lambda x: x.clamp(-0.5, 0.5)),
    ("softmax", lambda x: x.softmax(1) * fw.tensor(np.arange(4.0))),
    ("log_softmax", lambda x: x.log_softmax(0)),
    ("logsumexp", lambda x: x.logsumexp(1)),
    ("einsum", lambda x: fw.einsum("ij,kj->ik", x, x)),
    ("einsum_sum", lambda x: fw.einsum("ij->j", x)),
    ("permute_t", lambda x: x.unsqueeze(0).permute(2, 0, 1).squeeze(1).t()),
    ("clone_double", lambda x: (x.clone() * 2).double().contiguous()),
    ("flatten_view", lambda x: x.contiguous().view(-1).reshape(2, 6).flatten(0)),
    ("maximum", lambda x: fw.maximum(x, x.T.mT)),
    ("cat_stack", lambda x: fw.cat([x, x * 2], dim=1) + fw.stack([x, x], 2).sum(2).repeat(1, 2)),
])
def test_gradients(name, f):
    assert gradient_check(f, _x(3, 4))


def test_values_against_numpy():
    a = _x(3, 4)
    x = fw.tensor(a, dtype=fw.float64)
    assert np.allclose(x.cumsum(1).numpy(), a.cumsum(1))
    assert np.allclose(x.prod(1).numpy(), a.prod(1))
    assert np.allclose(x.std().item(), a.std(ddof=1)) and np.allclose(x.var(0).numpy(), a.var(0, ddof=1))
    assert np.allclose(x.norm().item(), np.linalg.norm(a))
    v, i = x.topk(2, dim=1)
    assert np.array_equal(i.numpy(), np.argsort(-a, 1)[:, :2]) and np.allclose(v.numpy(), -np.sort(-a, 1)[:, :2])
    s, j = fw.sort(x, dim=0)
    assert np.allclose(s.numpy(), np.sort(a, 0)) and np.array_equal(j.numpy(), np.argsort(a, 0))
    assert np.allclose(fw.einsum("ij,jk->ik", x, x.t()).numpy(), a @ a.T)
    assert np.allclose(fw.bmm(fw.tensor(a[None]), fw.tensor(a.T[None])).numpy(), (a @ a.T)[None])
    assert x.all().item() is True and (x > 10).any().item() is False
    assert x.argmin(dim=0).tolist() == a.argmin(0).tolist() and x.argmax().item() == a.argmax()
    assert x.numel() == 12 and x.dim() == 2 and x.element_size() == 8 and x.ndimension() == 2
    assert x.type() == "torch.DoubleTensor" and x.type(fw.float32).dtype == np.float32
    assert fw.allclose(x, a) and fw.equal(x, fw.tensor(a)) and not fw.equal(x, x * 2)
    assert fw.isnan(fw.tensor([1.0, np.nan])).tolist() == [False, True]
    assert fw.isfinite(fw.tensor([1.0, np.inf])).tolist() == [True, False]
    assert fw.numel(x) == 12 and fw.is_tensor(x) and not fw.is_tensor(a)
    parts = x.split([1, 3], dim=1)
    assert [p.shape for p in parts] == [(3, 1), (3, 3)]
    assert fw.where(fw.tensor([True, False]))[0].tolist() == [0]
    assert np.allclose(fw.clamp(x, min=0).numpy(), np.maximum(a, 0))
    assert fw.div(fw.tensor([7, -7]), 2, rounding_mode="floor").tolist() == [3, -4]


def test_cast_gradient_keeps_the_input_dtype():
    x = fw.tensor([1.0, 2.0], dtype=fw.float64, requires_grad=True)
    (x.float() * 3).sum().backward()
    assert x.grad.dtype == np.float64 and x.grad.tolist() == [3.0, 3.0]
    assert x.long().creator is None and not x.long().requires_grad and fw.tensor([1]).float().dtype == fw.float32


def test_views_share_memory():
    base = fw.zeros(2, 3)
    for view in (base.view(6), base.t(), base.T, base[0], base.narrow(1, 0, 2),
                 base.chunk(3, 1)[0], base.unbind(0)[1], base.detach(), base.transpose(0, 1),
                 base.permute(1, 0), base.unsqueeze(0), base.flatten()):
        assert np.shares_memory(view.numpy(), base.numpy())
    arr = np.zeros(3)
    t = fw.from_numpy(arr)
    t.add_(1)  # seen through the array
    assert arr.tolist() == [1.0, 1.0, 1.0] and fw.as_tensor(arr).numpy() is arr
    assert t.numpy() is arr and not np.shares_memory(fw.tensor(arr).numpy(), arr)


def test_factories_take_sizes_every_way():
    for make in (fw.zeros, fw.ones, fw.rand, fw.randn, fw.empty):
        assert make(2, 3).shape == make((2, 3)).shape == make(size=(2, 3)).shape == (2, 3)
        assert make(2, dtype=fw.float64).dtype == np.float64
        assert make(2, requires_grad=True).requires_grad and not make(2).requires_grad
    assert fw.full((2,), 1.5).dtype == fw.float32 and fw.full((2,), True).dtype == fw.bool
    assert fw.arange(0, 1, 0.5).tolist() == [0.0, 0.5] and fw.arange(0, 1, 0.5).dtype == fw.float32
    assert fw.randint(3, 5, size=(100,)).numpy().min() >= 3
    assert fw.normal(0.0, 1.0, size=(4,)).shape == (4,)
    assert fw.normal(fw.zeros(3), fw.ones(3)).shape == (3,)
    assert fw.rand_like(fw.zeros(2)).dtype == fw.float32
    with pytest.raises(TypeError, match="floating"):
        fw.randn_like(fw.zeros(2, dtype=fw.long))
    with pytest.raises(RuntimeError, match="floating"):
        fw.zeros(2, dtype=fw.long, requires_grad=True)
    with pytest.raises(TypeError, match="unexpected"):
        fw.zeros(2, bogus=1)
    assert fw.LongTensor([1, 2]).dtype == np.int64 and fw.BoolTensor([1, 0]).dtype == np.bool_
    assert fw.float is fw.float32 and fw.long is fw.int64 and fw.half is fw.float16
    assert fw.Tensor is fw.Variable


def test_grad_mode_switches():
    x = fw.ones(2, requires_grad=True)
    with fw.set_grad_enabled(False):
        assert (x * 2).creator is None
    assert (x * 2).creator is not None and fw.is_grad_enabled()
    with fw.inference_mode():
        assert (x * 2).creator is None

    @fw.no_grad()
    def f(v):
        return v * 2

    assert f(x).creator is None
    fw.set_grad_enabled(False)
    try:
        assert not fw.is_grad_enabled()
    finally:
        fw.set_grad_enabled(True)


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = fw.ones(2, requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    assert h.grad.tolist() == [6.0, 6.0] and h.retains_grad


def test_bad_arguments_name_the_problem():
    x = fw.zeros(2, 3)
    with pytest.raises(IndexError, match=r"range of \[-3, 2\], but got 3"):
        x.unsqueeze(3)
    with pytest.raises(ValueError, match=r"t\(\) expects a tensor with <= 2 dims"):
        fw.zeros(2, 2, 2).t()
    with pytest.raises(ValueError, match=r"permute: got 1 dims"):
        x.permute(1)
    with pytest.raises(RuntimeError, match="can't be cast"):
        fw.tensor([1, 2]).add_(0.5)  # an int tensor cannot hold a float result
    with pytest.raises(RuntimeError, match="read-only or broadcast view"):
        fw.zeros(1, 3).expand(2, 3).fill_(1.0)
    with pytest.raises(TypeError, match="give dim= or axis=, not both"):
        x.sum(dim=0, axis=1)
    with pytest.raises(ValueError, match="topk: k=4"):
        x.topk(4)
