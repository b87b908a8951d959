"""Trainer: what happens inside one epoch (batches, loss, backward, update, validation)."""
import math

from framework.core import Variable, no_grad, test_mode
from framework.logger import progress
from framework.trainer.base_trainer import BaseTrainer, TrainingDiverged
from framework.trainer.diagnostics import diverged_message
from framework.trainer.metrics import MetricTracker

__all__ = ["Trainer", "evaluate"]


def _as_input(batch):
    return batch if isinstance(batch, Variable) else Variable(batch, requires_grad=False)


def evaluate(model, loader, criterion, metrics, *, show_progress=False, desc="test",
             comm=None):
    """Average loss and metrics of ``model`` over ``loader`` (eval mode, no graph).

    Args:
        comm: in a multi-process run, the communicator: each process evaluates its part
            of the data and the totals and counts of all are summed.

    Returns:
        ``{"loss": ..., <metric>: ...}`` weighted by batch size.
    """
    tracker = MetricTracker("loss", *[name for name, _ in metrics], comm=comm)
    was_training = getattr(model, "training", True)
    model.eval()
    bar = progress(loader, total=len(loader), desc=desc, enabled=show_progress)
    try:
        with no_grad(), test_mode():
            for data, target in bar:
                output = model(_as_input(data))
                n = len(target)
                tracker.update("loss", float(criterion(output, target).data), n)
                for name, fn in metrics:
                    tracker.update(name, fn(output, target), n)
    finally:
        bar.close()
        model.train(was_training)
    return tracker.result()


class Trainer(BaseTrainer):
    """Train on ``train_loader``, validate on ``valid_loader`` (optional) every epoch.

    A custom training step (a penalty, a second model, a GAN) overrides
    :meth:`training_step`; register the subclass with ``register_trainers`` and pick it
    with ``trainer.type``.

    Per batch, callbacks may change three attributes in ``on_batch_start``:
    ``zero_grad_now`` (clear the gradients before backward), ``step_now`` (call the
    optimizer after backward) and ``loss_scale`` (multiplies the loss before backward,
    not the logged value); ``stepped`` then tells ``on_batch_end`` what happened.

    Args:
        train_loader, valid_loader: data loaders yielding ``(input, target)`` batches.
        See :class:`BaseTrainer` for the rest.
    """

    def __init__(self, *args, train_loader, valid_loader=None, **kwargs):
        self.train_loader = train_loader
        self.valid_loader = valid_loader
        super().__init__(*args, **kwargs)
        self.tracker = MetricTracker("loss", *[name for name, _ in self.metrics])
        self.zero_grad_now = self.step_now = self.stepped = True
        self.loss_scale = 1.0
        self.epoch = None
        self.batch_idx = None

    def _train_epoch(self, epoch):
        self.epoch = epoch
        self.model.train()
        self.tracker.reset()
        if hasattr(self.train_loader, "set_epoch"):
            self.train_loader.set_epoch(epoch - 1)  # the shuffle order depends on (seed, epoch)
        for batch_idx, batch in enumerate(self.train_loader):
            self.train_batch(batch_idx, batch)
        logs = self.tracker.result()
        return self.validate(logs)

    def training_step(self, data, target):
        """Forward pass and loss of one batch.

        Returns:
            ``(loss, output)``: the loss Variable to backpropagate and the model output
            the metrics are computed on.
        """
        output = self.model(_as_input(data))
        return self.criterion(output, target), output

    def train_batch(self, batch_idx, batch):
        """One batch: callbacks, forward, backward, update, running averages."""
        self.batch_idx = batch_idx
        self.zero_grad_now = self.step_now = True
        self.loss_scale = 1.0
        callbacks = self.callbacks
        callbacks.call("on_batch_start", self, batch)
        data, target = batch
        loss, output = self.training_step(data, target)
        loss_value = float(loss.data)
        if not math.isfinite(loss_value):
            raise TrainingDiverged(diverged_message(loss_value, self.epoch, batch_idx, data,
                                                    self.last_checkpoint))
        if self.zero_grad_now:
            self.optimizer.zero_grad()
        (loss if self.loss_scale == 1.0 else loss * self.loss_scale).backward()
        callbacks.call("after_backward", self)
        self.stepped = self.step_now
        if self.step_now:
            self.optimizer.step()
            self.step += 1
            if self.lr_scheduler is not None and self.scheduler_interval == "step":
                self.lr_scheduler.step()

        n = len(target)
        self.tracker.update("loss", loss_value, n)
        for name, fn in self.metrics:
            self.tracker.update(name, fn(output, target), n)
        callbacks.call("on_batch_end", self, batch, loss_value)

    def validate(self, logs):
        """Evaluate on the validation data (when there is any) and add ``val_*`` values.

        ``on_validation_start`` and ``on_validation_end`` are called every epoch,
        with or without validation data.
        """
        self.callbacks.call("on_validation_start", self)
        if self.valid_loader is not None and len(self.valid_loader):
            valid = evaluate(self.model, self.valid_loader, self.criterion, self.metrics,
                             comm=self.tracker.comm)
            logs.update({f"val_{k}": v for k, v in valid.items()})
        self.callbacks.call("on_validation_end", self, logs)
        return logs
