"""Honest resume: the given config wins, and every difference is said.

A checkpoint carries the optimizer's and the scheduler's state, hyperparameters
included.  Resuming with another config (``-c other.yaml``, ``--lr``, ``--set``) must
train with what the given config says, and the run's ``config.yaml`` must match it:

- a changed optimizer or scheduler **type** starts that state fresh (one logged line);
- a changed hyperparameter (lr, weight decay, betas, momentum, scheduler arguments)
  takes the given config's value (one logged line each).  A changed ``lr`` under a
  scheduler becomes the new base rate and the schedule continues from where it was
  (the current rate is scaled by new/old);
- everything else (moments, step counts, the schedule's position) is restored.

Every state is checked before anything is loaded: values of the wrong type or shape,
unknown scheduler fields and optimizer states that would fail at the first step are
refused with a :class:`CheckpointError` naming the checkpoint.
"""
import copy
import dataclasses
import math
import numbers

import numpy as np

from framework import backend
from framework.core import Variable
from framework.errors import CheckpointError

__all__ = ["ResumePlan", "plan_resume", "apply_config_hyperparameters", "check_model_state",
           "verify_optimizer"]


@dataclasses.dataclass
class ResumePlan:
    """What :func:`plan_resume` decided.

    Attributes:
        checkpoint: the checkpoint to hand to ``trainer.resume`` (states dropped where
            the type changed).
        messages: lines for the run's log.
        old_config: the config stored in the checkpoint (a dict), or None.
    """

    checkpoint: object
    messages: list
    old_config: object = None
    fresh_schedule: bool = False


def _section(config, key):
    value = config.get(key) if isinstance(config, dict) else None
    return value if isinstance(value, dict) else None


def _type_of(section):
    return section.get("type") if isinstance(section, dict) else None


def _args_of(section):
    args = section.get("args") if isinstance(section, dict) else None
    return args if isinstance(args, dict) else {}


def check_model_state(checkpoint, model):
    """Check the checkpoint's model arrays against the model's own before loading.

    Raises:
        CheckpointError: an entry that is not an array, integer or boolean values where
            the model has floating-point weights, or NaN/infinite weights.
    """
    own = model.state_dict()
    for name, value in checkpoint.model_state.items():
        if not isinstance(value, np.ndarray):
            raise CheckpointError(f"{checkpoint.path}: model entry {name!r} is a "
                                  f"{type(value).__name__}, expected an array")
        if value.dtype.kind not in "biufc":
            raise CheckpointError(f"{checkpoint.path}: model entry {name!r} holds "
                                  f"{value.dtype} values, expected numbers")
        mine = own.get(name)
        mine = mine.data if isinstance(mine, Variable) else mine
        if mine is None:
            continue
        kind = getattr(mine, "dtype", np.dtype(float)).kind
        if kind == "f" and value.dtype.kind != "f":
            raise CheckpointError(
                f"{checkpoint.path}: model entry {name!r} holds {value.dtype} values, but "
                f"the model's weights are {mine.dtype}; a checkpoint stores floating-point "
                f"weights (this file is damaged or crafted)")
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            raise CheckpointError(f"{checkpoint.path}: model entry {name!r} holds NaN or "
                                  f"infinite values; resume from an earlier checkpoint")


def _check_optimizer_state(path, state, optimizer):
    if not isinstance(state, dict) or not isinstance(state.get("state"), dict) \
            or not isinstance(state.get("param_groups"), list) \
            or not all(isinstance(g, dict) for g in state["param_groups"]):
        raise CheckpointError(f"{path}: its optimizer state is malformed (expected 'state' "
                              f"and a list of 'param_groups'); the file is damaged")
    for i, (saved, fresh) in enumerate(zip(state["param_groups"], optimizer.param_groups)):
        for key, value in saved.items():
            if key in ("params", "param_names") or key not in fresh:
                continue
            if not _same_kind(fresh[key], value):
                raise CheckpointError(f"{path}: optimizer setting {key!r} of parameter group "
                                      f"{i} is {value!r}, which does not fit "
                                      f"{type(optimizer).__name__} (it has {fresh[key]!r})")
    for key, values in state["state"].items():
        if not isinstance(values, dict):
            raise CheckpointError(f"{path}: optimizer state of parameter {key!r} is a "
                                  f"{type(values).__name__}, expected a dict")
        for name, value in values.items():
            if isinstance(value, np.ndarray):
                if value.dtype.kind not in "iuf" or (value.ndim and value.dtype.kind != "f"):
                    raise CheckpointError(f"{path}: optimizer state {name!r} of parameter "
                                          f"{key!r} holds {value.dtype} values, expected "
                                          f"floating point")
                if value.dtype.kind == "f" and not np.isfinite(value).all():
                    raise CheckpointError(f"{path}: optimizer state {name!r} of parameter "
                                          f"{key!r} holds NaN or infinite values")
            elif not isinstance(value, (numbers.Real, type(None))) or isinstance(value, bool):
                raise CheckpointError(f"{path}: optimizer state {name!r} of parameter "
                                      f"{key!r} is {value!r}, expected a number or array")


