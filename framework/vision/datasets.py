"""torchvision-style data sets: ``MNIST``, ``FashionMNIST`` and ``FakeData``.

A sample is ``(image, label)``: the image a uint8 ``(H, W)`` array (torchvision gives a
PIL image; ``transforms.ToTensor`` turns either into float32 ``(1, H, W)``), the label
an int. The four IDX files (gzip or decompressed) are looked for in
``root/MNIST/raw`` (torchvision's layout; ``root/FashionMNIST/raw``), in ``root``
itself, in ``root/mnist`` (``root/fashion-mnist``, ``root/fashion_mnist``) and in
system folders (Debian's ``dataset-fashion-mnist``); their content is checked against
the published sha256. ``download=True`` fetches missing files into the first folder.

:class:`IDXFiles` is the one reader of these files; the built-in ``mnist`` and
``fashion_mnist`` trainer data sets use it too.
"""
from pathlib import Path

import numpy as np

from framework.data import Dataset, download as download_file, parse_idx
from framework.data.files import read_content, verify_sha256
from framework.errors import DataError
from framework.tensors import from_numpy

__all__ = ["IDXFiles", "MNIST", "FashionMNIST", "FakeData"]

MNIST_FILES = {
    "train": (("train-images-idx3-ubyte",
               "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
              ("train-labels-idx1-ubyte",
               "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5")),
    "test": (("t10k-images-idx3-ubyte",
              "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
             ("t10k-labels-idx1-ubyte",
              "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2")),
}
FASHION_FILES = {
    "train": (("train-images-idx3-ubyte",
               "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
              ("train-labels-idx1-ubyte",
               "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9")),
    "test": (("t10k-images-idx3-ubyte",
              "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
             ("t10k-labels-idx1-ubyte",
              "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34")),
}
MNIST_MIRROR = "https://ossci-datasets.s3.amazonaws.com/mnist/"
FASHION_MIRROR = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot")


class IDXFiles:
    """The reader of MNIST-style IDX image/label files with known sha256.

    Subclasses set ``name``, ``folders`` (sub-folders of ``root`` looked in, the first
    one also the download target), ``system_dirs``, ``mirror``, ``files``
    (``{"train": ((images, sha256), (labels, sha256)), "test": ...}``, file names
    without ``.gz``, sha256 of the decompressed content), ``classes`` and
    ``download_hint`` (how to ask for a download, in the missing-file message).
    ``root`` is the folder searched (set by the subclass before reading).
    """

    name = ""
    folders = ()
    system_dirs = ()
    mirror = ""
    files = {}
    classes = ()
    root_first = False  # look in root itself before its sub-folders
    download_hint = "pass download=True"

    def search_dirs(self):
        """The folders looked in, in order."""
        subs = [self.root / f for f in self.folders]
        dirs = [self.root] + subs if self.root_first else subs[:1] + [self.root] + subs[1:]
        return dirs + [Path(d) for d in self.system_dirs]

    def read_split(self, train, download=False, mirror=None):
        """Read one split's images and labels.

        Returns:
            ``(images, labels)``: uint8 ``(N, H, W)`` and ``(N,)`` arrays.

        Raises:
            DataError: a missing or unreadable file, or images and labels that disagree.
            ChecksumError: a file whose content does not have the expected sha256.
        """
        (img_name, img_sha), (lbl_name, lbl_sha) = self.files["train" if train else "test"]
        images = self._load(img_name, img_sha, download, mirror)
        labels = self._load(lbl_name, lbl_sha, download, mirror)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise DataError(f"{self.name}: {img_name} holds images of shape {images.shape} "
                            f"and {lbl_name} labels of shape {labels.shape}; expected "
                            "(N, H, W) and (N,) with the same N")
        return images, labels

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
            target = self.root / (self.folders[0] if self.folders else "")
            path = download_file(base + f"{filename}.gz", target / f"{filename}.gz", sha256)
        if path is None:
            raise DataError(self._missing_message(filename))
        content = read_content(path)
        verify_sha256(content, sha256, path)
        return parse_idx(content, name=str(path), copy=False)

    def _missing_message(self, filename):
        looked = ", ".join(str(d) for d in self.search_dirs())
        names = ", ".join(f"{n}.gz" for pair in self.files.values() for n, _ in pair)
        into = self.root / self.folders[0] if self.folders else self.root
        return (f"{self.name}: {filename}.gz (or {filename}) not found; looked in: "
                f"{looked}. To get the data set, {self.download_hint} (it fetches the files "
                f"from {self.mirror} and checks their sha256), or copy the four files "
                f"{names} into {self.root} or {into}.")


def _transformed(dataset, img, target):
    """``(img, target)`` through the data set's ``transform`` and ``target_transform``."""
    if dataset.transform is not None:
        img = dataset.transform(img)
    if dataset.target_transform is not None:
        target = dataset.target_transform(target)
    return img, target


class _VisionIDX(IDXFiles, Dataset):
    """torchvision's MNIST-family interface on top of :class:`IDXFiles`."""

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False, *, mirror=None):
        for label, fn in (("transform", transform), ("target_transform", target_transform)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{type(self).__name__}: {label} should be callable (e.g. "
                                f"transforms.ToTensor()), got {type(fn).__name__}")
        if root is None or isinstance(root, bool):
            raise TypeError(f"{type(self).__name__}: root should be a folder path, got {root!r}")
        self.root = Path(root).expanduser()
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform
        images, labels = self.read_split(self.train, download=download, mirror=mirror)
        self._images, self._labels = images, labels.astype(np.int64)
        # torchvision's data and targets are tensors (``ds.data.unsqueeze(1).float()``,
        # ``ds.targets == 3``), sharing memory with the arrays samples are read from
        self.data = from_numpy(self._images)
        self.targets = from_numpy(self._labels)

    @property
    def class_to_idx(self):
        """``{class name: index}``, as torchvision's."""
        return {name: i for i, name in enumerate(self.classes)}

    def __len__(self):
        return len(self._images)

    def __getitem__(self, index):
        return _transformed(self, self._images[index], int(self._labels[index]))

    def __repr__(self):
        split = "Train" if self.train else "Test"
        return (f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n"
                f"    Root location: {self.root}\n    Split: {split}")


class MNIST(_VisionIDX):
    """MNIST handwritten digits (LeCun, Cortes, Burges): 60000 train, 10000 test images.

    Args:
        root: the folder holding ``MNIST/raw/`` (torchvision's layout), the four files
            themselves, or ``mnist/``.
        train: the training split (True) or the test split.
        transform: applied to each image when it is read (e.g.
            ``transforms.Compose([transforms.ToTensor(), transforms.Normalize(...)])``).
        target_transform: applied to each label.
        download: fetch missing files from PyTorch's mirror (sha256-checked) into
            ``root/MNIST/raw``.
        mirror: another base URL to download from.

    Raises:
        DataError: a missing file (the message lists where it looked and how to get it)
            or an unreadable one.
        ChecksumError: a file's content does not have the expected sha256.
        TypeError: a transform that is not callable.

    Attributes:
        data: uint8 ``(N, 28, 28)`` images and targets: int64 ``(N,)`` labels, as
            tensors (torchvision's); classes.
    """

    name = "MNIST"
    folders = ("MNIST/raw", "mnist")
    mirror = MNIST_MIRROR
    files = MNIST_FILES
    classes = ("0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine")


class FashionMNIST(_VisionIDX):
    """Fashion-MNIST (Zalando Research): 28x28 clothing images, 60000 train, 10000 test.

    Arguments, errors and attributes as :class:`MNIST`; files are found in
    ``root/FashionMNIST/raw``, ``root``, ``root/fashion-mnist``, ``root/fashion_mnist``
    or Debian's ``/usr/share/datasets/fashion-mnist``.
    """

    name = "FashionMNIST"
    folders = ("FashionMNIST/raw", "fashion-mnist", "fashion_mnist")
    system_dirs = ("/usr/share/datasets/fashion-mnist",)
    mirror = FASHION_MIRROR
    files = FASHION_FILES
    classes = FASHION_CLASSES


class FakeData(Dataset):
    """Random images with random labels, torchvision's ``FakeData`` (no files needed).

    Item ``i`` is the same on every read: a numpy Generator seeded with
    ``i + random_offset`` draws a uint8 ``(H, W, C)`` image (``(H, W)`` for one channel)
    and an int target in ``[0, num_classes)``.

    Args:
        size: the number of items.
        image_size: ``(C, H, W)``, as torchvision's.
        num_classes: the number of labels.
        transform: applied to each image (e.g. ``transforms.ToTensor()``).
        target_transform: applied to each target.
        random_offset: added to the index to make the seed, for another set of images.

    Raises:
        ValueError: a negative size, a bad image_size or num_classes below 1.
        TypeError: a transform that is not callable.
        IndexError: an index outside ``[-size, size)``.
    """

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None,
                 target_transform=None, random_offset=0):
        for label, fn in (("transform", transform), ("target_transform", target_transform)):
            if fn is not None and not callable(fn):
                raise TypeError(f"FakeData: {label} should be callable (e.g. "
                                f"transforms.ToTensor()), got {type(fn).__name__}")
        image_size = tuple(int(v) for v in image_size)
        if len(image_size) != 3 or min(image_size) <= 0:
            raise ValueError(f"FakeData: image_size should be (C, H, W) with positive sizes, "
                             f"got {image_size}")
        if int(size) < 0 or int(num_classes) < 1:
            raise ValueError(f"FakeData: size should be >= 0 and num_classes >= 1, got "
                             f"size={size}, num_classes={num_classes}")
        self.size, self.image_size = int(size), image_size
        self.num_classes, self.random_offset = int(num_classes), int(random_offset)
        self.transform, self.target_transform = transform, target_transform

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        index = int(index)
        if index < 0:
            index += self.size
        if not 0 <= index < self.size:
            raise IndexError(f"FakeData: index {index} out of range for {self.size} items")
        rng = np.random.default_rng(index + self.random_offset)
        c, h, w = self.image_size
        img = rng.integers(0, 256, size=(h, w, c), dtype=np.uint8)
        if c == 1:
            img = img[:, :, 0]
        return _transformed(self, img, int(rng.integers(0, self.num_classes)))

    def __repr__(self):
        return f"Dataset FakeData\n    Number of datapoints: {self.size}"
