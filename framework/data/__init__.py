"""Data pipeline: datasets, splits, the DataLoader, transforms and file readers.

PyTorch's ``torch.utils.data`` manners on numpy arrays::

    from framework.data import TensorDataset, DataLoader
    loader = DataLoader(TensorDataset(x, t), batch_size=64, shuffle=True, seed=0)
    for xb, tb in loader:
        ...

``DataLoader(..., num_workers=2)`` loads in worker processes; samplers
(``RandomSampler``, ``WeightedRandomSampler``, ``DistributedSampler``, ...) and
``ConcatDataset`` follow ``torch.utils.data``. The same objects are importable from
``framework.utils.data``.
"""
from framework.data import transforms
from framework.data.csv_io import read_csv
from framework.data.dataset import ArrayDataset, ConcatDataset, Dataset, Subset, TensorDataset
from framework.data.files import download, read_content, sha256_hex, verify_sha256
from framework.data.idx import parse_idx, read_idx, write_idx
from framework.data.loader import DataLoader, default_collate
from framework.data.sampler import (BatchSampler, DistributedSampler, RandomSampler, Sampler,
                                    SequentialSampler, SubsetRandomSampler,
                                    WeightedRandomSampler)
from framework.data.split import random_split, split_validation
from framework.data.split_loader import SplitDataLoader
from framework.data.transforms import Compose, Flatten, Normalize, ToFloat
from framework.data.worker import WorkerInfo, get_worker_info

__all__ = [
    "Dataset", "TensorDataset", "ArrayDataset", "Subset", "ConcatDataset",
    "DataLoader", "SplitDataLoader", "default_collate", "get_worker_info", "WorkerInfo",
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
    "WeightedRandomSampler", "BatchSampler", "DistributedSampler",
    "random_split", "split_validation",
    "transforms", "Compose", "ToFloat", "Normalize", "Flatten",
    "read_idx", "parse_idx", "write_idx", "read_csv",
    "read_content", "sha256_hex", "verify_sha256", "download",
]
