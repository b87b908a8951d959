"""Datasets: the map-style base class, array-backed datasets and index subsets.

A dataset maps an integer index in ``[0, len(dataset))`` to one sample. The
:class:`~framework.data.loader.DataLoader` recognises array-backed datasets
(:class:`TensorDataset` and :class:`Subset` views of one, nested to any depth) and then
builds each batch with one fancy-index per array instead of a Python loop over samples.
"""
import numpy as np

from framework.data.transforms import apply_transform

__all__ = ["Dataset", "TensorDataset", "ArrayDataset", "Subset", "ConcatDataset"]


class Dataset:
    """Base class of map-style datasets (PyTorch's ``torch.utils.data.Dataset``).

    Subclasses implement ``__getitem__(index)`` returning one sample (an array, or a
    tuple such as ``(x, t)``) and ``__len__()``.
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __add__(self, other):
        """``a + b`` is ``ConcatDataset([a, b])``, as in PyTorch."""
        return ConcatDataset([self, other])


def _as_array(x):
    # cupy arrays and other array types with fancy indexing are kept as they are.
    if hasattr(x, "shape") and hasattr(x, "__getitem__") and hasattr(x, "dtype"):
        return x
    return np.asarray(x)


class TensorDataset(Dataset):
    """A dataset of arrays sharing their first axis; sample ``i`` is ``tuple(a[i] ...)``.

    Args:
        *arrays: one or more arrays (or array-likes) with the same length along axis 0.

    Raises:
        ValueError: no array given, a 0-d array, or lengths that differ.

    Shape:
        each array ``(N, ...)``; a sample is a tuple with one ``(...)`` entry per array.
    """

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset needs at least one array, got none")
        arrays = tuple(_as_array(a) for a in arrays)
        for k, a in enumerate(arrays):
            if a.ndim == 0:
                raise ValueError(f"TensorDataset: array {k} is 0-d; expected an array "
                                 "with the samples along axis 0")
        lengths = [len(a) for a in arrays]
        if len(set(lengths)) != 1:
            raise ValueError(f"TensorDataset: the arrays' lengths along axis 0 differ: "
                             f"{lengths}; expected one common length")
        self.arrays = arrays

    @property
    def tensors(self):
        """The arrays (PyTorch's attribute name)."""
        return self.arrays

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)

    def __len__(self):
        return len(self.arrays[0])


class ArrayDataset(TensorDataset):
    """A labelled array dataset whose transforms run once, on the whole arrays.

    The built-in data sets derive from it: they load ``data`` and ``targets`` into
    memory, apply ``transform`` / ``target_transform`` to all samples at construction
    (deterministic preprocessing), and stay array-backed so the DataLoader takes its
    fast path. A transform from :mod:`framework.data.transforms` is applied to the whole
    array at once; any other callable is applied to each sample and the results stacked.

    Args:
        data: the inputs, ``(N, ...)``.
        targets: the labels, ``(N, ...)``.
        transform: callable applied to each input sample (or None).
        target_transform: callable applied to each target (or None).

    Shape:
        a sample is ``(x, t)`` with ``x`` of shape ``data.shape[1:]`` after the transform.
    """

    def __init__(self, data, targets, transform=None, target_transform=None):
        data = apply_transform(transform, _as_array(data))
        targets = apply_transform(target_transform, _as_array(targets))
        super().__init__(data, targets)
        self.transform = transform
        self.target_transform = target_transform

    @property
    def data(self):
        """The (transformed) inputs, ``(N, ...)``."""
        return self.arrays[0]

    @property
    def targets(self):
        """The (transformed) targets, ``(N, ...)``."""
        return self.arrays[1]


class Subset(Dataset):
    """A view of ``dataset`` restricted to ``indices`` (in that order).

    Args:
        dataset: the underlying dataset.
        indices: a sequence or 1-d array of integer positions in ``dataset``; negative
            positions count from the end, as in Python.

    Raises:
        IndexError: a position outside ``dataset``.
        ValueError: ``indices`` is not a 1-d sequence of integers.
    """

    def __init__(self, dataset, indices):
        idx = np.asarray(indices)
        if idx.size == 0:
            idx = idx.astype(np.int64)
        if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(f"Subset: indices must be a 1-d sequence of integers, got "
                             f"an array of shape {idx.shape} and dtype {idx.dtype}")
        n = len(dataset)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            bad = idx[(idx < -n) | (idx >= n)][0]
            raise IndexError(f"Subset: index {int(bad)} is out of range for a dataset "
                             f"of length {n}")
        self.dataset = dataset
        self.indices = np.where(idx < 0, idx + n, idx).astype(np.int64)

    def __getitem__(self, index):
        return self.dataset[int(self.indices[index])]

    def __len__(self):
        return len(self.indices)


def array_source(dataset):
    """Return ``(arrays, indices)`` behind an array-backed dataset, or None.

    ``arrays`` are the TensorDataset's arrays and ``indices`` the positions in them
    that ``dataset`` exposes (None for all of them, in order). Subclasses that override
    ``__getitem__`` are not array-backed: their samples may differ from the arrays.
    """
    composed = None
    while isinstance(dataset, Subset) and type(dataset).__getitem__ is Subset.__getitem__:
        composed = dataset.indices if composed is None else dataset.indices[composed]
        dataset = dataset.dataset
    if isinstance(dataset, TensorDataset) and \
            type(dataset).__getitem__ is TensorDataset.__getitem__:
        return dataset.arrays, composed
    return None


class ConcatDataset(Dataset):
    """Several datasets one after another: index ``i`` runs through the first dataset,
    then the second, ... (PyTorch's ``ConcatDataset``).

    Args:
        datasets: an iterable of map-style datasets (with ``__len__``).

    Raises:
        ValueError: no dataset given.
        TypeError: an entry without ``__len__`` / ``__getitem__``.

    Attributes:
        cumulative_sizes: the running totals of the datasets' lengths.
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for k, d in enumerate(self.datasets):
            if not (hasattr(d, "__len__") and hasattr(d, "__getitem__")):
                raise TypeError(f"ConcatDataset: dataset {k} is a {type(d).__name__}; "
                                f"expected a map-style dataset (__getitem__ and __len__)")
        total, self.cumulative_sizes = 0, []
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        n = len(self)
        if index < 0:
            if -index > n:
                raise IndexError(f"ConcatDataset index {index} is out of range for "
                                 f"length {n}")
            index += n
        if index >= n:
            raise IndexError(f"ConcatDataset index {index} is out of range for length {n}")
        k = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        start = self.cumulative_sizes[k - 1] if k else 0
        return self.datasets[k][index - start]
