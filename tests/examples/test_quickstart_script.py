"""The shape of PyTorch's quickstart tutorial, written with ``import framework as torch``:
FashionMNIST through ToTensor, an MLP behind nn.Flatten, SGD, the train and test loops
with ``.to(device)``, ``(pred.argmax(1) == y).type(torch.float).sum().item()``, then
``torch.save(model.state_dict(), path)`` and ``load_state_dict(torch.load(path,
weights_only=True))``."""
import pytest

import framework as torch
from framework import nn
from framework.utils.data import DataLoader, Subset
from framework.vision import datasets
from framework.vision.transforms import ToTensor


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(nn.Linear(28 * 28, 128), nn.ReLU(),
                                               nn.Linear(128, 10))

    def forward(self, x):
        return self.linear_relu_stack(self.flatten(x))


def _train(dataloader, model, loss_fn, optimizer, device):
    model.train()
    for X, y in dataloader:
        X, y = X.to(device), y.to(device)
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()


def _test(dataloader, model, loss_fn, device):
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    return test_loss / len(dataloader), correct / len(dataloader.dataset)


def test_the_quickstart_trains_saves_and_reloads(shared_file, tmp_path):
    root = shared_file("fashion-mnist/train-images-idx3-ubyte.gz").parents[1]
    torch.manual_seed(0)
    train_data = datasets.FashionMNIST(root=root, train=True, transform=ToTensor())
    test_data = datasets.FashionMNIST(root=root, train=False, transform=ToTensor())
    train_loader = DataLoader(Subset(train_data, range(20000)), batch_size=64, shuffle=True)
    test_loader = DataLoader(Subset(test_data, range(2000)), batch_size=64)
    X, y = next(iter(test_loader))
    assert X.shape == (64, 1, 28, 28) and y.shape == (64,) and y.dtype == torch.int64
    device = (torch.accelerator.current_accelerator().type
              if torch.accelerator.is_available() else "cpu")
    model = NeuralNetwork().to(device)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    before = _test(test_loader, model, loss_fn, device)
    for _ in range(2):
        _train(train_loader, model, loss_fn, optimizer, device)
    loss, accuracy = _test(test_loader, model, loss_fn, device)
    assert before[1] < 0.3 and accuracy > 0.78 and loss < before[0]
    torch.save(model.state_dict(), tmp_path / "model.pth")
    reloaded = NeuralNetwork().to(device)
    reloaded.load_state_dict(torch.load(tmp_path / "model.pth", weights_only=True))
    assert _test(test_loader, reloaded, loss_fn, device) == (loss, accuracy)
    x, label = test_data[0]
    with torch.no_grad():
        assert int(reloaded(x.to(device))[0].argmax(0)) in range(10) and label == 9
