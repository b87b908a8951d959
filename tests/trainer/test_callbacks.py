"""Callbacks: the event order, the sort order, and the built-in gradient and weight callbacks
(grad_clip, grad_accumulation, ema) against hand computations on tiny float64 problems."""
import logging
from types import SimpleNamespace

import numpy as np
import pytest

import framework as fw
from framework import nn, optim
from framework.data import DataLoader, TensorDataset
from framework.trainer import Callback, CallbackList, Trainer, evaluate
from framework.trainer.callbacks import EMA, GradAccumulation, GradClip


def _config(epochs, monitor="off"):
    return SimpleNamespace(trainer=SimpleNamespace(
        epochs=epochs, save_period=1, early_stop=0, monitor=monitor, log_step=1,
        histograms=False))


class _Writer:
    log_dir = None

    def __init__(self):
        self.scalars = []

    def add_scalar(self, tag, value, step):
        self.scalars.append((tag, value, step))

    def add_histogram(self, *args):
        pass

    def flush(self):
        pass


class _SpySGD(optim.SGD):
    """SGD recording the gradients it is handed at every step."""

    def __init__(self, params, **kwargs):
        super().__init__(params, **kwargs)
        self.grads = []

    def step(self):
        self.grads.append([p.grad.data.copy() for g in self.param_groups for p in g["params"]])
        super().step()


