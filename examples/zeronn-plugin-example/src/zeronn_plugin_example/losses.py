"""The example loss: softmax cross entropy with label smoothing."""
import framework.functions as F
from framework import Variable, nn
from framework.cuda import get_array_module

__all__ = ["SmoothCrossEntropy"]


class SmoothCrossEntropy(nn.Module):
    """Cross entropy against smoothed one-hot targets.

    The target distribution puts ``1 - smoothing`` on the true class and spreads
    ``smoothing`` evenly over all classes, which keeps logits from growing without
    bound on separable data.

    Args:
        smoothing: the probability mass spread over all classes, in ``[0, 1)``.

    Raises:
        ValueError: smoothing outside ``[0, 1)``.

    Shape:
        output ``(N, C)`` logits, target ``(N,)`` class indices; the loss is a scalar,
        the mean over the batch.
    """

    def __init__(self, smoothing=0.1):
        super().__init__()
        if not 0.0 <= smoothing < 1.0:
            raise ValueError(f"example_smooth_ce: smoothing must be in [0, 1), got {smoothing}")
        self.smoothing = float(smoothing)

    def forward(self, output, target):
        t = target.data if isinstance(target, Variable) else target
        xp = get_array_module(t)
        n, c = output.shape
        q = xp.full((n, c), self.smoothing / c, dtype=output.dtype)
        q[xp.arange(n), t.astype(xp.int64)] += 1.0 - self.smoothing
        log_p = F.log_softmax(output, axis=1)
        return -(log_p * q).sum() / n

    def extra_repr(self):
        return f"smoothing={self.smoothing}"
