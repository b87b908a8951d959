"""MNIST and Fashion-MNIST for the trainer: the files are read by
``framework.vision.datasets`` (one reader), and the images served as float32
``(1, 28, 28)`` arrays in ``[0, 1]``.

The four standard files (``train-images-idx3-ubyte.gz`` and so on, gzip or
decompressed) are looked for in ``data_dir``, then ``data_dir/<folder>`` for each of
the data set's folder names, then system folders (Debian's ``dataset-fashion-mnist``
package). With ``download=True`` missing files are fetched from the data set's
official location (or ``mirror``) into ``data_dir/<first folder>``.
"""
from pathlib import Path

import numpy as np

from framework.data import ArrayDataset
from framework.vision import datasets as vision
from plugins.datasets._common import check_target, use_image_targets

__all__ = ["IDXImageDataset", "MNIST", "FashionMNIST"]


class IDXImageDataset(vision.IDXFiles, ArrayDataset):
    """Base class of MNIST-style data sets: IDX images and labels with known sha256.

    Subclasses set the attributes of :class:`framework.vision.datasets.IDXFiles`
    (``name``, ``folders``, ``system_dirs``, ``mirror``, ``files``, ``classes``).

    Args:
        data_dir: the folder holding the files (or sub-folders named as ``folders``).
        train: the training files (True) or the test files (False).
        transform: applied to each image (once, at construction).
        target_transform: applied to each label (once, at construction).
        target: ``"label"`` (the class) or ``"image"`` (the image itself, for
            autoencoders).
        download: fetch missing files (verified, written atomically).
        mirror: base URL to download from instead of the official one.

    Raises:
        DataError: a file is missing (the message lists where it looked and how to get
            it), unreadable, not IDX, or images and labels disagree in number.
        ChecksumError: a file's content does not have the expected sha256.

    Shape:
        x: ``(1, H, W)`` float32 in ``[0, 1]`` (pixel / 255); t: int64 class.
    """

    root_first = True
    download_hint = "set download: true in the dataset's args"

    def __init__(self, data_dir="data", train=True, transform=None, target_transform=None,
                 download=False, mirror=None, target="label"):
        check_target(self.name, target)
        self.root = Path(data_dir).expanduser()
        self.train = bool(train)
        images, labels = self.read_split(self.train, download=download, mirror=mirror)
        # Cast, then divide in place: far faster than a mixed-type np.divide.
        x = images[:, None].astype(np.float32)
        x /= np.float32(255)
        super().__init__(x, labels.astype(np.int64), transform=transform,
                         target_transform=target_transform)
        if target == "image":
            use_image_targets(self)

    @property
    def data_dir(self):
        """The folder searched (``root`` of the reader)."""
        return self.root


class MNIST(IDXImageDataset):
    """MNIST handwritten digits (LeCun, Cortes, Burges): 60000 train, 10000 test.

    See :class:`IDXImageDataset` for the arguments; ``data_dir`` may hold the files
    itself or in ``mnist/`` (or torchvision's ``MNIST/raw/``). The default mirror is
    the one PyTorch uses.

    Shape:
        x: ``(1, 28, 28)`` float32 in ``[0, 1]``; t: int64 digit in 0..9.
    """

    name = "mnist"
    folders = ("mnist", "MNIST/raw")
    mirror = vision.MNIST_MIRROR
    files = vision.MNIST_FILES
    classes = tuple(str(d) for d in range(10))


class FashionMNIST(IDXImageDataset):
    """Fashion-MNIST (Zalando Research): 28x28 clothing images, 60000 train, 10000 test.

    See :class:`IDXImageDataset` for the arguments; ``data_dir`` may hold the files
    itself or in a ``fashion-mnist/`` or ``fashion_mnist/`` sub-folder, and Debian's
    ``dataset-fashion-mnist`` package (``/usr/share/datasets/fashion-mnist/``) is found
    too.

    Shape:
        x: ``(1, 28, 28)`` float32 in ``[0, 1]``; t: int64 class in 0..9.
    """

    name = "fashion_mnist"
    folders = ("fashion-mnist", "fashion_mnist", "FashionMNIST/raw")
    system_dirs = vision.FashionMNIST.system_dirs
    mirror = vision.FASHION_MIRROR
    files = vision.FASHION_FILES
    classes = vision.FASHION_CLASSES
