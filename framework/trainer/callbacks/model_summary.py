"""``model_summary``: the model's layer table at the start of a run."""
from framework.nn import summary
from framework.trainer.callbacks.base import Callback, builtin
from framework.trainer.checkpoint import capture_rng_state, restore_rng_state

__all__ = ["ModelSummary"]


@builtin('model_summary', "the model's layer table (nn.summary) at the start")
class ModelSummary(Callback):
    """Log ``nn.summary`` of the model (layers, output shapes, parameter counts) to the
    console and ``info.log`` before the first epoch, on one sample of the first batch.

    The summary pass runs in eval mode without a graph, and the random state is put
    back after it, so a run with this callback trains exactly as one without.

    Args:
        depth: nesting depth shown.
        col_names: the columns (see ``nn.summary``).
    """

    order = 5
    main_process_only = True

    def __init__(self, depth=3, col_names=("output_size", "num_params")):
        self.depth = depth
        self.col_names = tuple(col_names)
        self.text = None

    def on_fit_start(self, trainer):
        rng = capture_rng_state()
        try:
            data, _ = next(iter(trainer.train_loader))
            stats = summary(trainer.model, input_data=data[:1], depth=self.depth,
                            col_names=self.col_names, verbose=0)
        finally:
            restore_rng_state(rng)
        self.text = str(stats)
        trainer.logger.info(self.text)
