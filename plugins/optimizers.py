"""The built-in optimizers and lr schedulers, registered under their PyTorch names."""
from framework.optim import SGD, AdaGrad, Adam, AdamW, RMSprop
from framework.optim.lr_scheduler import (CosineAnnealingLR, ExponentialLR, MultiStepLR,
                                          ReduceLROnPlateau, StepLR)
from framework.plugin import hookimpl

__all__ = ["register_optimizers", "register_lr_schedulers"]


@hookimpl
def register_optimizers(register):
    """Register SGD, Adam, AdamW, RMSprop and AdaGrad (also as Adagrad)."""
    register("SGD", SGD, description="stochastic gradient descent with optional momentum, "
                                     "Nesterov and weight decay")
    register("Adam", Adam, description="Adam with bias correction, optional L2 weight decay "
                                       "and AMSGrad")
    register("AdamW", AdamW, description="Adam with decoupled weight decay (default 1e-2)")
    register("RMSprop", RMSprop, description="RMSprop, optionally centered and with momentum")
    register("AdaGrad", AdaGrad, description="AdaGrad: steps shrink with the summed squared "
                                             "gradients")
    register("Adagrad", AdaGrad, description="AdaGrad under PyTorch's spelling")


@hookimpl
def register_lr_schedulers(register):
    """Register StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, ReduceLROnPlateau."""
    register("StepLR", StepLR, description="multiply the lr by gamma every step_size epochs")
    register("MultiStepLR", MultiStepLR, description="multiply the lr by gamma at each "
                                                     "milestone epoch")
    register("ExponentialLR", ExponentialLR, description="multiply the lr by gamma every epoch")
    register("CosineAnnealingLR", CosineAnnealingLR, description="cosine annealing from the "
                                                                 "initial lr to eta_min over "
                                                                 "T_max epochs")
    register("ReduceLROnPlateau", ReduceLROnPlateau, description="divide the lr when a "
                                                                 "monitored metric stops "
                                                                 "improving (step(metric))")
