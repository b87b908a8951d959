"""nn.summary against hand-counted parameters, buffers and shapes of the built-in models."""
import numpy as np
import pytest

from framework import nn
from plugins.models import MLP, ConvAutoencoder, LeNet


def _rows(stats):
    return [(r.class_name, r.depth, r.output_size, r.num_params) for r in stats.summary_list]


def test_lenet_counts_and_shapes_by_hand():
    stats = nn.summary(LeNet(), (2, 1, 28, 28), verbose=0)
    # conv1 1*10*5*5+10, conv2 10*20*5*5+20, fc1 320*50+50, fc2 50*10+10
    assert stats.total_params == 260 + 5020 + 16050 + 510 == 21840
    assert stats.trainable_params == 21840 and stats.non_trainable_params == 0
    assert stats.total_buffers == 0
    leaves = [(r.class_name, r.output_size, r.num_params)
              for r in stats.summary_list if r.is_leaf]
    assert leaves == [
        ("Conv2d", [2, 10, 24, 24], 260), ("MaxPool2d", [2, 10, 12, 12], 0),
        ("ReLU", [2, 10, 12, 12], 0), ("Conv2d", [2, 20, 8, 8], 5020),
        ("MaxPool2d", [2, 20, 4, 4], 0), ("ReLU", [2, 20, 4, 4], 0),
        ("Flatten", [2, 320], 0), ("Linear", [2, 50], 16050), ("ReLU", [2, 50], 0),
        ("Dropout", [2, 50], 0), ("Linear", [2, 10], 510)]
    # multiply-adds: every weight/bias element meets every output position
    assert stats.total_mult_adds == 2 * (260 * 24 * 24 + 5020 * 8 * 8 + 16050 + 510)
    assert stats.param_bytes == 21840 * 4 and stats.input_bytes == 2 * 28 * 28 * 4
    text = str(stats)
    assert "│    └─Conv2d: 2-1" in text and "├─Sequential: 1-2" in text
    assert "Total params: 21,840" in text and "Params size (MB): 0.09" in text


def test_digits_mlp_with_batch_norm_counts_buffers():
    model = MLP(64, [256, 128], 10, batch_norm=True)
    stats = nn.summary(model, input_data=np.zeros((32, 8, 8), np.float32), verbose=0)
    # 64*256+256, BN 2*256, 256*128+128, BN 2*128, 128*10+10
    assert stats.total_params == 16640 + 512 + 32896 + 256 + 1290 == 51594
    # running_mean + running_var + num_batches_tracked per BatchNorm1d
    assert stats.total_buffers == (256 + 256 + 1) + (128 + 128 + 1)
    shapes = [r.output_size for r in stats.summary_list if r.is_leaf]
    assert shapes == [[32, 64], [32, 256], [32, 256], [32, 256], [32, 128], [32, 128],
                      [32, 128], [32, 10]]


def test_conv_autoencoder_and_frozen_encoder():
    model = ConvAutoencoder(in_channels=1, width=16, latent_channels=32)
    model.encoder.requires_grad_(False)
    stats = nn.summary(model, (3, 1, 8, 8), depth=1, verbose=0)
    encoder = 1 * 16 * 16 + 16 + 16 * 32 * 16 + 32           # two 4x4 convolutions
    decoder = 32 * 16 * 16 + 16 + 16 * 1 * 16 + 1            # two 4x4 transposed ones
    assert (encoder, decoder) == (8496, 8465)
    assert stats.total_params == encoder + decoder
    assert stats.non_trainable_params == encoder and stats.trainable_params == decoder
    assert [r.output_size for r in stats.summary_list] == [
        [3, 1, 8, 8], [3, 32, 2, 2], [3, 16, 4, 4], [3, 16, 4, 4], [3, 32, 2, 2],
        [3, 32, 2, 2], [3, 1, 8, 8], [3, 16, 4, 4], [3, 16, 4, 4], [3, 1, 8, 8],
        [3, 1, 8, 8]]
    lines = str(stats).splitlines()
    enc = next(line for line in lines if line.startswith("├─Sequential: 1-1"))
    dec = next(line for line in lines if line.startswith("├─Sequential: 1-2"))
    assert "(8,496)" in enc          # frozen parameters in parentheses
    assert "8,465" in dec and "(" not in dec.split("]")[-1]
    assert not any("Conv2d" in line for line in lines)   # depth=1 hides them
    assert "Non-trainable params: 8,496 (frozen)" in lines


def test_summary_leaves_the_model_as_it_was():
    model = MLP(4, [8], 3, batch_norm=True)
    model.train()
    before = {k: v.copy() for k, v in model.state_dict().items()}
    nn.summary(model, (5, 4), verbose=0)
    assert model.training and all(m.training for m in model.modules())
    after = model.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)
    assert not any(m._all_hooks for m in model.modules())


def test_shared_module_is_listed_twice_and_counted_once():
    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            return self.fc(self.fc(x))

    stats = nn.summary(Twice(), (2, 4), verbose=0)
    assert stats.total_params == 20
    assert [r.recursive for r in stats.summary_list] == [False, False, True]
    assert "(recursive)" in str(stats)


def test_summary_prints_with_verbose(capsys):
    nn.summary(nn.Linear(3, 2), (1, 3))
    out = capsys.readouterr().out
    assert out.startswith("=" * 10) and "Linear" in out and "Total params: 8" in out


@pytest.mark.parametrize("kwargs, match", [
    ({}, "input_size"),
    ({"input_size": (1, 0)}, "positive ints"),
    ({"input_size": (1, 3), "depth": -1}, "depth"),
    ({"input_size": (1, 3), "col_names": ("params",)}, "unknown column"),
    ({"input_size": (1, 5)}, "sample forward pass failed in Linear"),
])
def test_summary_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        nn.summary(nn.Sequential(nn.Linear(3, 2)), verbose=0, **kwargs)


def test_summary_rejects_a_non_module():
    with pytest.raises(TypeError, match="nn.Module"):
        nn.summary(lambda x: x, (1, 3))


def test_rows_cut_by_depth_show_their_subtree_multiply_adds():
    model = ConvAutoencoder(in_channels=1, width=16, latent_channels=32)
    full = nn.summary(model, (2, 1, 8, 8), verbose=0)
    cut = nn.summary(model, (2, 1, 8, 8), depth=1, verbose=0,
                     col_names=("output_size", "num_params", "mult_adds"))
    # encoder: 2 * (272 * 4*4 + 8224 * 2*2) (each conv weight meets every output position)
    encoder = 2 * (272 * 16 + 8224 * 4)
    line = next(x for x in str(cut).splitlines() if x.startswith("├─Sequential: 1-1"))
    assert f"{encoder:,}" in line
    assert cut.total_mult_adds == full.total_mult_adds
