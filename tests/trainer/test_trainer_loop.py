"""Inside an epoch: evaluate() and Trainer._train_epoch against hand computations.

The end-to-end runs (test_train_run.py) show that training works; these pin down the
loop's bookkeeping, which a run that still learns would not reveal: sample-weighted
averages, eval mode during evaluation, fresh gradients each step, a new shuffle order
each epoch.
"""
import logging
from types import SimpleNamespace

import numpy as np
import pytest

import framework as fw
from framework import nn, optim
from framework.core import Config
from framework.data import DataLoader, TensorDataset
from framework.trainer import Trainer, evaluate

N, D = 7, 3  # 7 samples in batches of 3: the last batch (1 sample) is smaller


def _data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((N, D)), rng.standard_normal((N, 1))


def _model():
    np.random.seed(0)
    return nn.Linear(D, 1, dtype=np.float64)


def _abs_error(output, target):
    return float(np.abs(output.data - target).mean())


class _Recorder(nn.Module):
    """Wraps a model; records the training flag, the graph flag and the inputs seen."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.calls = []

    def forward(self, x):
        self.calls.append({"training": self.training, "backprop": Config.enable_backprop,
                           "x": np.array(x.data)})
        return self.inner(x)


class _Writer:
    def __init__(self):
        self.scalars = []

    def add_scalar(self, tag, value, step):
        self.scalars.append((tag, value, step))

    def add_histogram(self, *args):
        pass

    def flush(self):
        pass

    def close(self):
        pass


def _config(epochs):
    return SimpleNamespace(trainer=SimpleNamespace(
        epochs=epochs, save_period=1, early_stop=0, monitor="off", log_step=1,
        histograms=False))


def test_evaluate_averages_over_samples_not_batches():
    x, t = _data()
    model = _model()
    loader = DataLoader(TensorDataset(x, t), batch_size=3)
    result = evaluate(model, loader, nn.MSELoss(), [("mae", _abs_error)])
    y = x @ model.weight.data.T + model.bias.data
    # A plain mean over the 3 batches would give the single last sample the weight of 3.
    assert result["loss"] == pytest.approx(((y - t) ** 2).mean(), rel=1e-12)
    assert result["mae"] == pytest.approx(np.abs(y - t).mean(), rel=1e-12)
    assert list(result) == ["loss", "mae"]


@pytest.mark.parametrize("was_training", [True, False])
def test_evaluate_runs_in_eval_mode_without_a_graph_and_restores_the_mode(was_training):
    x, t = _data()
    model = _Recorder(_model())
    model.train(was_training)
    evaluate(model, DataLoader(TensorDataset(x, t), batch_size=3), nn.MSELoss(), [])
    assert len(model.calls) == 3
    assert all(not c["training"] and not c["backprop"] for c in model.calls)
    assert model.training is was_training
    assert model.inner.weight.grad is None


def test_evaluate_restores_training_mode_when_the_model_fails():
    model = _Recorder(_model())

    def broken(x):
        raise RuntimeError("forward failed")

    model.inner.forward = broken
    x, t = _data()
    with pytest.raises(RuntimeError, match="forward failed"):
        evaluate(model, DataLoader(TensorDataset(x, t), batch_size=3), nn.MSELoss(), [])
    assert model.training is True


class _SpySGD(optim.SGD):
    """SGD that records, at every step, the parameters and the gradients it is handed."""

    def __init__(self, params, **kwargs):
        super().__init__(params, **kwargs)
        self.seen = []

    def step(self):
        params = [p for g in self.param_groups for p in g["params"]]
        self.seen.append(([p.data.copy() for p in params],
                          [p.grad.data.copy() for p in params]))
        super().step()


def _trainer(epochs=3, shuffle=True):
    x, t = _data()
    model = _Recorder(_model())
    opt = _SpySGD(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(x, t), batch_size=3, shuffle=shuffle, seed=5)
    trainer = Trainer(model, nn.MSELoss(), [("mae", _abs_error)], opt, _config(epochs),
                      logger=logging.getLogger("zeronn.test"), writer=_Writer(),
                      train_loader=loader, show_progress=False)
    return trainer, model, opt, loader, x, t


def test_each_step_gets_only_its_own_batch_gradient():
    trainer, model, opt, loader, x, t = _trainer(epochs=2, shuffle=False)
    trainer.train()
    assert len(opt.seen) == 2 * len(loader)
    for k, (params, grads) in enumerate(opt.seen):
        idx = loader.epoch_order(k // len(loader))[(k % len(loader)) * 3:][:3]
        w = fw.Parameter(params[0].copy())
        b = fw.Parameter(params[1].copy())
        loss = ((fw.Variable(x[idx]) @ w.T + b - t[idx]) ** 2).mean()
        loss.backward()
        # gradients left over from the previous step would be added in here
        np.testing.assert_allclose(grads[0], w.grad.data, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(grads[1], b.grad.data, rtol=1e-12, atol=1e-15)


def test_every_epoch_is_shuffled_anew_in_the_loaders_documented_order():
    trainer, model, _, loader, x, _ = _trainer(epochs=3)
    trainer.train()
    train_calls = [c for c in model.calls if c["training"]]
    assert len(train_calls) == 3 * len(loader)
    orders = []
    for e in range(3):
        seen = np.concatenate([c["x"] for c in train_calls[e * 3:(e + 1) * 3]])
        order = [int(np.flatnonzero((x == row).all(axis=1))[0]) for row in seen]
        np.testing.assert_array_equal(order, loader.epoch_order(e))
        orders.append(order)
    assert orders[0] != orders[1] and orders[1] != orders[2]
    assert all(c["backprop"] for c in train_calls)


def test_train_loss_and_metrics_are_sample_weighted():
    trainer, model, opt, loader, x, t = _trainer(epochs=1, shuffle=False)
    (log,) = trainer.train()
    losses, maes = [], []
    for k, (params, _) in enumerate(opt.seen):
        idx = np.arange(N)[k * 3:(k + 1) * 3]
        y = x[idx] @ params[0].T + params[1]
        losses.append(((y - t[idx]) ** 2).mean() * len(idx))
        maes.append(np.abs(y - t[idx]).mean() * len(idx))
    assert log["loss"] == pytest.approx(sum(losses) / N, rel=1e-12)
    assert log["mae"] == pytest.approx(sum(maes) / N, rel=1e-12)
    assert log["epoch"] == 1 and log["lr"] == pytest.approx(0.1)
