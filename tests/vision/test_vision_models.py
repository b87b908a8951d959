"""framework.vision.models: torchvision's ResNets, by name, size and state_dict layout."""
import numpy as np
import pytest

import framework as torch
import framework.nn as nn
import framework.nn.functional as F
from framework.vision import models


@pytest.mark.parametrize("name, count, keys", [
    # torchvision's parameter counts for 1000 classes
    ("resnet18", 11_689_512, 122),
    ("resnet50", 25_557_032, 320),
])
def test_sizes_and_state_dict_names_are_torchvisions(name, count, keys):
    model = getattr(models, name)(weights=None)
    assert sum(p.data.size for p in model.parameters()) == count
    sd = model.state_dict()
    assert len(sd) == keys
    assert list(sd)[:6] == ["conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean",
                            "bn1.running_var", "bn1.num_batches_tracked"]
    assert sd["layer2.0.downsample.0.weight"].shape[:2] == \
        ((128, 64) if name == "resnet18" else (512, 256))
    assert "layer2.0.downsample.1.running_var" in sd and list(sd)[-2:] == ["fc.weight",
                                                                            "fc.bias"]


def test_a_state_dict_round_trip_gives_the_same_outputs():
    np.random.seed(0)
    a, b = models.resnet18(num_classes=5), models.resnet18(num_classes=5)
    b.load_state_dict(a.state_dict())
    a.eval(), b.eval()
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        np.testing.assert_allclose(a(x).data, b(x).data, rtol=1e-6)


def test_the_siamese_example_edits_train_a_step():
    # pytorch/examples siamese_network: a 1-channel first conv, the fc dropped
    np.random.seed(1)
    net = models.resnet18(weights=None)
    net.conv1 = nn.Conv2d(1, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3),
                          bias=False)
    features = net.fc.in_features
    trunk = nn.Sequential(*(list(net.children())[:-1]))
    head = nn.Linear(features, 3)
    params = list(trunk.parameters()) + list(head.parameters())
    optimizer = torch.optim.Adam(params, lr=1e-3)
    x, y = torch.randn(8, 1, 28, 28), torch.tensor(np.arange(8) % 3)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        out = head(trunk(x).view(8, -1))
        loss = F.cross_entropy(out, y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert trunk(x).shape == (8, features, 1, 1)
    assert losses[-1] < losses[0]


def test_initialisation_and_options():
    np.random.seed(2)
    model = models.resnet18(zero_init_residual=True)
    assert np.all(model.layer1[0].bn2.weight.data == 0)
    assert np.all(model.bn1.weight.data == 1) and np.all(model.bn1.bias.data == 0)
    w = model.layer3[0].conv1.weight.data  # kaiming normal, fan_out = 256 * 3 * 3
    assert w.std() == pytest.approx(np.sqrt(2.0 / (256 * 9)), rel=0.05)
    assert isinstance(models.resnet50().layer1[0], models.Bottleneck)


def test_weights_cannot_be_downloaded_and_say_what_to_do():
    with pytest.raises(ValueError, match=r"resnet18: weights='IMAGENET1K_V1' cannot be "
                                         r"downloaded here; .*load_state_dict"):
        models.resnet18(weights="IMAGENET1K_V1")
    with pytest.raises(ValueError, match="4 stage sizes"):
        models.ResNet(models.BasicBlock, [2, 2])
