"""``ema``: an exponential moving average of the weights, used for validation."""
from framework.config import checks
from framework.trainer.callbacks.base import Callback, builtin

__all__ = ["EMA", "use_averaged_weights"]


def use_averaged_weights(model, checkpoint):
    """Put a checkpoint's EMA averages into ``model`` (``test.py`` evaluates the weights
    the run validated with); return True when the checkpoint had them.

    Raises:
        ValueError: the averages do not fit the model's parameters.
    """
    state = (getattr(checkpoint, "callbacks_state", None) or {}).get("ema")
    if not isinstance(state, dict) or not isinstance(state.get("shadow"), dict):
        return False
    shadow = state["shadow"]
    params = dict(model.named_parameters())
    unknown = sorted(set(shadow) - set(params))
    if unknown:
        raise ValueError(f"its ema averages name parameters the model lacks: {unknown}")
    for name, avg in shadow.items():
        if avg.shape != params[name].data.shape:
            raise ValueError(f"its ema average of {name} has shape {avg.shape}, the "
                             f"parameter {params[name].data.shape}")
        params[name].data = avg.astype(params[name].data.dtype, copy=True)
    return True


@builtin('ema', 'exponential moving average of the weights, used for validation')
class EMA(Callback):
    """Keep ``avg = decay * avg + (1 - decay) * weight`` after every optimizer step and
    validate with the averaged weights.

    Training continues on the raw weights: the averages are swapped in for validation
    only (so ``val_*`` values, ``model_best`` and early stopping judge the averaged
    model) and swapped out again before the next batch.  Checkpoints keep the raw
    weights in ``model`` and the averages in this callback's state, so a resumed run
    continues exactly; ``test.py`` evaluates the averages.  :meth:`copy_to` puts them
    into a model.

    Args:
        decay: weight of the old average, in [0, 1] (0.999: about the last 1000 steps).
        every: update the average every this many optimizer steps.

    Raises:
        ValueError: decay outside [0, 1], or every < 1.
    """

    order = 10

    def __init__(self, decay=0.999, every=1):
        decay = checks.argument("decay", checks.number("a number in [0, 1]", 0), decay)
        if decay > 1:
            raise ValueError(f"decay: expected a number in [0, 1], got {decay!r}")
        self.decay = float(decay)
        self.every = checks.argument("every", checks.integer(1, "a positive integer"), every)
        self.shadow = {}  # parameter name -> averaged array (on the parameter's device)
        self.updates = 0
        self._backup = None

    def _params(self, trainer):
        return [(n, p) for n, p in trainer.model.named_parameters() if p.requires_grad]

    def on_fit_start(self, trainer):
        if not self.shadow:  # a fresh run; a resumed one has loaded its averages
            self.shadow = {n: p.data.copy() for n, p in self._params(trainer)}

    def on_batch_end(self, trainer, batch, loss):
        if not trainer.stepped or trainer.step % self.every:
            return
        d = self.decay
        for name, p in self._params(trainer):
            avg = self.shadow[name]
            avg *= avg.dtype.type(d)
            avg += avg.dtype.type(1.0 - d) * p.data
        self.updates += 1

    def on_validation_start(self, trainer):
        self._backup = {}
        for name, p in self._params(trainer):
            self._backup[name] = p.data
            p.data = self.shadow[name].copy()

    def on_validation_end(self, trainer, logs):
        self._restore(trainer)

    def on_exception(self, trainer, exc):
        self._restore(trainer)

    def _restore(self, trainer):
        if self._backup is None:
            return
        for name, p in self._params(trainer):
            p.data = self._backup[name]
        self._backup = None

    def copy_to(self, model):
        """Put the averaged weights into ``model`` (a module with the same parameters)."""
        for name, p in model.named_parameters():
            if name in self.shadow:
                p.data = self.shadow[name].copy()

    def state_dict(self):
        if not self.shadow:
            return {}
        return {"decay": self.decay, "updates": self.updates,
                "shadow": {n: a.copy() for n, a in self.shadow.items()}}

    def load_state_dict(self, state):
        shadow = state["shadow"]
        if not isinstance(shadow, dict):
            raise TypeError(f"ema state: shadow must be a mapping, got {type(shadow).__name__}")
        self.shadow = {n: a.copy() for n, a in shadow.items()}
        self.updates = int(state.get("updates", 0))

    def on_load_checkpoint(self, trainer, state):
        params = dict(self._params(trainer))
        if self.shadow and set(self.shadow) != set(params):
            missing = sorted(set(params) - set(self.shadow))
            extra = sorted(set(self.shadow) - set(params))
            raise ValueError(f"ema: the saved averages do not fit the model (missing "
                             f"{missing}, unexpected {extra})")
        for name, p in params.items():
            if name in self.shadow and self.shadow[name].shape != p.data.shape:
                raise ValueError(f"ema: the average of {name} has shape "
                                 f"{self.shadow[name].shape}, the parameter "
                                 f"{p.data.shape}")
