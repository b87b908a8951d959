"""torchvision's transforms for numpy images.

A uint8 ``(H, W)`` or ``(H, W, C)`` array is an image (what a PIL image is to
torchvision, and what :class:`ToTensor` takes; a PIL image is accepted too); a tensor
(``framework.Tensor``, what ToTensor returns) or any other array is laid out
``(..., C, H, W)``. Transforms of a tensor return a tensor, of an array an array.
Random transforms draw from numpy's global random state, which DataLoader workers seed
from the loader's seed.
"""
import numbers

import numpy as np

from framework.core import Variable

__all__ = ["Compose", "ToTensor", "Normalize", "Lambda", "RandomHorizontalFlip", "RandomCrop"]


def _as_array(img):
    if isinstance(img, Variable):
        return img.data
    return img if isinstance(img, np.ndarray) else np.asarray(img)


def _like(result, original):
    """Wrap ``result`` as a tensor when the input was one."""
    if isinstance(original, Variable):
        return Variable(result, requires_grad=False)
    return result


def _is_image(a):
    return a.dtype == np.uint8 and a.ndim in (2, 3)


class Compose:
    """Apply transforms one after another.

    Args:
        transforms: a list of callables.

    Raises:
        TypeError: an entry that is not callable.
    """

    def __init__(self, transforms):
        self.transforms = list(transforms)
        for i, t in enumerate(self.transforms):
            if not callable(t):
                raise TypeError(f"Compose: transform {i} is a {type(t).__name__}, not callable")

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"Compose({inner}\n)"


class ToTensor:
    """A uint8 ``(H, W)`` or ``(H, W, C)`` image -> float32 ``(C, H, W)`` tensor in [0, 1]
    (a ``framework.Tensor`` with ``requires_grad=False``).

    Other ``(H, W)`` / ``(H, W, C)`` arrays are moved to ``(C, H, W)`` without scaling
    and keep their dtype, as torchvision does.

    Raises:
        ValueError: an array that is not 2-d or 3-d.
    """

    def __call__(self, pic):
        a = _as_array(pic)
        if a.ndim == 2:
            a = a[:, :, None]
        if a.ndim != 3:
            raise ValueError(f"ToTensor: pic should be 2 or 3 dimensional (H, W) or (H, W, C), "
                             f"got {a.ndim} dimensions with shape {a.shape}")
        chw = np.ascontiguousarray(a.transpose(2, 0, 1))
        if a.dtype == np.uint8:
            chw = chw.astype(np.float32)
            chw /= np.float32(255)
        return Variable(chw, requires_grad=False)

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    """``(x - mean[c]) / std[c]`` for each channel of a ``(..., C, H, W)`` float tensor.

    Args:
        mean: one value per channel (or one for all).
        std: one value per channel (or one for all), none zero.
        inplace: write into the input array.

    Raises:
        ValueError: a zero std, or a number of values that fits neither 1 nor C.
        TypeError: an input that is not a float array (apply ToTensor first).
    """

    def __init__(self, mean, std, inplace=False):
        self.mean = tuple(float(m) for m in np.atleast_1d(mean))
        self.std = tuple(float(s) for s in np.atleast_1d(std))
        if any(s == 0 for s in self.std):
            raise ValueError(f"Normalize: std evaluated to zero after conversion "
                             f"({self.std}), leading to division by zero")
        self.inplace = bool(inplace)

    def __call__(self, tensor):
        x = _as_array(tensor)
        if x.dtype.kind != "f":
            raise TypeError(f"Normalize: expected a float tensor (C, H, W), got dtype "
                            f"{x.dtype}; apply transforms.ToTensor() first")
        if x.ndim < 3:
            raise ValueError(f"Normalize: expected a tensor of shape (..., C, H, W), got "
                             f"{x.shape}")
        channels = x.shape[-3]
        for name, values in (("mean", self.mean), ("std", self.std)):
            if len(values) not in (1, channels):
                raise ValueError(f"Normalize: {len(values)} {name} values for a tensor with "
                                 f"{channels} channels")
        mean = np.asarray(self.mean, dtype=x.dtype).reshape(-1, 1, 1)
        std = np.asarray(self.std, dtype=x.dtype).reshape(-1, 1, 1)
        if not self.inplace:
            x = x.copy()
        x -= mean
        x /= std
        return _like(x, tensor)

    def __repr__(self):
        return f"Normalize(mean={self.mean}, std={self.std})"


