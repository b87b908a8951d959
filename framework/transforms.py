"""DeZero's transforms (``from framework import transforms``): callables on one sample.

``Compose``, ``Flatten``, ``AsType`` (``ToFloat``), ``ToInt`` and ``Normalize`` work on
numpy arrays; ``Convert``, ``Resize``, ``CenterCrop``, ``ToArray`` and ``ToPIL`` work on
PIL images and need Pillow (``pip install pillow``): without it they raise ImportError
naming the package when created.  PyTorch-style transforms are in
``framework.vision.transforms`` / ``framework.data.transforms``.
"""
import numpy as np

try:
    from PIL import Image
except ImportError:  # Pillow is optional: only the image transforms need it
    Image = None

__all__ = ["Compose", "Convert", "Resize", "CenterCrop", "ToArray", "ToPIL", "Normalize",
           "Flatten", "AsType", "ToFloat", "ToInt"]


def _pair(x):
    if isinstance(x, (int, np.integer)):
        return int(x), int(x)
    if isinstance(x, (tuple, list)) and len(x) == 2:
        return tuple(int(v) for v in x)
    raise ValueError(f"expected an int or a pair (w, h), got {x!r}")


def _need_pil(name):
    if Image is None:
        raise ImportError(f"transforms.{name} works on PIL images and needs Pillow: "
                          f"pip install pillow")


class Compose:
    """Apply ``transforms`` in order (an empty list returns the input)."""

    def __init__(self, transforms=()):
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img


class Convert:
    """Convert a PIL image to ``mode`` (``"RGB"``, ``"L"``, ... or ``"BGR"``)."""

    def __init__(self, mode="RGB"):
        _need_pil("Convert")
        self.mode = mode

    def __call__(self, img):
        if self.mode == "BGR":
            r, g, b = img.convert("RGB").split()
            return Image.merge("RGB", (b, g, r))
        return img.convert(self.mode)


class Resize:
    """Resize a PIL image to ``size`` (an int or ``(w, h)``)."""

    def __init__(self, size, mode=None):
        _need_pil("Resize")
        self.size = _pair(size)
        self.mode = Image.BILINEAR if mode is None else mode

    def __call__(self, img):
        return img.resize(self.size, self.mode)


class CenterCrop:
    """Crop the center ``size`` (an int or ``(w, h)``) of a PIL image."""

    def __init__(self, size):
        _need_pil("CenterCrop")
        self.size = _pair(size)

    def __call__(self, img):
        W, H = img.size
        OW, OH = self.size
        left = (W - OW) // 2
        right = W - ((W - OW) // 2 + (W - OW) % 2)
        up = (H - OH) // 2
        bottom = H - ((H - OH) // 2 + (H - OH) % 2)
        return img.crop((left, up, right, bottom))


class ToArray:
    """A PIL image -> a ``(C, H, W)`` array of ``dtype``; arrays pass through."""

    def __init__(self, dtype=np.float32):
        self.dtype = dtype

    def __call__(self, img):
        if isinstance(img, np.ndarray):
            return img
        if Image is not None and isinstance(img, Image.Image):
            array = np.asarray(img)
            if array.ndim == 2:
                array = array[:, :, None]
            return array.transpose(2, 0, 1).astype(self.dtype)
        raise TypeError(f"ToArray expects a PIL image or an ndarray, got {type(img).__name__}")


class ToPIL:
    """A ``(C, H, W)`` array -> a PIL image."""

    def __init__(self):
        _need_pil("ToPIL")

    def __call__(self, array):
        data = array.transpose(1, 2, 0)
        if data.shape[2] == 1:
            data = data[:, :, 0]
        return Image.fromarray(data)


class Normalize:
    """``(array - mean) / std``; a sequence mean/std applies per entry of axis 0."""

    def __init__(self, mean=0, std=1):
        self.mean = mean
        self.std = std

    @staticmethod
    def _per_channel(value, array):
        if np.isscalar(value):
            return value
        shape = [1] * array.ndim
        shape[0] = len(array) if len(value) == 1 else len(value)
        return np.array(value, dtype=array.dtype).reshape(*shape)

    def __call__(self, array):
        return (array - self._per_channel(self.mean, array)) / self._per_channel(self.std, array)


class Flatten:
    """Flatten an array to 1-D."""

    def __call__(self, array):
        return array.flatten()


class AsType:
    """Cast an array to ``dtype`` (float32 by default)."""

    def __init__(self, dtype=np.float32):
        self.dtype = dtype

    def __call__(self, array):
        return array.astype(self.dtype)


ToFloat = AsType


class ToInt(AsType):
    """Cast an array to ``dtype`` (int by default)."""

    def __init__(self, dtype=int):
        self.dtype = dtype
