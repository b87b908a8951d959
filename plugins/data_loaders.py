"""The built-in data loader: ``DataLoader`` with pytorch-template's validation split."""
from framework.data import SplitDataLoader
from framework.plugin import hookimpl

__all__ = ["register_data_loaders"]


@hookimpl
def register_data_loaders(register):
    """Register ``DataLoader``: a loader of the training part whose
    ``split_validation()`` gives the validation loader (or None)."""
    register("DataLoader", SplitDataLoader, description=(
        "batches of a dataset (shuffled per epoch, resumable); validation_split holds "
        "out a fraction or count of samples for split_validation()"))