def _data(n=32, d=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.standard_normal((n, 2))


def _trainer(batch_size, callbacks=(), epochs=1, n=32, valid=None, seed=0):
    x, t = _data(n)
    np.random.seed(seed)
    model = nn.Sequential(nn.Linear(3, 4, dtype=np.float64), nn.Tanh(),
                          nn.Linear(4, 2, dtype=np.float64))
    opt = _SpySGD(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(x, t), batch_size=batch_size)
    trainer = Trainer(model, nn.MSELoss(), [], opt, _config(epochs),
                      logger=logging.getLogger("zeronn.test"), writer=_Writer(),
                      train_loader=loader, valid_loader=valid, callbacks=list(callbacks),
                      show_progress=False)
    return trainer, model, opt


def _weights(model):
    return [p.data.copy() for p in model.parameters()]


def test_events_come_in_the_documented_order_and_sorted_by_order():
    seen = []

    class Late(Callback):
        order = 5
        on_fit_start = lambda self, trainer: seen.append(("late", "on_fit_start"))  # noqa: E731

    class Early(Callback):
        order = -5
        on_fit_start = lambda self, trainer: seen.append(("early", "on_fit_start"))  # noqa: E731

        def on_batch_start(self, trainer, batch):
            seen.append(("early", "on_batch_start"))

        def after_backward(self, trainer):
            seen.append(("early", "after_backward"))

        def on_batch_end(self, trainer, batch, loss):
            assert isinstance(loss, float)
            seen.append(("early", "on_batch_end"))

        def on_validation_start(self, trainer):
            seen.append(("early", "on_validation_start"))

        def on_validation_end(self, trainer, logs):
            seen.append(("early", "on_validation_end"))

        def on_epoch_start(self, trainer, epoch):
            seen.append(("early", f"on_epoch_start {epoch}"))

        def on_epoch_end(self, trainer, epoch, logs):
            assert logs is trainer.history[-1] and "lr" in logs and "seconds" in logs
            seen.append(("early", f"on_epoch_end {epoch}"))

        def on_fit_end(self, trainer):
            seen.append(("early", "on_fit_end"))

    trainer, _, _ = _trainer(16, [Late(), Early()], epochs=1)
    trainer.train()
    batch = [("early", "on_batch_start"), ("early", "after_backward"), ("early", "on_batch_end")]
    assert seen == [("early", "on_fit_start"), ("late", "on_fit_start"),
                    ("early", "on_epoch_start 1"), *batch, *batch,
                    ("early", "on_validation_start"), ("early", "on_validation_end"),
                    ("early", "on_epoch_end 1"), ("early", "on_fit_end")]
    assert [type(cb).__name__ for cb in trainer.callbacks][:3] == [
        "Early", "Late", "LearningRateMonitor"]  # lr_monitor's order is 20


def test_a_callback_can_stop_the_run_and_the_list_rejects_non_callbacks():
    class StopAfterTwo(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            trainer.should_stop = epoch == 2

    trainer, _, _ = _trainer(16, [StopAfterTwo()], epochs=5)
    assert [h["epoch"] for h in trainer.train()] == [1, 2]
    with pytest.raises(TypeError, match="Callback instances, got int"):
        CallbackList([3])


def test_on_exception_sees_a_diverged_loss():
    seen = []

    class Watch(Callback):
        def on_exception(self, trainer, exc):
            seen.append(type(exc).__name__)

        def on_batch_start(self, trainer, batch):
            batch[1][:] = np.nan

    trainer, _, _ = _trainer(16, [Watch()])
    with pytest.raises(fw.trainer.TrainingDiverged):
        trainer.train()
    assert seen == ["TrainingDiverged"]


# ------------------------------------------------------------------ grad_accumulation
@pytest.mark.parametrize("n, batch", [(32, 8), (30, 8)])  # 30: the last batch holds 6
def test_four_batches_accumulated_equal_one_batch_of_their_samples(n, batch):
    acc, model_acc, opt_acc = _trainer(batch, [GradAccumulation(steps=4)], epochs=3, n=n)
    one, model_one, opt_one = _trainer(n, epochs=3, n=n)
    acc.train()
    one.train()
    assert len(opt_acc.grads) == len(opt_one.grads) == 3 and acc.step == one.step == 3
    for got, want in zip(opt_acc.grads, opt_one.grads):
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-15)
    for a, b in zip(_weights(model_acc), _weights(model_one)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    # the logged epoch loss is still the sample-weighted mean over the epoch's batches
    assert acc.history[0]["loss"] == pytest.approx(one.history[0]["loss"], rel=1e-12)


def test_accumulation_in_float32_matches_to_float_tolerance():
    x, t = _data(32)
    results = []
    for batch, callbacks in ((8, [GradAccumulation(steps=4)]), (32, [])):
        np.random.seed(0)
        model = nn.Linear(3, 2)
        loader = DataLoader(TensorDataset(x.astype(np.float32), t.astype(np.float32)),
                            batch_size=batch)
        trainer = Trainer(model, nn.MSELoss(), [], optim.SGD(model.parameters(), lr=0.1),
                          _config(2), logger=logging.getLogger("zeronn.test"),
                          writer=_Writer(), train_loader=loader, callbacks=callbacks,
                          show_progress=False)
        trainer.train()
        results.append(_weights(model))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_accumulation_rejects_a_bad_step_count():
    for bad in (0, -1, 2.5, True, "4"):
        with pytest.raises(ValueError, match="steps: expected a positive integer"):
            GradAccumulation(steps=bad)


# ------------------------------------------------------------------ grad_clip
def test_grad_clip_scales_the_joint_norm_down_to_max_norm():
    clipped, _, opt_c = _trainer(8, [GradClip(max_norm=0.05)])
    plain, _, opt_p = _trainer(8)
    clipped.train()
    for got, raw in zip(opt_c.grads[:1], opt_p.grads[:1]):  # the same first step
        norm = np.sqrt(sum((g ** 2).sum() for g in raw))
        assert norm > 0.05
        for g, r in zip(got, raw):
            np.testing.assert_allclose(g, r * 0.05 / (norm + 1e-6), rtol=1e-12)
    plain.train()
    for grads in opt_c.grads:
        assert np.sqrt(sum((g ** 2).sum() for g in grads)) <= 0.05 + 1e-9


def test_grad_clip_by_value_and_its_argument_checks():
    trainer, _, opt = _trainer(8, [GradClip(clip_value=0.01)])
    trainer.train()
    assert max(np.abs(g).max() for grads in opt.grads for g in grads) <= 0.01
    assert any(np.isclose(np.abs(g).max(), 0.01) for grads in opt.grads for g in grads)
    with pytest.raises(ValueError, match="not both"):
        GradClip(max_norm=1.0, clip_value=1.0)
    with pytest.raises(ValueError, match="max_norm: expected a positive number"):
        GradClip(max_norm=-1)
    assert GradClip().max_norm == 1.0  # `callbacks: [grad_clip]` alone clips the norm at 1


def test_grad_clip_after_accumulation_clips_the_averaged_gradient():
    acc, _, opt_acc = _trainer(8, [GradAccumulation(steps=4), GradClip(max_norm=0.05)])
    one, _, opt_one = _trainer(32, [GradClip(max_norm=0.05)])
    acc.train()
    one.train()
    for g, w in zip(opt_acc.grads[0], opt_one.grads[0]):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------ ema
def _valid():
    x, t = _data(16, seed=1)
    return DataLoader(TensorDataset(x, t), batch_size=16)


def test_ema_with_decay_one_validates_the_initial_weights_every_epoch():
    trainer, model, _ = _trainer(8, [EMA(decay=1.0)], epochs=3, valid=_valid())
    initial = evaluate(model, _valid(), nn.MSELoss(), [])["loss"]
    history = trainer.train()
    assert [h["val_loss"] for h in history] == [initial] * 3  # the average never moved
    assert history[-1]["loss"] < history[0]["loss"]  # while the raw weights trained
    assert evaluate(model, _valid(), nn.MSELoss(), [])["loss"] != initial  # and stay in place


def test_ema_validation_uses_the_average_of_the_steps():
    decay = 0.5
    trainer, model, opt = _trainer(8, [EMA(decay=decay)], epochs=1, valid=_valid())
    start = _weights(model)
    trainer.train()
    # replay the four SGD steps from the recorded gradients, averaging as the callback does
    weights, avg = [w.copy() for w in start], [w.copy() for w in start]
    for grads in opt.grads:
        weights = [w - 0.1 * g for w, g in zip(weights, grads)]
        avg = [decay * a + (1 - decay) * w for a, w in zip(avg, weights)]
    for p, w in zip(model.parameters(), weights):
        np.testing.assert_allclose(p.data, w, rtol=1e-12)  # training kept the raw weights
    for p, a in zip(model.parameters(), avg):
        p.data = a
    expected = evaluate(model, _valid(), nn.MSELoss(), [])["loss"]
    assert trainer.history[0]["val_loss"] == pytest.approx(expected, rel=1e-12)


def test_ema_state_round_trips_and_rejects_a_bad_decay():
    trainer, model, _ = _trainer(8, [EMA(decay=0.9)], epochs=1)
    trainer.train()
    ema = trainer.callbacks["EMA"]
    state = ema.state_dict()
    fresh = EMA(decay=0.9)
    fresh.load_state_dict(state)
    assert fresh.updates == ema.updates == 4
    for name, value in ema.shadow.items():
        np.testing.assert_array_equal(fresh.shadow[name], value)
        assert fresh.shadow[name] is not value
    with pytest.raises(ValueError, match=r"decay: expected a number in \[0, 1\]"):
        EMA(decay=1.5)
