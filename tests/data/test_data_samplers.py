"""Samplers (torch.utils.data's), ConcatDataset, and the DataLoader driven by them."""
import sys
import types

import numpy as np
import pytest

from framework.data import (BatchSampler, ConcatDataset, DataLoader, DistributedSampler,
                            RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                            TensorDataset, WeightedRandomSampler)
from framework.utils import data as utils_data

DS = TensorDataset(np.arange(10.0))


def test_sequential_and_random_samplers():
    assert list(SequentialSampler(DS)) == list(range(10)) and len(SequentialSampler(DS)) == 10
    s = RandomSampler(DS, seed=7)
    first, second = list(s), list(s)
    assert sorted(first) == sorted(second) == list(range(10)) and first != second
    assert first == np.random.default_rng([7, 0]).permutation(10).tolist()
    s.set_epoch(0)
    assert list(s) == first
    assert list(RandomSampler(DS, seed=7)) == first  # the seed alone decides


def test_random_sampler_num_samples_and_replacement():
    s = RandomSampler(DS, num_samples=25, seed=1)
    out = list(s)
    assert len(out) == len(s) == 25
    assert sorted(out[:10]) == sorted(out[10:20]) == list(range(10))  # whole permutations
    r = list(RandomSampler(DS, replacement=True, num_samples=200, seed=1))
    assert len(r) == 200 and set(r) == set(range(10))
    with pytest.raises(ValueError, match="num_samples should be an integer >= 1, but got 0"):
        RandomSampler(DS, num_samples=0)
    with pytest.raises(ValueError, match="replacement should be a boolean"):
        RandomSampler(DS, replacement=1)


def test_generator_gives_the_seed():
    a = list(RandomSampler(DS, generator=np.random.default_rng(3)))
    b = list(RandomSampler(DS, generator=np.random.default_rng(3)))
    assert a == b
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        RandomSampler(DS, generator="rng")


def test_subset_random_sampler():
    s = SubsetRandomSampler([2, 4, 6, 8], seed=0)
    assert sorted(s) == [2, 4, 6, 8] and len(s) == 4


def test_weighted_random_sampler_follows_the_weights():
    w = [0.0, 1.0, 3.0, 6.0]
    draws = np.array(list(WeightedRandomSampler(w, 20000, seed=0)))
    freq = np.bincount(draws, minlength=4) / len(draws)
    np.testing.assert_allclose(freq, np.array(w) / 10, atol=0.015)
    assert freq[0] == 0
    unique = list(WeightedRandomSampler(w, 3, replacement=False, seed=0))
    assert sorted(unique) == [1, 2, 3]
    with pytest.raises(ValueError, match="cannot draw 4 samples without replacement from 3"):
        WeightedRandomSampler(w, 4, replacement=False)
    with pytest.raises(ValueError, match="finite non-negative"):
        WeightedRandomSampler([1.0, -1.0], 2)


def test_batch_sampler():
    assert list(BatchSampler(range(7), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, False)) == 3 and len(BatchSampler(range(7), 3, True)) == 2
    with pytest.raises(ValueError, match="batch_size should be an integer >= 1, but got 0"):
        BatchSampler(range(3), 0, False)


