"""A variational autoencoder written as a PyTorch script (``import framework as torch``):
reparameterisation with randn_like, binary cross-entropy plus the KL term summed, Adam,
sampling under no_grad and save_image of the reconstructions; on the shipped digits."""
import numpy as np

import framework as torch
from framework import nn, optim
from framework.nn import functional as F
from framework.vision.utils import save_image
from plugins.datasets.digits import Digits


class VAE(nn.Module):
    def __init__(self, pixels=64, hidden=128, latent=8):
        super().__init__()
        self.fc1 = nn.Linear(pixels, hidden)
        self.fc21 = nn.Linear(hidden, latent)
        self.fc22 = nn.Linear(hidden, latent)
        self.fc3 = nn.Linear(latent, hidden)
        self.fc4 = nn.Linear(hidden, pixels)

    def encode(self, x):
        h = F.relu(self.fc1(x))
        return self.fc21(h), self.fc22(h)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        return mu + torch.randn_like(std) * std

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 64))
        return self.decode(self.reparameterize(mu, logvar)), mu, logvar


def loss_function(recon, x, mu, logvar):
    bce = F.binary_cross_entropy(recon, x.view(-1, 64), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


def _epoch_loss(model, loader, optimizer=None):
    total = 0.0
    for data, _ in loader:
        if optimizer is not None:
            optimizer.zero_grad()
        recon, mu, logvar = model(data)
        loss = loss_function(recon, data, mu, logvar)
        if optimizer is not None:
            loss.backward()
            optimizer.step()
        total += loss.item()
    return total / len(loader.dataset)


def _tensors(dataset):
    images = np.stack([dataset[i][0] for i in range(len(dataset))])
    labels = np.array([dataset[i][1] for i in range(len(dataset))])
    return torch.utils.data.TensorDataset(torch.from_numpy(images), torch.from_numpy(labels))


def test_a_vae_script_trains_samples_and_saves_images(tmp_path):
    torch.manual_seed(0)
    np.random.seed(0)
    train = torch.utils.data.DataLoader(_tensors(Digits(train=True)), batch_size=64,
                                        shuffle=True)
    test = torch.utils.data.DataLoader(_tensors(Digits(train=False)), batch_size=128)
    model = VAE()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    model.eval()
    with torch.no_grad():
        before = _epoch_loss(model, test)
    losses = []
    for _ in range(8):
        model.train()
        losses.append(_epoch_loss(model, train, optimizer))
    model.eval()
    with torch.no_grad():
        after = _epoch_loss(model, test)
        data, _ = next(iter(test))
        recon, _, _ = model(data)
        comparison = torch.cat([data[:8], recon.view(-1, 1, 8, 8)[:8]])
        save_image(comparison.cpu(), tmp_path / "reconstruction.png", nrow=8)
        sample = model.decode(torch.randn(16, 8))
        save_image(sample.view(16, 1, 8, 8), tmp_path / "sample.png")
    # 64 pixels in [0, 1]: an untrained decoder costs about 64 * ln 2 = 44 nats per image
    assert before > 40 and after < 0.75 * before
    assert losses[-1] < losses[0]
    for name in ("reconstruction.png", "sample.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
