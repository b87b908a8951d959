"""The built-in losses: each factory returns a callable ``(output, target) -> Variable``."""
from framework import nn
from framework.plugin import hookimpl

__all__ = ["register_losses"]


@hookimpl
def register_losses(register):
    register("cross_entropy", nn.CrossEntropyLoss,
             description="softmax cross entropy of logits against integer labels")
    register("nll", nn.NLLLoss, description="negative log likelihood of log-probabilities")
    register("mse", nn.MSELoss, description="mean squared error")
    register("l1", nn.L1Loss, description="mean absolute error")
    register("bce", nn.BCELoss, description="binary cross entropy of probabilities")
    register("bce_with_logits", nn.BCEWithLogitsLoss,
             description="binary cross entropy of logits (numerically stable)")
