"""framework.Generator: PyTorch's torch.Generator for generator= arguments."""
import numpy as np

import framework as torch
from framework.utils.data import DataLoader, TensorDataset, random_split


def test_a_seeded_generator_repeats_and_ignores_the_global_seed():
    g = torch.Generator().manual_seed(7)
    assert isinstance(g, torch.Generator) and g.initial_seed() == 7
    first = torch.randn(3, generator=g).tolist() + torch.randint(0, 9, (4,), generator=g).tolist()
    torch.manual_seed(123)  # the global stream does not touch it
    h = torch.Generator().manual_seed(7)
    again = torch.randn(3, generator=h).tolist() + torch.randint(0, 9, (4,), generator=h).tolist()
    assert first == again
    state = h.get_state()
    a = torch.rand(2, generator=h).tolist()
    h.set_state(state)
    assert torch.rand(2, generator=h).tolist() == a
    assert sorted(torch.randperm(5, generator=h).tolist()) == [0, 1, 2, 3, 4]
    assert torch.Generator().initial_seed() != torch.Generator().initial_seed()


def test_random_split_and_data_loaders_take_a_generator():
    ds = TensorDataset(torch.randn(20, 2), torch.arange(20))
    a, b = random_split(ds, [0.75, 0.25], generator=torch.Generator().manual_seed(42))
    c, d = random_split(ds, [0.75, 0.25], torch.Generator().manual_seed(42))  # positional
    assert (len(a), len(b)) == (15, 5)
    assert list(b.indices) == list(d.indices)
    assert sorted(np.concatenate([a.indices, b.indices]).tolist()) == list(range(20))

    def order(loader):
        return next(iter(loader))[1].tolist()

    one = DataLoader(ds, batch_size=20, shuffle=True, generator=torch.Generator().manual_seed(3))
    two = DataLoader(ds, batch_size=20, shuffle=True, generator=torch.Generator().manual_seed(3))
    assert order(one) == order(two) != list(range(20))
    shared = torch.Generator().manual_seed(3)  # two loaders drawing from one stream differ
    assert order(DataLoader(ds, batch_size=20, shuffle=True, generator=shared)) != \
        order(DataLoader(ds, batch_size=20, shuffle=True, generator=shared))
