"""Checks that run before a run folder exists, and the words for a run that diverged.

:func:`check_sizes` refuses a model whose size arguments could not fit in memory before
anything is allocated; :func:`check_built` checks what each factory returned;
:func:`dry_run` pushes one batch through the model, the loss and the metrics (no
backward, no update, nothing of the model or the loader changed) so that a model that
does not fit the data, labels out of range or a loss that returns the wrong thing fail
at once, naming the config key, instead of after the run folder exists.
"""
import copy
import math
import numbers
import os

import numpy as np

from framework import backend
from framework.core import Variable, no_grad, test_mode
from framework.errors import ConfigError
from framework.optim.scheduler_base import steps_on_metric
from framework.serialization import memory_limit_bytes
from framework.trainer.checkpoint import (capture_rng_state, restore_rng_state,
                                          resume_command)

__all__ = ["check_sizes", "check_built", "dry_run", "trial_update", "diverged_message",
           "max_parameters"]

#: arch.args names that give the input size, and how the data's size is read for each.
_INPUT_KEYS = ("in_features", "input_size", "input_dim", "in_dim", "num_features",
               "n_features", "in_size", "in_channels")
#: arch.args names that give the number of classes the model outputs.
_CLASS_KEYS = ("out_features", "num_classes", "n_classes", "output_size", "output_dim",
               "out_dim", "classes")
_BYTES_PER_PARAMETER = 16  # float32 weights, gradients and two optimizer moments


def max_parameters():
    """The largest parameter count :func:`check_sizes` accepts (from the machine's memory)."""
    return memory_limit_bytes() // _BYTES_PER_PARAMETER