class Lambda:
    """Apply a user function as a transform.

    Raises:
        TypeError: ``lambd`` is not callable.
    """

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return "Lambda()"


class RandomHorizontalFlip:
    """Mirror left-right with probability ``p``.

    Args:
        p: the probability of flipping, in [0, 1].

    Raises:
        ValueError: p outside [0, 1].
    """

    def __init__(self, p=0.5):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: p should be in [0, 1], got {p}")
        self.p = p

    def __call__(self, img):
        a = _as_array(img)
        if np.random.random_sample() >= self.p:
            return img
        axis = 1 if _is_image(a) and not isinstance(img, Variable) else -1
        return _like(np.ascontiguousarray(np.flip(a, axis=axis)), img)

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


def _pair(value, name):
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value), int(value)
    value = tuple(value)
    if len(value) == 1:
        return int(value[0]), int(value[0])
    if len(value) != 2:
        raise ValueError(f"RandomCrop: {name} should be an int or a (h, w) pair, got {value}")
    return int(value[0]), int(value[1])


class RandomCrop:
    """Cut a ``size`` window at a random position, after optional padding.

    Args:
        size: ``(h, w)`` or one int for a square.
        padding: an int (all sides), ``(left/right, top/bottom)`` or ``(left, top, right,
            bottom)``, added before cropping.
        pad_if_needed: pad an image smaller than ``size`` up to it.
        fill: the constant of ``padding_mode="constant"``.
        padding_mode: ``"constant"``, ``"edge"``, ``"reflect"`` or ``"symmetric"``.

    Raises:
        ValueError: a bad size or padding, an unknown padding_mode, or an image smaller
            than ``size`` (without pad_if_needed).
    """

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        self.size = _pair(size, "size")
        if min(self.size) <= 0:
            raise ValueError(f"RandomCrop: size should be positive, got {self.size}")
        if padding is None:
            self.padding = (0, 0, 0, 0)
        elif isinstance(padding, numbers.Integral):
            self.padding = (int(padding),) * 4
        else:
            p = tuple(int(v) for v in padding)
            if len(p) == 2:
                p = (p[0], p[1], p[0], p[1])
            if len(p) != 4:
                raise ValueError(f"RandomCrop: padding should be an int or a sequence of "
                                 f"2 or 4 ints, got {padding}")
            self.padding = p
        if min(self.padding) < 0:
            raise ValueError(f"RandomCrop: padding should be >= 0, got {padding}")
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError(f"RandomCrop: padding_mode should be constant, edge, reflect or "
                             f"symmetric, got {padding_mode!r}")
        self.pad_if_needed, self.fill, self.padding_mode = pad_if_needed, fill, padding_mode

    def _pad(self, a, left, top, right, bottom, image):
        if not (left or top or right or bottom):
            return a
        h_axis = 0 if image else a.ndim - 2
        widths = [(0, 0)] * a.ndim
        widths[h_axis], widths[h_axis + 1] = (top, bottom), (left, right)
        if self.padding_mode == "constant":
            return np.pad(a, widths, mode="constant", constant_values=self.fill)
        return np.pad(a, widths, mode=self.padding_mode)

    def __call__(self, img):
        a = _as_array(img)
        image = _is_image(a) and not isinstance(img, Variable)
        a = self._pad(a, *self.padding, image)
        h_axis = 0 if image else a.ndim - 2
        th, tw = self.size
        h, w = a.shape[h_axis], a.shape[h_axis + 1]
        if self.pad_if_needed and (h < th or w < tw):
            dh, dw = max(0, th - h), max(0, tw - w)
            a = self._pad(a, dw, dh, dw, dh, image)
            h, w = a.shape[h_axis], a.shape[h_axis + 1]
        if h < th or w < tw:
            raise ValueError(f"RandomCrop: required crop size {(th, tw)} is larger than the "
                             f"input image size {(h, w)}; pass padding or pad_if_needed=True")
        top = int(np.random.randint(0, h - th + 1))
        left = int(np.random.randint(0, w - tw + 1))
        index = [slice(None)] * a.ndim
        index[h_axis], index[h_axis + 1] = slice(top, top + th), slice(left, left + tw)
        return _like(np.ascontiguousarray(a[tuple(index)]), img)

    def __repr__(self):
        return f"RandomCrop(size={self.size}, padding={self.padding})"
