"""PyTorch's automatic mixed precision names: ``autocast`` and ``GradScaler``.

Everything here computes in the tensors' own precision (float32 by default):
``autocast`` is accepted, as a context manager or a decorator, so that scripts written
for mixed precision run, and changes no dtype (results are as precise as without it).
``GradScaler`` is the real thing: it multiplies the loss, divides the gradients back
before the step, skips a step whose gradients hold inf or NaN, and adapts its scale as
PyTorch's does, so a script's training loop behaves the same::

    scaler = torch.amp.GradScaler()
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
"""
import functools
import math
import types
import warnings

from framework import backend

__all__ = ["autocast", "GradScaler", "is_autocast_available"]


def is_autocast_available(device_type):
    return device_type in ("cpu", "cuda")


class autocast:  # noqa: N801  (PyTorch's name)
    """Accepted for scripts written with mixed precision; computes in full precision.

    Args:
        device_type: ``"cpu"`` or ``"cuda"``.
        dtype, enabled, cache_enabled: accepted; nothing changes dtype here.
    """

    def __init__(self, device_type="cuda", dtype=None, enabled=True, cache_enabled=None):
        if not isinstance(device_type, str):
            raise ValueError(f"autocast: device_type should be a string like 'cuda' or 'cpu', "
                             f"got {device_type!r}")
        self.device_type, self.fast_dtype, self.enabled = device_type, dtype, bool(enabled)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)
        return wrapped


def _grads(optimizer):
    for group in optimizer.param_groups:
        for p in group["params"]:
            if getattr(p, "grad", None) is not None:
                yield p.grad


class GradScaler:
    """Loss scaling with PyTorch's rules (``torch.amp.GradScaler``).

    Args:
        device: ``"cuda"`` (disabled, with a warning, where no GPU answers, as PyTorch
            does) or ``"cpu"``.
        init_scale, growth_factor, backoff_factor, growth_interval: the scale starts at
            ``init_scale``; a step whose gradients hold inf/NaN is skipped and the scale
            multiplied by ``backoff_factor``; after ``growth_interval`` good steps in a
            row it is multiplied by ``growth_factor``.
        enabled: False makes every method a pass-through.
    """

    def __init__(self, device="cuda", init_scale=2.0 ** 16, growth_factor=2.0,
                 backoff_factor=0.5, growth_interval=2000, enabled=True):
        if enabled and device == "cuda" and not backend.gpu_available():
            warnings.warn("GradScaler is enabled, but CUDA is not available; disabling",
                          UserWarning, stacklevel=2)
            enabled = False
        if not growth_factor > 1.0 or not 0.0 < backoff_factor < 1.0:
            raise ValueError(f"GradScaler: growth_factor must be > 1 and backoff_factor in "
                             f"(0, 1), got {growth_factor!r} and {backoff_factor!r}")
        self.device = device
        self._enabled = bool(enabled)
        self._scale = float(init_scale)
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        self._per_optimizer = {}  # id(optimizer) -> {"unscaled": bool, "found_inf": bool}

    def is_enabled(self):
        return self._enabled

    def get_scale(self):
        return self._scale if self._enabled else 1.0

    def scale(self, outputs):
        """``outputs`` times the current scale (a tensor, or a list/tuple of them)."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        return outputs * self._scale

    def unscale_(self, optimizer):
        """Divide ``optimizer``'s gradients by the scale, in place (once per step), and
        note whether any is inf or NaN (e.g. before ``clip_grad_norm_``).

        Raises:
            RuntimeError: called twice for one optimizer before ``update()``.
        """
        if not self._enabled:
            return
        state = self._per_optimizer.setdefault(id(optimizer), {"unscaled": False,
                                                               "found_inf": False})
        if state["unscaled"]:
            raise RuntimeError("unscale_() has already been called on this optimizer since "
                               "the last update()")
        inv = 1.0 / self._scale
        found = False
        for g in _grads(optimizer):
            xp = backend.get_array_module(g.data)
            g.data *= g.data.dtype.type(inv)
            found = found or not bool(xp.isfinite(g.data).all())
        state.update(unscaled=True, found_inf=found)

    def step(self, optimizer, *args, **kwargs):
        """Unscale (unless done) and step, or skip the step when a gradient is inf/NaN.

        Returns:
            What ``optimizer.step`` returned, or None for a skipped step.
        """
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        state = self._per_optimizer.get(id(optimizer))
        if state is None or not state["unscaled"]:
            self.unscale_(optimizer)
            state = self._per_optimizer[id(optimizer)]
        if state["found_inf"]:
            return None
        return optimizer.step(*args, **kwargs)

    def update(self, new_scale=None):
        """Adapt the scale after the step(s) of this iteration (or set ``new_scale``)."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(getattr(new_scale, "item", lambda: new_scale)())
        elif any(s["found_inf"] for s in self._per_optimizer.values()):
            self._scale *= self._backoff_factor
            self._growth_tracker = 0
        else:
            self._growth_tracker += 1
            if self._growth_tracker == self._growth_interval:
                grown = self._scale * self._growth_factor
                if math.isfinite(grown):
                    self._scale = grown
                self._growth_tracker = 0
        self._per_optimizer = {}

    def state_dict(self):
        if not self._enabled:
            return {}
        return {"scale": self._scale, "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state):
        if not self._enabled:
            return
        if not state:
            raise RuntimeError("GradScaler.load_state_dict: the state is empty (it came from "
                               "a disabled scaler)")
        self._scale = float(state["scale"])
        self._growth_factor = float(state["growth_factor"])
        self._backoff_factor = float(state["backoff_factor"])
        self._growth_interval = int(state["growth_interval"])
        self._growth_tracker = int(state["_growth_tracker"])


def _cuda_autocast(enabled=True, dtype=None, cache_enabled=True):
    return autocast("cuda", dtype, enabled, cache_enabled)


#: ``torch.cuda.amp``: the older spellings, ``torch.cuda.amp.autocast(enabled=...)`` and
#: ``torch.cuda.amp.GradScaler(init_scale, ...)``.
CUDA_AMP = types.SimpleNamespace(autocast=_cuda_autocast,
                                 GradScaler=functools.partial(GradScaler, "cuda"))
