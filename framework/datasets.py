"""DeZero's datasets (``from framework import datasets``).

``Dataset(train=True, transform=None, target_transform=None)`` fills ``data`` and
``label`` in ``prepare()``; ``dataset[i]`` is ``(transform(data[i]),
target_transform(label[i]))``.  ``Spiral``/``get_spiral`` and ``SinCurve`` are generated
exactly as the book does (from numpy's global generator, which ``get_spiral`` seeds, as
DeZero's does); ``MNIST`` reads the IDX files from the data folders
(:mod:`framework.utils.files`), ``Shakespear`` and ``ImageNet.labels()`` read local
files and say where to put them when absent.
"""
import ast

import numpy as np

from framework.data.dataset import Dataset as _BaseDataset
from framework.data.files import read_content, verify_sha256
from framework.data.idx import parse_idx
from framework.transforms import Compose, Flatten, Normalize, ToFloat
from framework.utils.files import KNOWN_SHA256, get_file

__all__ = ["Dataset", "Spiral", "get_spiral", "make_spiral", "MNIST", "SinCurve",
           "Shakespear", "ImageNet"]


def _identity(x):
    return x


class Dataset(_BaseDataset):
    """DeZero's dataset base (also a ``framework.data.Dataset``).

    Args:
        train: the training split (True) or the test split.
        transform: applied to each sample when indexed (identity by default).
        target_transform: applied to each label when indexed.
    """

    def __init__(self, train=True, transform=None, target_transform=None):
        self.train = train
        self.transform = _identity if transform is None else transform
        self.target_transform = _identity if target_transform is None else target_transform
        self.data = None
        self.label = None
        self.prepare()

    def __getitem__(self, index):
        if not np.isscalar(index):
            raise TypeError(f"{type(self).__name__} takes one integer index, got "
                            f"{type(index).__name__}")
        if self.label is None:
            return self.transform(self.data[index]), None
        return self.transform(self.data[index]), self.target_transform(self.label[index])

    def __len__(self):
        return len(self.data)

    def prepare(self):
        """Fill ``self.data`` and ``self.label`` (subclasses)."""


def make_spiral(num_per_class=100, num_classes=3, seed=1984, noise=0.2, rng=None):
    """DeZero's interleaved spirals.

    Point ``i`` of class ``j`` lies at radius ``r = i / num_per_class`` and angle
    ``4 j + 4 r + noise * z`` (``z`` standard normal, drawn in that order); the points
    are then shuffled with one permutation.

    Args:
        num_per_class, num_classes, noise: the shape of the data.
        seed: the seed of a private generator (used when ``rng`` is None).
        rng: a generator with ``randn`` and ``permutation`` (``np.random`` itself for
            DeZero's behaviour: ``get_spiral`` seeds and draws from the global one).

    Returns:
        ``(x, t)``: float32 points ``(N, 2)`` and int64 labels ``(N,)``.
    """
    rs = np.random.RandomState(seed) if rng is None else rng
    n = num_per_class * num_classes
    rate = np.tile(np.arange(num_per_class) / num_per_class, num_classes)
    labels = np.repeat(np.arange(num_classes), num_per_class)
    # One call draws the same values as DeZero's n calls of randn() (legacy generator).
    theta = labels * 4.0 + 4.0 * rate + rs.randn(n) * noise
    x = np.stack([rate * np.sin(theta), rate * np.cos(theta)], axis=1).astype(np.float32)
    perm = rs.permutation(n)
    return x[perm], labels[perm].astype(np.int64)


def get_spiral(train=True):
    """DeZero's ``get_spiral``: seeds numpy's global generator (1984 train, 2020 test),
    as the book's does, so the code after it draws the book's numbers.

    Returns:
        ``(x, t)``: float32 ``(300, 2)`` and int64 ``(300,)``.
    """
    seed = 1984 if train else 2020
    np.random.seed(seed=seed)
    return make_spiral(100, 3, seed, 0.2, rng=np.random)


class Spiral(Dataset):
    """The 300 spiral points of :func:`get_spiral` (3 classes)."""

    def prepare(self):
        self.data, self.label = get_spiral(self.train)


_MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"


class MNIST(Dataset):
    """DeZero's MNIST: samples are flat ``(784,)`` float32 in [0, 1] by default.

    ``data`` holds the uint8 images ``(N, 1, 28, 28)``, ``label`` the uint8 labels.
    The four IDX ``.gz`` files are found in ``$ZERONN_DATA`` (or its ``mnist/``
    sub-folder) or ``~/.dezero``, and their sha256 checked; a missing file is
    downloaded only when ``ZERONN_DOWNLOAD=1``.

    Raises:
        FileNotFoundError: a file is missing (the message says where to put it).
        ChecksumError: a file is not the MNIST one.
    """

    def __init__(self, train=True,
                 transform=Compose([Flatten(), ToFloat(), Normalize(0., 255.)]),
                 target_transform=None):
        super().__init__(train, transform, target_transform)

    def prepare(self):
        prefix = "train" if self.train else "t10k"
        self.data = self._read(f"{prefix}-images-idx3-ubyte.gz").reshape(-1, 1, 28, 28)
        self.label = self._read(f"{prefix}-labels-idx1-ubyte.gz")

    @staticmethod
    def _read(file_name):
        path = get_file(_MNIST_URL + file_name, subdirs=("mnist",))
        content = read_content(path)
        verify_sha256(content, KNOWN_SHA256[file_name], path)
        return parse_idx(content, path)

    @staticmethod
    def labels():
        return {i: str(i) for i in range(10)}


class SinCurve(Dataset):
    """1000 points of ``sin(x) + U(-0.05, 0.05)`` noise (train) or ``cos(x)`` (test) on
    ``[0, 2 pi]``; ``data[i]`` is the value at step i and ``label[i]`` the next one.
    The noise is drawn from numpy's global generator (as DeZero's)."""

    def prepare(self):
        num_data = 1000
        x = np.linspace(0, 2 * np.pi, num_data)
        noise = np.random.uniform(-0.05, 0.05, size=x.shape)
        y = np.sin(x) + noise if self.train else np.cos(x)
        y = y.astype(np.float64)
        self.data = y[:-1][:, np.newaxis]
        self.label = y[1:][:, np.newaxis]


_SHAKESPEAR_URL = ("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/"
                   "tinyshakespeare/input.txt")


class Shakespear(Dataset):
    """Tiny Shakespeare as character ids (DeZero's spelling of the name).

    Reads ``shakespear.txt`` from the data folders (the text of char-rnn's
    ``tinyshakespeare/input.txt``).  ``char_to_id``/``id_to_char`` map characters in
    order of first appearance.
    """

    def prepare(self):
        path = get_file(_SHAKESPEAR_URL, "shakespear.txt")
        with open(path, encoding="utf-8") as f:
            data = f.read()
        char_to_id, id_to_char = {}, {}
        for ch in data:
            if ch not in char_to_id:
                new_id = len(char_to_id)
                char_to_id[ch] = new_id
                id_to_char[new_id] = ch
        indices = np.array([char_to_id[c] for c in data])
        self.data = indices[:-1]
        self.label = indices[1:]
        self.char_to_id = char_to_id
        self.id_to_char = id_to_char


_IMAGENET_LABELS_URL = (
    "https://gist.githubusercontent.com/yrevar/942d3a0ac09ec9e5eb3a/raw/"
    "238f720ff059c1f82f368259d1ca4ffa5dd8f9f5/imagenet1000_clsidx_to_labels.txt")


class ImageNet(Dataset):
    """Only the class names: ``ImageNet.labels()`` (the data set itself is not provided)."""

    def __init__(self, *args, **kwargs):
        raise NotImplementedError("the ImageNet data set is not provided; "
                                  "ImageNet.labels() gives the class names")

    @staticmethod
    def labels():
        """``{index: "class name"}`` read from ``imagenet1000_clsidx_to_labels.txt`` in
        the data folders (a Python dict literal, parsed without evaluating code)."""
        path = get_file(_IMAGENET_LABELS_URL)
        with open(path, encoding="utf-8") as f:
            return ast.literal_eval(f.read())
