"""nn.utils.rnn.pad_sequence for variable-length batches (a text collate_fn)."""
import numpy as np
import pytest

import framework as torch
from framework import nn
from framework.nn.utils.rnn import pack_padded_sequence, pad_sequence, unpad_sequence
from framework.utils import gradient_check


def test_pad_sequence_shapes_values_and_sides():
    a = torch.tensor([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    b = torch.tensor([[4.0, 4.0]])
    p = pad_sequence([a, b], batch_first=True, padding_value=-1.0)
    assert p.shape == (2, 3, 2)
    assert p.tolist()[1] == [[4.0, 4.0], [-1.0, -1.0], [-1.0, -1.0]]
    assert pad_sequence([a, b]).shape == (3, 2, 2)  # (L_max, B, *) by default
    left = pad_sequence([a, b], batch_first=True, padding_side="left")
    assert left.tolist()[1] == [[0.0, 0.0], [0.0, 0.0], [4.0, 4.0]]
    back = unpad_sequence(p, torch.tensor([3, 1]), batch_first=True)
    assert [t.tolist() for t in back] == [a.tolist(), b.tolist()]
    ids = pad_sequence([torch.tensor([5, 6, 7]), torch.tensor([8])], batch_first=True)
    assert ids.dtype == np.int64 and ids.tolist() == [[5, 6, 7], [8, 0, 0]]


def test_pad_sequence_is_differentiable():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((2, 3))
    w = rng.standard_normal((2, 4, 3))
    assert gradient_check(lambda a, b: (pad_sequence([a, b], batch_first=True) * w).sum(),
                          x, y)


def test_a_padded_batch_through_an_lstm_and_a_masked_loss():
    torch.manual_seed(0)
    np.random.seed(0)
    emb, lstm, head = nn.Embedding(10, 4, padding_idx=0), nn.LSTM(4, 8, batch_first=True), \
        nn.Linear(8, 10)
    batch = pad_sequence([torch.tensor([1, 2, 3, 4]), torch.tensor([5, 6])], batch_first=True)
    out, _ = lstm(emb(batch))
    logits = head(out)
    loss = nn.CrossEntropyLoss(ignore_index=0)(logits.reshape(-1, 10), batch.reshape(-1))
    loss.backward()
    assert np.isfinite(loss.item()) and lstm.weight_ih_l0.grad is not None


def test_errors_name_the_problem_and_the_way_around_packing():
    with pytest.raises(ValueError, match="same"):
        pad_sequence([torch.ones(2, 3), torch.ones(2, 4)])
    with pytest.raises(ValueError, match="at least one"):
        pad_sequence([])
    with pytest.raises(NotImplementedError, match="use pad_sequence"):
        pack_padded_sequence(torch.ones(3, 2, 1), [3, 2])
