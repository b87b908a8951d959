"""MNIST and Fashion-MNIST: IDX files read from a folder, checked by sha256.

The four standard files (``train-images-idx3-ubyte.gz`` and so on, gzip or
decompressed) are looked for in ``data_dir``, then ``data_dir/<folder>`` for each of
the data set's folder names, then system folders (Debian's ``dataset-fashion-mnist``
package). With ``download=True`` missing files are fetched from the data set's
official location (or ``mirror``) into ``data_dir/<first folder>``.
"""
from pathlib import Path

import numpy as np

from framework.data import ArrayDataset, download as download_file, parse_idx
from framework.data.files import read_content, verify_sha256
from framework.errors import DataError
from plugins.datasets._common import check_target, use_image_targets

__all__ = ["IDXImageDataset", "MNIST", "FashionMNIST"]


class IDXImageDataset(ArrayDataset):
    """Base class of MNIST-style data sets: IDX images and labels with known sha256.

    Subclasses set ``name``, ``folders``, ``system_dirs``, ``mirror``, ``files``
    (``{"train": ((images, sha256), (labels, sha256)), "test": ...}`` with file names
    without ``.gz`` and the sha256 of the decompressed content) and ``classes``.

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

    name = ""
    folders = ()
    system_dirs = ()
    mirror = ""
    files = {}
    classes = ()

    def __init__(self, data_dir="data", train=True, transform=None, target_transform=None,
                 download=False, mirror=None, target="label"):
        check_target(self.name, target)
        self.data_dir = Path(data_dir).expanduser()
        self.train = bool(train)
        (img_name, img_sha), (lbl_name, lbl_sha) = self.files["train" if train else "test"]
        images = self._load(img_name, img_sha, download, mirror)
        labels = self._load(lbl_name, lbl_sha, download, mirror)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise DataError(f"{self.name}: {img_name} holds images of shape {images.shape} "
                            f"and {lbl_name} labels of shape {labels.shape}; expected "
                            "(N, H, W) and (N,) with the same N")
        # Cast, then divide in place: far faster than a mixed-type np.divide.
        x = images[:, None].astype(np.float32)
        x /= np.float32(255)
        super().__init__(x, labels.astype(np.int64), transform=transform,
                         target_transform=target_transform)
        if target == "image":
            use_image_targets(self)

    def search_dirs(self):
        """The folders looked in, in order."""
        dirs = [self.data_dir] + [self.data_dir / f for f in self.folders]
        return dirs + [Path(d) for d in self.system_dirs]

    def _find(self, filename):
        for folder in self.search_dirs():
            for candidate in (folder / f"{filename}.gz", folder / filename):
                if candidate.is_file():
                    return candidate
        return None

    def _load(self, filename, sha256, download, mirror):
        path = self._find(filename)
        if path is None and download:
            base = (mirror or self.mirror).rstrip("/") + "/"
            target = self.data_dir / (self.folders[0] if self.folders else "")
            path = download_file(base + f"{filename}.gz", target / f"{filename}.gz", sha256)
        if path is None:
            raise DataError(self._missing_message(filename))
        content = read_content(path)
        verify_sha256(content, sha256, path)
        return parse_idx(content, name=str(path), copy=False)

    def _missing_message(self, filename):
        looked = ", ".join(str(d) for d in self.search_dirs())
        names = ", ".join(f"{n}.gz" for pair in self.files.values() for n, _ in pair)
        return (f"{self.name}: {filename}.gz (or {filename}) not found; looked in: "
                f"{looked}. To get the data set, set download: true in the dataset's "
                f"args (it fetches the files from {self.mirror} and checks their sha256), "
                f"or copy the four files {names} into {self.data_dir} or "
                f"{self.data_dir / self.folders[0] if self.folders else self.data_dir}.")


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
    mirror = "https://ossci-datasets.s3.amazonaws.com/mnist/"
    files = {
        "train": (("train-images-idx3-ubyte",
                   "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
                  ("train-labels-idx1-ubyte",
                   "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5")),
        "test": (("t10k-images-idx3-ubyte",
                  "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
                 ("t10k-labels-idx1-ubyte",
                  "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2")),
    }
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
    system_dirs = ("/usr/share/datasets/fashion-mnist",)
    mirror = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
    files = {
        "train": (("train-images-idx3-ubyte",
                   "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
                  ("train-labels-idx1-ubyte",
                   "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9")),
        "test": (("t10k-images-idx3-ubyte",
                  "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
                 ("t10k-labels-idx1-ubyte",
                  "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34")),
    }
    classes = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot")
