"""Real training runs through nn + optim: Iris (BatchNorm MLP) and DeZero's spiral."""
import numpy as np

import framework as fw
from framework import nn, optim


def _read_iris(path):
    lines = path.read_text().strip().splitlines()
    header = lines[0].split(",")
    assert header[:2] == ["150", "4"], f"unexpected iris header {lines[0]!r}"
    rows = [line.split(",") for line in lines[1:]]
    x = np.array([[float(v) for v in r[:4]] for r in rows], dtype=np.float32)
    t = np.array([int(r[4]) for r in rows], dtype=np.int64)
    return x, t


def _spiral(num_data=100, num_class=3, seed=1984):
    """DeZero's spiral data set (dezero.datasets.get_spiral)."""
    rng = np.random.RandomState(seed)
    x = np.zeros((num_data * num_class, 2), dtype=np.float32)
    t = np.zeros(num_data * num_class, dtype=np.int64)
    for j in range(num_class):
        for i in range(num_data):
            rate = i / num_data
            theta = j * 4.0 + 4.0 * rate + rng.randn() * 0.2
            x[num_data * j + i] = (rate * np.sin(theta), rate * np.cos(theta))
            t[num_data * j + i] = j
    order = rng.permutation(num_data * num_class)
    return x[order], t[order]


def _accuracy(model, x, t):
    model.eval()
    with fw.no_grad():
        pred = model(x).data.argmax(axis=1)
    model.train()
    return float((pred == t).mean())


def _fit(model, opt, loss_fn, x, t, epochs, batch_size, rng):
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            idx = order[start:start + batch_size]
            if len(idx) < 2:  # BatchNorm needs more than one sample
                continue
            loss = loss_fn(model(x[idx]), t[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return float(loss.data)


def test_iris_batchnorm_mlp_reaches_090_test_accuracy(shared_file):
    x, t = _read_iris(shared_file("iris/iris.csv"))
    np.random.seed(0)
    order = np.random.permutation(len(x))
    n_train = int(0.75 * len(x))
    tr, te = order[:n_train], order[n_train:]
    mean, std = x[tr].mean(axis=0), x[tr].std(axis=0)
    x = (x - mean) / std
    sizes = [4, 128, 64, 32, 16]
    layers = []
    for a, b in zip(sizes, sizes[1:]):
        layers += [nn.Linear(a, b), nn.BatchNorm1d(b), nn.ReLU()]
    model = nn.Sequential(*layers, nn.Linear(16, 3))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    _fit(model, opt, nn.CrossEntropyLoss(), x[tr], t[tr], epochs=60, batch_size=16,
         rng=np.random.RandomState(0))
    acc = _accuracy(model, x[te], t[te])
    assert acc >= 0.9, f"Iris test accuracy {acc:.3f} < 0.9"


def test_spiral_mlp_reaches_095_train_accuracy():
    x, t = _spiral()
    np.random.seed(0)
    model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                          nn.Linear(64, 3))
    opt = optim.Adam(model.parameters(), lr=0.01)
    _fit(model, opt, nn.CrossEntropyLoss(), x, t, epochs=150, batch_size=30,
         rng=np.random.RandomState(0))
    acc = _accuracy(model, x, t)
    assert acc >= 0.95, f"spiral train accuracy {acc:.3f} < 0.95"
