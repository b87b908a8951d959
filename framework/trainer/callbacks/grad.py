"""``grad_clip`` and ``grad_accumulation``: what happens to gradients before a step."""
from framework.config import checks
from framework.nn.utils import clip_grad_norm_, clip_grad_value_
from framework.trainer.callbacks.base import Callback, builtin

__all__ = ["GradClip", "GradAccumulation"]


_POSITIVE = checks.number("a positive number", 0, exclusive=True)
_POSITIVE_INT = checks.integer(1, "a positive integer")


def _positive(name, value, kind=float):
    if value is None:
        return None
    return kind(checks.argument(name, _POSITIVE_INT if kind is int else _POSITIVE, value))


@builtin('grad_clip', "clip the gradients' norm (max_norm) or values (clip_value) before each step")
class GradClip(Callback):
    """Clip the gradients before every optimizer step.

    Args:
        max_norm: scale all gradients together so their joint ``norm_type``-norm is at
            most this (``nn.utils.clip_grad_norm_``); the default when neither this
            nor ``clip_value`` is given is 1.0.
        norm_type: the p of the norm (2.0; ``inf`` for the largest absolute value).
        clip_value: clip each gradient element into ``[-clip_value, clip_value]``
            instead (``nn.utils.clip_grad_value_``).

    Attributes:
        last_norm: the norm before clipping at the latest step (``max_norm`` mode).

    Raises:
        ValueError: both ``max_norm`` and ``clip_value``, or a value that is not positive.
    """

    order = -10

    def __init__(self, max_norm=None, norm_type=2.0, clip_value=None):
        if max_norm is not None and clip_value is not None:
            raise ValueError("give either max_norm (clip the norm) or clip_value (clip "
                             "each element), not both")
        self.clip_value = _positive("clip_value", clip_value)
        self.max_norm = _positive("max_norm", max_norm)
        if self.max_norm is None and self.clip_value is None:
            self.max_norm = 1.0
        self.norm_type = _positive("norm_type", norm_type)
        self.last_norm = None

    def after_backward(self, trainer):
        if not trainer.step_now:  # a step that only accumulates: clip the sum later
            return
        params = [p for p in trainer.model.parameters() if p.requires_grad]
        if self.clip_value is not None:
            clip_grad_value_(params, self.clip_value)
        else:
            self.last_norm = float(clip_grad_norm_(params, self.max_norm, self.norm_type).data)


@builtin('grad_accumulation', 'one optimizer step per `steps` batches, as one batch of steps x batch_size')
class GradAccumulation(Callback):
    """Step the optimizer once every ``steps`` batches, on their summed gradients.

    Each batch's loss is scaled by its size and the summed gradient divided by the
    group's sample count before the step, so ``steps`` batches of B samples give the
    gradient of one batch of ``steps * B`` samples (for a mean-reduced loss; exactly
    also when the last batch is smaller).  The epoch's last batches form a shorter
    group rather than carrying over into the next epoch.  ``trainer.step`` counts
    optimizer steps.

    Args:
        steps: batches per optimizer step (>= 1).
    """

    order = -20

    def __init__(self, steps=2):
        self.steps = _positive("steps", steps, int)
        self._index = 0
        self._samples = 0

    def on_epoch_start(self, trainer, epoch):
        self._index = 0
        self._samples = 0

    def on_batch_start(self, trainer, batch):
        n = len(batch[1])
        last_batch = trainer.batch_idx == len(trainer.train_loader) - 1
        trainer.zero_grad_now = self._index == 0
        trainer.step_now = self._index == self.steps - 1 or last_batch
        trainer.loss_scale = float(n)
        self._samples += n
        self._index = 0 if trainer.step_now else self._index + 1

    def after_backward(self, trainer):
        if not trainer.step_now:
            return
        scale = 1.0 / self._samples
        for p in trainer.model.parameters():
            if p.grad is not None:
                p.grad.data *= p.grad.data.dtype.type(scale)
        self._samples = 0