def _trial_step(path, optimizer):
    """Take one zero-gradient step on a copy, so a state that cannot step fails now."""
    try:
        trial = copy.deepcopy(optimizer)
    except Exception:  # an optimizer that cannot be copied is simply not tried
        return
    for group in trial.param_groups:
        for p in group["params"]:
            data = p.data
            if data is not None:
                xp = backend.get_array_module(data)
                p.grad = Variable(xp.zeros_like(data))
    try:
        trial.step()
    except Exception as exc:
        raise CheckpointError(f"{path}: its optimizer state does not work with "
                              f"{type(optimizer).__name__}: {type(exc).__name__}: {exc}; the "
                              f"file is damaged or from another optimizer") from None


def _same_kind(fresh, saved):
    if fresh is None or saved is None:
        return True
    if isinstance(fresh, bool) or isinstance(saved, bool):
        return isinstance(fresh, bool) and isinstance(saved, bool)
    if isinstance(fresh, numbers.Real):
        return isinstance(saved, numbers.Real) and not math.isnan(float(saved))
    if isinstance(fresh, (list, tuple)):
        return isinstance(saved, (list, tuple)) and len(saved) == len(fresh) and all(
            _same_kind(a, b) for a, b in zip(fresh, saved))
    if isinstance(fresh, str):
        return isinstance(saved, str)
    return type(saved) is type(fresh)


def _check_scheduler_state(path, scheduler, state):
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: its scheduler state is a {type(state).__name__}, "
                              f"expected a dict; the file is damaged")
    fresh = scheduler.state_dict()
    for key, value in state.items():
        if key not in fresh:
            raise CheckpointError(f"{path}: its scheduler state has the field {key!r}, "
                                  f"which {type(scheduler).__name__} does not have; the file "
                                  f"is damaged or from another scheduler")
        if not _same_kind(fresh[key], value):
            raise CheckpointError(f"{path}: scheduler field {key!r} is {value!r}, which does "
                                  f"not fit {type(scheduler).__name__} (it holds "
                                  f"{fresh[key]!r} now)")


def plan_resume(checkpoint, cfg, optimizer, scheduler):
    """Decide which saved states to restore under the config ``cfg``.

    Args:
        checkpoint: the loaded :class:`Checkpoint`.
        cfg: the validated config the run will train with.
        optimizer, scheduler: freshly built from ``cfg`` (scheduler may be None).

    Returns:
        A :class:`ResumePlan`.

    Raises:
        CheckpointError: a state is malformed (see the module docstring).
    """
    old = checkpoint.config if isinstance(checkpoint.config, dict) else None
    messages = []
    opt_state = checkpoint.optimizer_state
    sched_state = checkpoint.scheduler_state
    old_opt = _type_of(_section(old, "optimizer"))
    if opt_state is not None and old_opt is not None and old_opt != cfg.optimizer.type:
        messages.append(f"optimizer type changed from {old_opt} (in {checkpoint.path}) to "
                        f"{cfg.optimizer.type}: its state starts fresh")
        opt_state = None
    if opt_state is not None:
        _check_optimizer_state(checkpoint.path, opt_state, optimizer)
    old_sched = _type_of(_section(old, "lr_scheduler"))
    new_sched = cfg.lr_scheduler.type if cfg.lr_scheduler is not None else None
    if sched_state is not None and old is not None and old_sched != new_sched:
        if new_sched is None:
            messages.append(f"lr_scheduler {old_sched} of {checkpoint.path} is not in the "
                            f"given config: the rate stays as the config sets it")
        else:
            messages.append(f"lr_scheduler type changed from {old_sched or 'none'} (in "
                            f"{checkpoint.path}) to {new_sched}: its state starts fresh")
        sched_state = None
    old_interval = (_section(old, "lr_scheduler") or {}).get("interval", "epoch")
    if sched_state is not None and new_sched is not None \
            and old_interval != cfg.lr_scheduler.interval:
        # its step count meant epochs and now means batches (or the other way round)
        messages.append(f"lr_scheduler.interval changed from {old_interval} (in "
                        f"{checkpoint.path}) to {cfg.lr_scheduler.interval}: its state "
                        f"starts fresh")
        sched_state = None
    if sched_state is not None and scheduler is not None:
        _check_scheduler_state(checkpoint.path, scheduler, sched_state)
    replaced = dataclasses.replace(checkpoint, optimizer_state=opt_state,
                                   scheduler_state=sched_state)
    # a scheduler that was there and is dropped or replaced no longer sets the rate
    fresh_schedule = checkpoint.scheduler_state is not None and sched_state is None
    return ResumePlan(checkpoint=replaced, messages=messages, old_config=old,
                      fresh_schedule=fresh_schedule)


