"""``images``: pictures of what the model does, in TensorBoard's image dashboard."""
import numpy as np

from framework.backend import as_numpy
from framework.config import checks
from framework.core import Variable, no_grad, test_mode
from framework.logger.images import confusion_matrix_image, image_grid, to_uint8
from framework.trainer.callbacks.base import Callback, builtin

__all__ = ["Images"]

KINDS = ("reconstructions", "confusion_matrix")


_array = as_numpy


@builtin('images', 'reconstructions and a confusion matrix as TensorBoard images')
class Images(Callback):
    """Every ``every`` epochs, draw from the validation data (the training data when
    there is none):

    - ``reconstructions``: the first ``max_images`` inputs above the model's outputs
      (an autoencoder's reconstructions), tag ``images/reconstructions``;
    - ``confusion_matrix``: true class (rows) against predicted class (columns) over
      the whole validation set, tag ``images/confusion_matrix``.

    Args:
        kinds: a name or a list of names from the two above.
        every: epochs between pictures.
        max_images: inputs shown in ``reconstructions``.
        image_shape: ``[H, W]`` or ``[C, H, W]`` of one sample, for flat inputs
            (default: taken from ``(N, C, H, W)`` or ``(N, H, W)`` batches; a flat
            sample of a square size is drawn square).
    """

    order = 120
    main_process_only = True

    def __init__(self, kinds=KINDS, every=1, max_images=8, image_shape=None):
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        unknown = [k for k in kinds if k not in KINDS]
        if unknown or not kinds:
            raise ValueError(f"kinds must name some of {', '.join(KINDS)}, got {kinds!r}")
        positive = checks.integer(1, "a positive integer")
        self.kinds = kinds
        self.every = checks.argument("every", positive, every)
        self.max_images = checks.argument("max_images", positive, max_images)
        self.image_shape = None if image_shape is None else tuple(int(s) for s in image_shape)

    def _loader(self, trainer):
        valid = getattr(trainer, "valid_loader", None)
        return valid if valid is not None and len(valid) else trainer.train_loader

    def on_epoch_end(self, trainer, epoch, logs):
        if epoch % self.every:
            return
        model = trainer.model
        was_training = getattr(model, "training", True)
        model.eval()
        try:
            with no_grad(), test_mode():
                if "reconstructions" in self.kinds:
                    trainer.writer.add_image("images/reconstructions",
                                             self.reconstructions(trainer), epoch)
                if "confusion_matrix" in self.kinds:
                    trainer.writer.add_image("images/confusion_matrix",
                                             confusion_matrix_image(self.confusion(trainer)),
                                             epoch)
        finally:
            model.train(was_training)

    def _as_images(self, batch):
        batch = np.asarray(batch, dtype=np.float64)
        n = len(batch)
        if self.image_shape is not None:
            batch = batch.reshape((n,) + self.image_shape)
        elif batch.ndim == 2:
            side = int(round(np.sqrt(batch.shape[1])))
            if side * side != batch.shape[1]:
                raise ValueError(f"images: cannot draw samples of {batch.shape[1]} values; "
                                 f"pass image_shape: [H, W]")
            batch = batch.reshape(n, side, side)
        if batch.ndim == 4:  # (N, C, H, W) -> (N, H, W, C); one channel -> grey
            batch = batch.transpose(0, 2, 3, 1)
            if batch.shape[3] == 1:
                batch = batch[..., 0]
            elif batch.shape[3] not in (3, 4):
                raise ValueError(f"images: cannot draw {batch.shape[3]}-channel samples")
        return batch

    def reconstructions(self, trainer):
        """Inputs (top row) above outputs (bottom row), one uint8 picture."""
        data, _ = next(iter(self._loader(trainer)))
        data = _array(data)[:self.max_images]
        output = _array(trainer.model(Variable(data, requires_grad=False)))
        inputs, outputs = self._as_images(data), self._as_images(output)
        both = np.concatenate([inputs, outputs])
        scaled = to_uint8(both, float(inputs.min()), float(inputs.max()))
        return image_grid(scaled, ncols=len(inputs), pad=1)

    def confusion(self, trainer):
        """The ``(K, K)`` count matrix: true class by row, predicted class by column."""
        pairs = []
        for data, target in self._loader(trainer):
            output = _array(trainer.model(data if isinstance(data, Variable)
                                          else Variable(data, requires_grad=False)))
            pairs.append((np.asarray(as_numpy(target)).astype(np.int64).ravel(),
                          output.reshape(len(output), -1).argmax(axis=1)))
        true = np.concatenate([t for t, _ in pairs])
        pred = np.concatenate([p for _, p in pairs])
        k = int(max(true.max(initial=0), pred.max(initial=0))) + 1
        matrix = np.zeros((k, k), np.int64)
        np.add.at(matrix, (true, pred), 1)
        return matrix