def _ints(value, path):
    if isinstance(value, bool):
        return
    if isinstance(value, numbers.Integral):
        yield path, int(value)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _ints(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _ints(item, f"{path}.{key}")


def check_sizes(cfg):
    """Refuse ``arch.args`` sizes whose layers could not fit in memory.

    A layer joins two sizes, so the product of the two largest integers in
    ``arch.args`` bounds its parameter count from above for the usual layers; it must
    stay below :func:`max_parameters`.

    Raises:
        ConfigError: naming the largest size and the bound.
    """
    found = sorted(_ints(cfg.arch.args, "arch.args"), key=lambda item: item[1], reverse=True)
    if not found:
        return
    key, big = found[0]
    if big < 0:
        return
    other = found[1][1] if len(found) > 1 and found[1][1] > 0 else 1
    estimate = big * other
    bound = max_parameters()
    if estimate > bound:
        raise ConfigError(
            f"{key}: {big} would make a layer of about {estimate:.3g} parameters ({big} x "
            f"{other}), {estimate * 4 / (1 << 30):.3g} GiB of float32 weights; this machine "
            f"holds at most about {bound:.3g} parameters in training; use a smaller size")


def _kind_error(where, name, obj, expected):
    return ConfigError(f"{where}: {name!r} returned a {type(obj).__name__}, expected "
                       f"{expected}; check what its factory returns")


def check_built(cfg, exp):
    """Check the types the factories returned (model, loader, loss, metrics, optimizer).

    Raises:
        ConfigError: naming the config key, the registered name and what came back.
    """
    model = exp.model
    if not (callable(model) and hasattr(model, "parameters") and hasattr(model, "state_dict")):
        raise _kind_error("arch", cfg.arch.type, model, "a Module (framework.nn.Module)")
    loader = exp.train_loader
    if not (hasattr(loader, "__iter__") and hasattr(loader, "__len__")):
        raise _kind_error("data_loader", cfg.data_loader.type, loader,
                          "a data loader (iterable with a length)")
    if not callable(exp.criterion):
        raise _kind_error("loss", cfg.loss.type, exp.criterion, "a callable loss")
    for i, (name, fn) in enumerate(exp.metrics):
        if not callable(fn):
            raise _kind_error(f"metrics[{i}]", name, fn, "a callable metric")
    opt = exp.optimizer
    if opt is not None and not all(hasattr(opt, a) for a in
                                   ("step", "zero_grad", "state_dict", "param_groups")):
        raise _kind_error("optimizer", cfg.optimizer.type, opt, "an Optimizer")
    sched = exp.lr_scheduler
    if sched is not None and not all(hasattr(sched, a) for a in ("step", "state_dict")):
        raise _kind_error("lr_scheduler", cfg.lr_scheduler.type, sched, "an lr scheduler")


def _numpy(x):
    x = x.data if isinstance(x, Variable) else x
    try:
        return backend.as_numpy(x)
    except Exception:  # not an array: reported by the caller
        return x


def _all_finite(x):
    arr = _numpy(x)
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "fc":
        return True
    return bool(np.isfinite(arr).all())


def _describe_batch(data):
    arr = _numpy(data)
    shape = getattr(arr, "shape", None)
    return f"shape {tuple(shape)} {arr.dtype}" if shape is not None else type(arr).__name__


def _input_mismatch(cfg, data, exc):
    """The forward failed: name the arch.args key that disagrees with the data."""
    arr = _numpy(data)
    shape = tuple(getattr(arr, "shape", ()))
    args = cfg.arch.args
    cause = f"{type(exc).__name__}: {exc}".splitlines()[0]
    for key in _INPUT_KEYS:
        value = args.get(key)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or len(shape) < 2:
            continue
        if key == "in_channels":
            have, what = shape[1], "channels"
        else:
            have = shape[-1] if len(shape) == 2 else int(np.prod(shape[1:]))
            what = "features"
        if have != value:
            return ConfigError(
                f"arch.args.{key}: {value}, but the data has {have} {what} (a batch of "
                f"shape {shape}); set arch.args.{key}: {have} ({cause})")
    return ConfigError(
        f"arch ({cfg.arch.type}): the model does not accept the data of "
        f"data_loader.args.dataset ({cfg.data_loader.args.dataset.type}), a batch of "
        f"{_describe_batch(data)}: {cause}; check arch.args against the data")


def _check_labels(cfg, output, target):
    out = _numpy(output)
    tgt = _numpy(target)
    if not (isinstance(out, np.ndarray) and isinstance(tgt, np.ndarray)):
        return
    if out.ndim != 2 or tgt.ndim != 1 or tgt.dtype.kind not in "iu" or tgt.size == 0:
        return
    classes = out.shape[1]
    ignore = cfg.loss.args.get("ignore_index", -100)
    valid = tgt[tgt != ignore]
    if valid.size == 0:
        return
    low, high = int(valid.min()), int(valid.max())
    if 0 <= low and high < classes:
        return
    bad = high if high >= classes else low
    key = next((k for k in _CLASS_KEYS if k in cfg.arch.args), None)
    source = f"arch.args.{key}: {cfg.arch.args[key]}" if key else \
        f"arch ({cfg.arch.type}) outputs {classes} classes"
    raise ConfigError(
        f"{source}, but data_loader.args.dataset ({cfg.data_loader.args.dataset.type}) has "
        f"the label {bad}; labels must lie in [0, {classes}); set the model's number of "
        f"classes to at least {high + 1}, or fix the labels")


def _first_batch(loader):
    """The loader's first batch; the loader's own state is put back afterwards."""
    saved = dict(vars(loader)) if hasattr(loader, "__dict__") else None
    iterator = iter(loader)
    try:
        return next(iterator, None)
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()
        if saved is not None:
            vars(loader).clear()
            vars(loader).update(saved)


def _forward_and_loss(cfg, exp, data, target):
    x = data if isinstance(data, Variable) else Variable(data, requires_grad=False)
    try:
        output = exp.model(x)
    except (MemoryError, RecursionError):
        raise
    except Exception as exc:
        raise _input_mismatch(cfg, data, exc) from None
    if not isinstance(output, Variable):
        raise ConfigError(f"arch ({cfg.arch.type}): the model's forward returned a "
                          f"{type(output).__name__}, expected a Variable")
    _check_labels(cfg, output, target)
    try:
        loss = exp.criterion(output, target)
    except Exception as exc:
        raise ConfigError(
            f"loss ({cfg.loss.type}): fails on the model's output (shape "
            f"{tuple(output.shape)}) and the targets ({_describe_batch(target)}): "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        ) from None
    return loss, output


def dry_run(cfg, exp, training_step=None):
    """Forward one training batch and compute its loss and metrics; change nothing.

    The model runs in eval mode without a graph, the loader's state and every random
    state are restored, so a run with a dry run trains exactly like one without.

    Args:
        cfg: the validated config.
        exp: the built :class:`~framework.trainer.builder.Experiment`.
        training_step: a custom trainer's ``training_step(data, target) -> (loss,
            output)``, used instead of the model and loss when given.

    Raises:
        ConfigError: the batch is not ``(input, target)``, the input holds NaN, the
            model rejects the input (naming ``arch.args.<key>`` when one disagrees
            with the data), labels lie outside the model's classes, the model or the
            loss returns the wrong kind of value, the loss is not finite on the first
            batch, or a metric does not return a number.
    """
    rng = capture_rng_state()
    model = exp.model
    was_training = getattr(model, "training", True)
    try:
        batch = _first_batch(exp.train_loader)
        if batch is None:
            raise ConfigError(f"data_loader.args.dataset ({cfg.data_loader.args.dataset.type}):"
                              f" the training data is empty")
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            raise ConfigError(f"data_loader ({cfg.data_loader.type}): batches must be "
                              f"(input, target) pairs, got a {type(batch).__name__}")
        data, target = batch
        if not _all_finite(data):
            raise ConfigError(f"data_loader.args.dataset ({cfg.data_loader.args.dataset.type}):"
                              f" the first batch holds NaN or infinite input values; fix "
                              f"the data")
        model.eval()
        with no_grad(), test_mode():
            if training_step is not None:  # a custom trainer computes its own loss
                try:
                    loss, output = training_step(data, target)
                except (MemoryError, RecursionError):
                    raise
                except Exception as exc:
                    raise ConfigError(
                        f"trainer.type ({cfg.trainer.type}): its training_step fails on "
                        f"the first batch ({_describe_batch(data)}): {type(exc).__name__}: "
                        f"{str(exc).splitlines()[0] if str(exc) else ''}") from None
            else:
                loss, output = _forward_and_loss(cfg, exp, data, target)
            if not isinstance(loss, Variable):
                raise ConfigError(f"loss ({cfg.loss.type}): returned a {type(loss).__name__}, "
                                  f"expected a Variable (compute it with framework functions "
                                  f"so it can be differentiated)")
            if int(np.prod(loss.shape)) != 1:
                raise ConfigError(f"loss ({cfg.loss.type}): returned shape "
                                  f"{tuple(loss.shape)}, expected a single value (reduce "
                                  f"it with a mean or sum)")
            value = float(_numpy(loss).reshape(()))
            if not math.isfinite(value):
                raise ConfigError(f"loss ({cfg.loss.type}): is {value} on the first batch "
                                  f"with the initial weights, before any update; check the "
                                  f"loss and the data")
            for i, (name, fn) in enumerate(exp.metrics):
                try:
                    result = fn(output, target)
                    float(_numpy(result).reshape(()) if hasattr(_numpy(result), "reshape")
                          else result)
                except Exception as exc:
                    raise ConfigError(f"metrics[{i}] ({name}): did not give a number for the "
                                      f"first batch: {type(exc).__name__}: {exc}") from None
    finally:
        model.train(was_training)
        restore_rng_state(rng)


def trial_update(cfg, optimizer, scheduler):
    """Take one optimizer step (zero gradients) and one scheduler step on copies.

    Optimizers and schedulers check few of their arguments when built; a wrong type
    (``gamma: x``) would otherwise fail at the end of the first epoch, after the run
    folder exists.  The real optimizer and scheduler are not touched.

    Raises:
        ConfigError: naming ``optimizer`` or ``lr_scheduler`` and what failed.
    """
    if optimizer is None:
        return
    try:
        trial_opt, trial_sched = copy.deepcopy((optimizer, scheduler))
    except Exception:  # objects that cannot be copied are simply not tried
        return
    for group in getattr(trial_opt, "param_groups", []):
        for p in group.get("params", []):
            data = getattr(p, "data", None)
            if data is not None:
                p.grad = Variable(backend.get_array_module(data).zeros_like(data))
    try:
        trial_opt.step()
    except Exception as exc:
        raise ConfigError(f"optimizer ({cfg.optimizer.type}): a trial step with "
                          f"{cfg.optimizer.args} fails: {type(exc).__name__}: {exc}") from None
    if trial_sched is None:
        return
    try:
        if steps_on_metric(trial_sched):
            trial_sched.step(1.0)
        else:
            trial_sched.step()
        lrs = [g.get("lr") for g in trial_opt.param_groups]
        bad = [lr for lr in lrs if not isinstance(lr, numbers.Real) or not math.isfinite(lr)]
    except Exception as exc:
        raise ConfigError(f"lr_scheduler ({cfg.lr_scheduler.type}): a trial step with "
                          f"{cfg.lr_scheduler.args} fails: {type(exc).__name__}: {exc}") from None
    if bad:
        raise ConfigError(f"lr_scheduler ({cfg.lr_scheduler.type}): with "
                          f"{cfg.lr_scheduler.args} the learning rate becomes {bad[0]!r}")


def diverged_message(loss_value, epoch, batch_index, data, last_checkpoint):
    """The one line for a NaN or infinite training loss.

    Args:
        loss_value: the loss (nan or inf).
        epoch, batch_index: where (batch_index counts from 0).
        data: the input batch, to tell bad data from a diverging model.
        last_checkpoint: the newest checkpoint on disk, or None.
    """
    where = f"the loss became {loss_value} at epoch {epoch}, batch {batch_index + 1}"
    if not _all_finite(data):
        cause = ("the input batch holds NaN or infinite values: the data is at fault "
                 "(check data_loader.args.dataset), not the learning rate")
    else:
        cause = ("the input batch is finite, so the model diverged (try a lower learning "
                 "rate: optimizer.args.lr, and check the other optimizer.args)")
    if last_checkpoint and os.path.isfile(last_checkpoint):
        kept = (f"the last good checkpoint is {last_checkpoint} (resume with: "
                f"{resume_command(last_checkpoint)})")
    else:
        kept = "no checkpoint was saved yet"
    return f"{where}; {cause}; training stopped, {kept}"
