"""``torch.nn.utils.rnn``: padding a list of variable-length sequences into one batch.

``pad_sequence`` is what a ``collate_fn`` for text or time series needs; the padded
steps are then masked in the loss (``ignore_index``) or by lengths. Packed sequences
(``pack_padded_sequence``) are not built: the recurrent layers here run the full padded
length, so the packing functions raise, naming that way.
"""
import numpy as np

import framework.functions as F
from framework.core import Variable
from framework.nn.functional import pad

__all__ = ["pad_sequence", "unpad_sequence", "pack_padded_sequence", "pack_sequence",
           "pad_packed_sequence", "PackedSequence"]


def _as_tensor(seq, i):
    if isinstance(seq, Variable):
        return seq
    if isinstance(seq, np.ndarray):
        return Variable(seq, requires_grad=False)
    raise TypeError(f"pad_sequence: sequences[{i}] should be a tensor, got "
                    f"{type(seq).__name__}")


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of shapes ``(L_i, *)`` into ``(L_max, B, *)`` (or ``(B, L_max, *)``
    with ``batch_first``), filling with ``padding_value``; differentiable.

    Raises:
        ValueError: no sequences, trailing shapes that differ, or a bad padding_side.
    """
    seqs = [_as_tensor(s, i) for i, s in enumerate(sequences)]
    if not seqs:
        raise ValueError("pad_sequence: expected at least one sequence, got none")
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side should be 'right' or 'left', got "
                         f"{padding_side!r}")
    trailing = {tuple(s.shape[1:]) for s in seqs}
    if len(trailing) != 1 or any(s.ndim == 0 for s in seqs):
        raise ValueError(f"pad_sequence: every sequence should be (L, *) with the same "
                         f"trailing shape, got shapes {[tuple(s.shape) for s in seqs]}")
    longest = max(s.shape[0] for s in seqs)
    rest = (0, 0) * (seqs[0].ndim - 1)
    padded = []
    for s in seqs:
        missing = longest - s.shape[0]
        amounts = (0, missing) if padding_side == "right" else (missing, 0)
        padded.append(pad(s, rest + amounts, value=padding_value) if missing else s)
    return F.stack(padded, axis=0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences ``pad_sequence`` stacked, cut back to ``lengths``."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[i, :int(n)] for i, n in enumerate(getattr(lengths, "tolist", lambda: lengths)())]


def _not_built(name):
    def refuse(*args, **kwargs):
        raise NotImplementedError(
            f"{name}: packed sequences are not supported; the recurrent layers run the "
            f"whole padded batch: use pad_sequence(...) and mask the padded steps (e.g. "
            f"CrossEntropyLoss(ignore_index=pad_id), or index each sequence's last step "
            f"with its length)")
    refuse.__name__ = name
    return refuse


pack_padded_sequence = _not_built("pack_padded_sequence")
pack_sequence = _not_built("pack_sequence")
pad_packed_sequence = _not_built("pad_packed_sequence")
PackedSequence = _not_built("PackedSequence")
