"""The built-in data sets: digits and iris (shipped), spiral (generated), MNIST and
Fashion-MNIST (read from a folder, optional verified download).

Every one is array-backed, so the DataLoader batches it by fancy indexing.
"""
from framework.plugin import hookimpl
from plugins.datasets.digits import Digits
from plugins.datasets.iris import Iris
from plugins.datasets.mnist import MNIST, FashionMNIST, IDXImageDataset
from plugins.datasets.spiral import Spiral, make_spiral

__all__ = ["Digits", "Iris", "Spiral", "make_spiral", "MNIST", "FashionMNIST",
           "IDXImageDataset", "register_datasets"]


@hookimpl
def register_datasets(register):
    """Register digits, iris, spiral, mnist and fashion_mnist."""
    register("digits", Digits, description=(
        "1797 handwritten 8x8 digits (UCI optdigits), shipped; x (1, 8, 8) in [0, 1], "
        "10 classes; fixed split 1437 train / 360 test"))
    register("iris", Iris, description=(
        "Fisher's iris, shipped; x (4,) measurements in cm, 3 classes; fixed split "
        "112 train / 38 test"))
    register("spiral", Spiral, description=(
        "DeZero's three interleaved spirals, generated with a seed; x (2,), 3 classes, "
        "300 points"))
    register("mnist", MNIST, description=(
        "MNIST digits from IDX files in data_dir (sha256-checked; download: true "
        "fetches them); x (1, 28, 28) in [0, 1], 10 classes, 60000/10000"))
    register("fashion_mnist", FashionMNIST, description=(
        "Fashion-MNIST from IDX files in data_dir or Debian's dataset-fashion-mnist "
        "(sha256-checked; download: true fetches them); x (1, 28, 28), 10 classes"))
