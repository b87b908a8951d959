"""The example's training pieces: a callback with state and a trainer with its own step.

``example_gradient_noise`` adds annealed Gaussian noise to the gradients (Neelakantan et
al., 2015) from its own random generator; the generator's state is the callback's
``state_dict``, so a resumed run draws the same noise an uninterrupted one would.
``example_l1`` is a Trainer whose training step adds an L1 penalty on the weights.
"""
import numpy as np

import framework.functions as F
from framework.trainer import Callback, Trainer

__all__ = ["GradientNoise", "L1Trainer"]


class GradientNoise(Callback):
    """Add ``N(0, std**2 / (1 + t)**0.55)`` to every gradient at optimizer step t.

    Args:
        std: the noise's standard deviation at the first step (> 0).
        seed: seed of the callback's own generator.
    """

    order = -15  # after grad_accumulation (-20) averages, before grad_clip (-10) clips

    def __init__(self, std=0.01, seed=0):
        if not std > 0:
            raise ValueError(f"example_gradient_noise: std must be positive, got {std}")
        self.std = float(std)
        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.t = 0

    def after_backward(self, trainer):
        if not trainer.step_now:
            return
        scale = self.std / (1.0 + self.t) ** 0.55
        for p in trainer.model.parameters():
            if p.grad is not None:
                noise = self.rng.standard_normal(p.grad.data.shape) * scale
                p.grad.data += noise.astype(p.grad.data.dtype)
        self.t += 1

    def state_dict(self):
        state = self.rng.bit_generator.state
        # PCG64's 128-bit integers do not fit a float or an int64 array: store them as text
        return {"t": self.t, "state": str(state["state"]["state"]),
                "inc": str(state["state"]["inc"]), "has_uint32": state["has_uint32"],
                "uinteger": state["uinteger"]}

    def load_state_dict(self, state):
        self.t = int(state["t"])
        self.rng.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {"state": int(state["state"]), "inc": int(state["inc"])},
            "has_uint32": int(state["has_uint32"]), "uinteger": int(state["uinteger"])}


class L1Trainer(Trainer):
    """Supervised training with ``l1 * sum(|w|)`` over the weight matrices added to the loss.

    Args:
        l1: the penalty's weight (>= 0).
    """

    def __init__(self, *args, l1=1e-4, **kwargs):
        super().__init__(*args, **kwargs)
        if not l1 >= 0:
            raise ValueError(f"example_l1: l1 must be >= 0, got {l1}")
        self.l1 = float(l1)

    def training_step(self, data, target):
        loss, output = super().training_step(data, target)
        penalty = sum(F.sum(F.abs(p)) for name, p in self.model.named_parameters()
                      if name.endswith("weight"))
        return loss + self.l1 * penalty, output