def _torch_rule(n, replicas, rank, shuffle, seed, epoch, drop_last):
    """DistributedSampler's shard as torch.utils.data.distributed writes it."""
    indices = (np.random.default_rng([seed, epoch]).permutation(n).tolist() if shuffle
               else list(range(n)))
    if drop_last and n % replicas:
        num = -(-(n - replicas) // replicas)
    else:
        num = -(-n // replicas)
    total = num * replicas
    if not drop_last:
        pad = total - len(indices)
        indices += (indices * -(-pad // len(indices)))[:pad] if pad > len(indices) \
            else indices[:pad]
    else:
        indices = indices[:total]
    return indices[rank:total:replicas]


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (12, 4, False),
                                                  (2, 5, False), (11, 2, True)])
def test_distributed_sampler_shards(n, replicas, drop_last):
    ds = TensorDataset(np.arange(float(n)))
    shards = []
    for rank in range(replicas):
        s = DistributedSampler(ds, num_replicas=replicas, rank=rank, seed=5, drop_last=drop_last)
        s.set_epoch(3)
        shard = list(s)
        assert shard == _torch_rule(n, replicas, rank, True, 5, 3, drop_last)
        assert len(shard) == len(s)
        assert list(s) == shard  # no set_epoch: the same order again, as PyTorch
        shards.append(shard)
    union = [i for shard in shards for i in shard]
    if drop_last:
        assert len(set(union)) == len(union)  # no duplicates
    else:
        assert set(union) == set(range(n))    # everyone is covered (the tail padded)
    s0 = DistributedSampler(ds, num_replicas=replicas, rank=0, seed=5, drop_last=drop_last)
    s0.set_epoch(4)
    assert list(s0) != shards[0] or n <= replicas


def test_distributed_sampler_without_shuffle_and_bad_rank():
    ds = TensorDataset(np.arange(7.0))
    assert list(DistributedSampler(ds, 2, 1, shuffle=False)) == [1, 3, 5, 0]
    with pytest.raises(ValueError, match=r"invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(ds, num_replicas=2, rank=2)


def test_distributed_sampler_defaults_come_from_the_process_group(monkeypatch):
    ds = TensorDataset(np.arange(8.0))
    monkeypatch.delitem(sys.modules, "framework.distributed", raising=False)
    assert (DistributedSampler(ds).num_replicas, DistributedSampler(ds).rank) == (1, 0)
    fake = types.SimpleNamespace(is_initialized=lambda: True, get_world_size=lambda: 4,
                                 get_rank=lambda: 3)
    monkeypatch.setitem(sys.modules, "framework.distributed", fake)
    s = DistributedSampler(ds, shuffle=False)
    assert (s.num_replicas, s.rank, list(s)) == (4, 3, [3, 7])
    fake.is_initialized = lambda: False
    s = DistributedSampler(ds)
    assert (s.num_replicas, s.rank) == (1, 0)


def test_loader_with_a_distributed_sampler_and_set_epoch():
    ds = TensorDataset(np.arange(20.0))
    s = DistributedSampler(ds, num_replicas=2, rank=1, seed=9)
    loader = DataLoader(ds, batch_size=3, sampler=s)
    assert len(loader) == 4
    loader.set_epoch(2)
    got = np.concatenate([b[0] for b in loader]).astype(int).tolist()
    assert got == _torch_rule(20, 2, 1, True, 9, 2, False)


def test_loader_with_a_batch_sampler_and_a_custom_sampler():
    ds = TensorDataset(np.arange(10.0) * 10)
    loader = DataLoader(ds, batch_sampler=[[3, 1], [0], [9, 8, 7]])
    assert len(loader) == 3
    assert [b[0].tolist() for b in loader] == [[30.0, 10.0], [0.0], [90.0, 80.0, 70.0]]

    class Backwards(Sampler):
        def __iter__(self):
            return iter(range(9, -1, -1))

        def __len__(self):
            return 10
    loader = DataLoader(ds, batch_size=4, sampler=Backwards())
    assert [b[0].tolist() for b in loader][0] == [90.0, 80.0, 70.0, 60.0]
    with pytest.raises(ValueError, match="order comes from its sampler"):
        loader.epoch_order()


def test_default_sampler_matches_the_loaders_order():
    loader = DataLoader(DS, batch_size=4, shuffle=True, seed=12)
    assert isinstance(loader.sampler, RandomSampler)
    assert isinstance(loader.batch_sampler, BatchSampler)
    for epoch in range(3):
        loader.sampler.set_epoch(epoch)
        assert list(loader.sampler) == loader.epoch_order(epoch).tolist()
    assert isinstance(DataLoader(DS).sampler, SequentialSampler)


def test_concat_dataset():
    a, b = TensorDataset(np.arange(3.0)), TensorDataset(np.arange(10.0, 15.0))
    c = ConcatDataset([a, b])
    assert len(c) == 8 and c.cumulative_sizes == [3, 8]
    assert [float(c[i][0]) for i in range(8)] == [0, 1, 2, 10, 11, 12, 13, 14]
    assert float(c[-1][0]) == 14 and float(c[-8][0]) == 0
    with pytest.raises(IndexError, match="index 8 is out of range for length 8"):
        c[8]
    with pytest.raises(IndexError, match="index -9"):
        c[-9]
    assert len(a + b) == 8
    with pytest.raises(ValueError, match="should not be an empty iterable"):
        ConcatDataset([])
    batches = list(DataLoader(c, batch_size=3))
    assert batches[1][0].tolist() == [10.0, 11.0, 12.0]


def test_every_name_is_in_utils_data():
    for name in ("Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
                 "WeightedRandomSampler", "BatchSampler", "DistributedSampler", "ConcatDataset",
                 "DataLoader", "get_worker_info"):
        assert getattr(utils_data, name) is getattr(sys.modules["framework.data"], name)