_UNSET = object()


def _same(a, b):
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return list(a) == list(b)
    return a == b


def _fmt(value):
    return repr(list(value)) if isinstance(value, tuple) else repr(value)


def apply_config_hyperparameters(plan, cfg, fresh_groups, fresh_scheduler_state,
                                 optimizer, scheduler):
    """After ``trainer.resume``: put the given config's hyperparameters back in force.

    Args:
        plan: from :func:`plan_resume`.
        cfg: the run's config.
        fresh_groups: the optimizer's ``param_groups`` hyperparameters as built from
            ``cfg`` (before resuming), one dict per group, without ``params``.
        fresh_scheduler_state: the scheduler's ``state_dict()`` as built, or None.
        optimizer, scheduler: the resumed objects.

    Returns:
        Lines for the run's log (one per changed value).
    """
    messages = []
    restored_opt = plan.checkpoint.optimizer_state is not None
    sched_restored = scheduler is not None and plan.checkpoint.scheduler_state is not None
    base_lrs = getattr(scheduler, "base_lrs", None) if sched_restored else None
    last_lrs = getattr(scheduler, "_last_lr", None) if sched_restored else None
    old_args = _args_of(_section(plan.old_config, "optimizer"))
    given_args = cfg.optimizer.args if plan.old_config is not None else None
    for i, (fresh, group) in enumerate(zip(fresh_groups, optimizer.param_groups)):
        if restored_opt:
            for key, value in fresh.items():
                if key in ("lr", "initial_lr", "params", "param_names"):
                    continue
                saved = group.get(key)
                if _same(saved, value) or (given_args is not None and _same(
                        old_args.get(key, _UNSET), given_args.get(key, _UNSET))):
                    # the config did not change it: the saved value is where training
                    # stands (OneCycleLR moves momentum and betas every step)
                    continue
                group[key] = copy.deepcopy(value)
                if i == 0:
                    messages.append(f"optimizer.args.{key}: {_fmt(saved)} in the "
                                    f"checkpoint, {_fmt(value)} from the given config")
            if plan.fresh_schedule:
                # the schedule starts fresh: so does the rate it sets
                restarted = group.get("lr") != fresh.get("lr")
                group["lr"] = fresh.get("lr")
                if "initial_lr" in fresh:
                    group["initial_lr"] = fresh["initial_lr"]
                else:
                    group.pop("initial_lr", None)
                if i == 0 and restarted:
                    messages.append(f"the learning rate restarts at {group['lr']:.6g} with "
                                    f"the fresh schedule")
                continue
        elif not sched_restored:
            continue  # a fresh optimizer under a fresh (or no) schedule: as built
        # The rate is (base rate) x (where the schedule stands): the given config sets
        # the base, the restored state says where the schedule stands.
        new_lr = fresh.get("initial_lr", fresh.get("lr"))
        if base_lrs is not None and i < len(base_lrs):
            base = base_lrs[i]
            current = group.get("lr") if restored_opt else (
                last_lrs[i] if last_lrs is not None and i < len(last_lrs) else base)
        else:
            base = group.get("initial_lr", old_args.get("lr", group.get("lr")))
            current = group.get("lr", base)
        if new_lr is None or not isinstance(base, numbers.Real) or \
                not isinstance(current, numbers.Real):
            continue
        factor = current / base if base else 1.0
        group["lr"] = new_lr * factor
        if "initial_lr" in group or base_lrs is not None:
            group["initial_lr"] = new_lr
        if base_lrs is not None and i < len(base_lrs):
            base_lrs[i] = new_lr
        if i == 0 and new_lr != base:
            tail = (f"; the schedule continues at lr {group['lr']:.6g}"
                    if factor != 1.0 else "")
            messages.append(f"optimizer.args.lr: {base:.6g} in the checkpoint, "
                            f"{new_lr:.6g} from the given config{tail}")
    if scheduler is not None and hasattr(scheduler, "_last_lr") and (restored_opt
                                                                     or sched_restored):
        scheduler._last_lr = [g["lr"] for g in optimizer.param_groups]
    if scheduler is not None and plan.checkpoint.scheduler_state is not None \
            and fresh_scheduler_state is not None:
        old_sched_args = _args_of(_section(plan.old_config, "lr_scheduler"))
        keys = set(cfg.lr_scheduler.args) | set(old_sched_args)
        for key in sorted(keys):
            if key not in fresh_scheduler_state:
                continue
            value = fresh_scheduler_state[key]
            saved = getattr(scheduler, key, None)
            if saved != value:
                setattr(scheduler, key, copy.deepcopy(value))
                messages.append(f"lr_scheduler.args.{key}: {_fmt(saved)} in the checkpoint, "
                                f"{_fmt(value)} from the given config")
    return messages


def verify_optimizer(path, optimizer):
    """Refuse an optimizer whose restored state cannot take a step (see module doc)."""
    _trial_step(path, optimizer)
