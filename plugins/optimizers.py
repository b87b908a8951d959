"""The built-in optimizers and lr schedulers, registered under their PyTorch names.

Two schedulers take Python objects that a YAML file cannot hold, so their registered
factories also accept plain data: ``LambdaLR`` / ``MultiplicativeLR`` take ``lr_lambda``
as an import path ``"package.module:function"``, and ``SequentialLR`` takes
``schedulers`` as a list of ``{type: Name, args: {...}}`` naming built-in schedulers::

    lr_scheduler:
      type: SequentialLR
      args:
        schedulers: [{type: LinearLR, args: {start_factor: 0.1, total_iters: 3}},
                     {type: CosineAnnealingLR, args: {T_max: 20}}]
        milestones: [3]
"""
import importlib

from framework.optim import (LBFGS, SGD, AdaGrad, Adadelta, Adam, Adamax, AdamW, NAdam,
                             RAdam, RMSprop, lr_scheduler)
from framework.optim.lr_scheduler import (ConstantLR, CosineAnnealingLR,
                                          CosineAnnealingWarmRestarts, ExponentialLR, LambdaLR,
                                          LinearLR, MultiplicativeLR, MultiStepLR, OneCycleLR,
                                          ReduceLROnPlateau, SequentialLR, StepLR)
from framework.plugin import hookimpl

__all__ = ["register_optimizers", "register_lr_schedulers"]


def _resolve_function(value):
    """A callable, or ``"package.module:function"`` imported (the config's spelling)."""
    if isinstance(value, (list, tuple)):
        return [_resolve_function(v) for v in value]
    if not isinstance(value, str):
        return value
    module, sep, name = value.partition(":")
    if not sep or not module or not name:
        raise ValueError(f"lr_lambda {value!r} should be an import path "
                         f"'package.module:function'")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"lr_lambda {value!r} cannot be imported: {exc}") from None
    if not callable(fn):
        raise ValueError(f"lr_lambda {value!r} is a {type(fn).__name__}, not a function")
    return fn


def lambda_lr(optimizer, lr_lambda, last_epoch=-1):
    """LambdaLR whose ``lr_lambda`` may be given as ``"package.module:function"``."""
    return LambdaLR(optimizer, _resolve_function(lr_lambda), last_epoch)


def multiplicative_lr(optimizer, lr_lambda, last_epoch=-1):
    """MultiplicativeLR whose ``lr_lambda`` may be ``"package.module:function"``."""
    return MultiplicativeLR(optimizer, _resolve_function(lr_lambda), last_epoch)


def sequential_lr(optimizer, schedulers, milestones, last_epoch=-1):
    """SequentialLR whose ``schedulers`` may be ``{type, args}`` dicts of built-in names.

    Raises:
        ValueError: an entry that is neither a scheduler nor a ``{type, args}`` dict of a
            built-in scheduler (the message lists them).
    """
    built = []
    for i, spec in enumerate(schedulers):
        if isinstance(spec, dict):
            name, args = spec.get("type"), dict(spec.get("args") or {})
            unknown = set(spec) - {"type", "args"}
            if name not in lr_scheduler.__all__ or name in ("LRScheduler", "SequentialLR",
                                                            "ReduceLROnPlateau") or unknown:
                choices = sorted(set(lr_scheduler.__all__)
                                 - {"LRScheduler", "SequentialLR", "ReduceLROnPlateau"})
                raise ValueError(f"schedulers[{i}] should be {{type: Name, args: {{...}}}} "
                                 f"with Name one of {', '.join(choices)}; got {spec!r}")
            factory = {"LambdaLR": lambda_lr, "MultiplicativeLR": multiplicative_lr}.get(
                name, getattr(lr_scheduler, name))
            spec = factory(optimizer, **args)
        built.append(spec)
    return SequentialLR(optimizer, built, milestones, last_epoch)


@hookimpl
def register_optimizers(register):
    """Register SGD, Adam, AdamW, RMSprop, AdaGrad (also as Adagrad), Adadelta, Adamax,
    NAdam, RAdam and LBFGS (which a config names only to be told that it needs a script:
    the trainer's step passes no closure)."""
    register("SGD", SGD, description="stochastic gradient descent with optional momentum, "
                                     "Nesterov and weight decay")
    register("Adam", Adam, description="Adam with bias correction, optional L2 weight decay "
                                       "and AMSGrad")
    register("AdamW", AdamW, description="Adam with decoupled weight decay (default 1e-2)")
    register("RMSprop", RMSprop, description="RMSprop, optionally centered and with momentum")
    register("AdaGrad", AdaGrad, description="AdaGrad: steps shrink with the summed squared "
                                             "gradients")
    register("Adagrad", AdaGrad, description="AdaGrad under PyTorch's spelling")
    register("Adadelta", Adadelta, description="Adadelta: steps scaled by running RMS of "
                                               "updates over gradients (lr 1.0)")
    register("Adamax", Adamax, description="Adam with an infinity-norm second moment")
    register("NAdam", NAdam, description="Adam with Nesterov momentum and momentum decay")
    register("RAdam", RAdam, description="Adam with a rectified adaptive learning rate")
    register("LBFGS", LBFGS, description="L-BFGS through step(closure): for scripts, not "
                                         "the trainer's one step per batch")


@hookimpl
def register_lr_schedulers(register):
    """Register every scheduler of ``framework.optim.lr_scheduler``."""
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
    register("LambdaLR", lambda_lr, description="lr = initial lr * lr_lambda(epoch) "
                                                "(lr_lambda: 'module:function')")
    register("MultiplicativeLR", multiplicative_lr, description="multiply the lr by "
                                                                "lr_lambda(epoch) each epoch")
    register("LinearLR", LinearLR, description="linear warm-up of the lr's factor from "
                                               "start_factor to end_factor")
    register("ConstantLR", ConstantLR, description="scale the lr by factor for the first "
                                                   "total_iters epochs")
    register("OneCycleLR", OneCycleLR, description="1cycle: warm up to max_lr, anneal to "
                                                   "max_lr/div/final_div over total_steps "
                                                   "(steps = epochs in the trainer)")
    register("CosineAnnealingWarmRestarts", CosineAnnealingWarmRestarts,
             description="cosine annealing restarting every T_0 * T_mult**i epochs")
    register("SequentialLR", sequential_lr, description="run schedulers one after another "
                                                        "at milestones ({type, args} list)")
