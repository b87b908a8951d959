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


def evaluate(model, loader, criterion, metrics, *, show_progress=False, desc="test"):
    """Average loss and metrics of ``model`` over ``loader`` (eval mode, no graph).

    Returns:
        ``{"loss": ..., <metric>: ...}`` weighted by batch size.
    """
    tracker = MetricTracker("loss", *[name for name, _ in metrics])
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

    Args:
        train_loader, valid_loader: data loaders yielding ``(input, target)`` batches.
        show_progress: a progress bar per epoch (on a terminal).
        See :class:`BaseTrainer` for the rest.
    """

    def __init__(self, *args, train_loader, valid_loader=None, show_progress=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.train_loader = train_loader
        self.valid_loader = valid_loader
        self.show_progress = show_progress
        self.log_step = self.config.trainer.log_step
        self.histograms = self.config.trainer.histograms
        self.tracker = MetricTracker("loss", *[name for name, _ in self.metrics])

    def _train_epoch(self, epoch):
        self.model.train()
        self.tracker.reset()
        if hasattr(self.train_loader, "set_epoch"):
            self.train_loader.set_epoch(epoch - 1)  # the shuffle order depends on (seed, epoch)
        bar = progress(self.train_loader, total=len(self.train_loader),
                       desc=f"epoch {epoch}/{self.epochs}", enabled=self.show_progress)
        # Held in a local: a for loop would drop the bar's generator as the exception
        # unwinds, and tqdm would close (erase) the bar before the handler runs.
        batches = iter(bar)
        try:  # close the bar however the epoch ends (Ctrl-C, NaN) so no line is left torn
            for batch_idx, (data, target) in enumerate(batches):
                self._train_step(epoch, batch_idx, data, target, bar)
        except KeyboardInterrupt:
            bar.leave = True  # keep the bar on screen: it shows how far the epoch got
            raise
        finally:
            bar.close()
        log = self.tracker.result()
        if self.valid_loader is not None and len(self.valid_loader):
            valid = evaluate(self.model, self.valid_loader, self.criterion, self.metrics)
            log.update({f"val_{k}": v for k, v in valid.items()})
        if self.histograms:
            self._write_histograms(epoch)
        return log

    def _train_step(self, epoch, batch_idx, data, target, bar):
        output = self.model(_as_input(data))
        loss = self.criterion(output, target)
        loss_value = float(loss.data)
        if not math.isfinite(loss_value):
            raise TrainingDiverged(diverged_message(loss_value, epoch, batch_idx, data,
                                                    self.last_checkpoint))
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.step += 1

        n = len(target)
        self.tracker.update("loss", loss_value, n)
        for name, fn in self.metrics:
            self.tracker.update(name, fn(output, target), n)
        if self.step % self.log_step == 0:
            self.writer.add_scalar("train/batch_loss", loss_value, self.step)
            bar.set_postfix(loss=f"{loss_value:.4f}")

    def _write_histograms(self, epoch):
        for name, param in self.model.named_parameters():
            self.writer.add_histogram(f"params/{name}", param.data, epoch)
            if param.grad is not None:
                self.writer.add_histogram(f"grads/{name}", param.grad.data, epoch)


