"""torchvision's transforms for numpy images.

A uint8 ``(H, W)`` or ``(H, W, C)`` array is an image (what a PIL image is to
torchvision, and what :class:`ToTensor` takes; a PIL image is accepted too); a tensor
(``framework.Tensor``, what ToTensor returns) or any other array is laid out
``(..., C, H, W)``. Transforms of a tensor return a tensor, of an array an array.
Random transforms draw from numpy's global random state, which DataLoader workers seed
from the loader's seed.
"""
import math
import numbers

import numpy as np

from framework.core import Variable
from framework.vision.resampling import (InterpolationMode, interpolation_name, resize_image,
                                         resize_tensor)

__all__ = ["Compose", "ToTensor", "Normalize", "Lambda", "RandomHorizontalFlip", "RandomCrop",
           "InterpolationMode", "Resize", "CenterCrop", "Grayscale", "Pad", "RandomResizedCrop",
           "RandomVerticalFlip"]


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


class _RandomFlip:
    """Mirror along one axis with probability ``p`` (the subclass names the axis).

    Args:
        p: the probability of flipping, in [0, 1].

    Raises:
        ValueError: p outside [0, 1].
    """

    def __init__(self, p=0.5):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: p should be in [0, 1], got {p}")
        self.p = p

    def __call__(self, img):
        a = _as_array(img)
        if np.random.random_sample() >= self.p:
            return img
        return _like(np.ascontiguousarray(np.flip(a, axis=self._axis(a, img))), img)

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class RandomHorizontalFlip(_RandomFlip):
    """Mirror left-right with probability ``p`` (see :class:`_RandomFlip`)."""

    @staticmethod
    def _axis(a, img):
        return _hw_axis(a, img) + 1  # W follows H


def _pad_array(a, left, top, right, bottom, image, fill=0, padding_mode="constant"):
    """``a`` padded on its H and W axes (0 and 1 for an image, the last two otherwise)."""
    if not (left or top or right or bottom):
        return a
    h_axis = 0 if image else a.ndim - 2
    widths = [(0, 0)] * a.ndim
    widths[h_axis], widths[h_axis + 1] = (top, bottom), (left, right)
    if padding_mode == "constant":
        return np.pad(a, widths, mode="constant", constant_values=fill)
    return np.pad(a, widths, mode=padding_mode)


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
        return _pad_array(a, left, top, right, bottom, image, self.fill, self.padding_mode)

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


def _resize(a, img, out_h, out_w, mode, antialias):
    """``a`` (the array of ``img``) resized to exactly ``(out_h, out_w)``."""
    if _hw_axis(a, img) == 0:
        return resize_image(a, out_h, out_w, mode)
    return _like(resize_tensor(a, out_h, out_w, mode, antialias), img)


def _resized_size(h, w, size, max_size):
    """torchvision's output size: an int (or 1-sequence) sets the shorter edge keeping the
    aspect ratio (the longer one ``int(size * long / short)``, capped by ``max_size``), a
    pair is ``(h, w)``."""
    if len(size) == 2:
        return size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size[0], int(size[0] * long / short)
    if max_size is not None and new_long > max_size:
        new_short, new_long = int(max_size * new_short / new_long), max_size
    return (new_long, new_short) if w <= h else (new_short, new_long)


def _hw_axis(a, img):
    """The axis of H: 0 for an image, ndim - 2 for a tensor or another array."""
    return 0 if _is_image(a) and not isinstance(img, Variable) else a.ndim - 2


class Resize:
    """Resize to ``size``, as torchvision does.

    Args:
        size: ``(h, w)``, or one int: the shorter edge becomes ``size`` and the longer
            ``int(size * long / short)``, keeping the aspect ratio.
        interpolation: ``InterpolationMode.BILINEAR`` (default), ``NEAREST`` or ``BICUBIC``.
            Images (uint8 arrays, PIL images) are resampled as PIL's ``Image.resize``
            (antialiased when shrinking); tensors and float arrays as
            ``torch.nn.functional.interpolate(..., align_corners=False,
            antialias=antialias)`` (BICUBIC images may differ from PIL's by a few grey
            levels where both edges change); NEAREST picks ``src = floor(dst * in / out)`` for
            tensors and the pixel under the output pixel's centre for images (PIL).
        max_size: with an int ``size``, the longest the longer edge may become (the
            shorter edge is then scaled down with it).
        antialias: for tensors, widen the filter when downscaling (images always are, as
            PIL's).

    Raises:
        ValueError: a bad size, a ``max_size`` with a pair size or not above ``size``, an
            unknown interpolation.
    """

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None,
                 antialias=True):
        if isinstance(size, numbers.Integral) and not isinstance(size, bool):
            size = (int(size),)
        else:
            size = tuple(int(s) for s in size)
        if len(size) not in (1, 2) or min(size) <= 0:
            raise ValueError(f"Resize: size should be a positive int or a (h, w) pair, got "
                             f"{size}")
        if max_size is not None:
            if len(size) != 1:
                raise ValueError(f"Resize: max_size should only be passed if size is an int "
                                 f"(got size={size})")
            if max_size <= size[0]:
                raise ValueError(f"Resize: max_size = {max_size} must be strictly greater "
                                 f"than the requested size for the smaller edge = {size[0]}")
        self.size, self.max_size = size, max_size
        self.interpolation = interpolation_name(interpolation)
        self.antialias = bool(antialias) if antialias is not None else True

    def __call__(self, img):
        a = _as_array(img)
        h_axis = _hw_axis(a, img)
        h, w = a.shape[h_axis], a.shape[h_axis + 1]
        out_h, out_w = _resized_size(h, w, self.size, self.max_size)
        if (out_h, out_w) == (h, w):
            return img if isinstance(img, (Variable, np.ndarray)) else a
        return _resize(a, img, out_h, out_w, self.interpolation, self.antialias)

    def __repr__(self):
        size = self.size[0] if len(self.size) == 1 else self.size
        return (f"Resize(size={size}, interpolation={self.interpolation}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


def _crop(a, h_axis, top, left, height, width):
    index = [slice(None)] * a.ndim
    index[h_axis], index[h_axis + 1] = slice(top, top + height), slice(left, left + width)
    return np.ascontiguousarray(a[tuple(index)])


class CenterCrop:
    """Cut the central ``size`` window (offsets ``int(round((h - th) / 2))``), padding
    with zeros first where the image is smaller than ``size``, as torchvision does.

    Args:
        size: ``(h, w)`` or one int for a square.

    Raises:
        ValueError: a size that is not positive.
    """

    def __init__(self, size):
        self.size = _pair(size, "size")
        if min(self.size) <= 0:
            raise ValueError(f"CenterCrop: size should be positive, got {self.size}")

    def __call__(self, img):
        a = _as_array(img)
        h_axis = _hw_axis(a, img)
        th, tw = self.size
        h, w = a.shape[h_axis], a.shape[h_axis + 1]
        if th > h or tw > w:
            dh, dw = max(th - h, 0), max(tw - w, 0)
            a = _pad_array(a, dw // 2, dh // 2, (dw + 1) // 2, (dh + 1) // 2, h_axis == 0)
            h, w = a.shape[h_axis], a.shape[h_axis + 1]
        top, left = int(round((h - th) / 2.0)), int(round((w - tw) / 2.0))
        return _like(_crop(a, h_axis, top, left, th, tw), img)

    def __repr__(self):
        return f"CenterCrop(size={self.size})"


class Grayscale:
    """Convert to grey (ITU-R 601-2 luma): for images PIL's ``convert("L")``, ``L = R *
    299/1000 + G * 587/1000 + B * 114/1000`` rounded; for tensors torchvision's ``0.2989 R
    + 0.587 G + 0.114 B``.

    Args:
        num_output_channels: 1, or 3 (the grey copied into each channel).

    Raises:
        ValueError: num_output_channels other than 1 or 3, or an input with neither 1 nor 3
            channels.
    """

    def __init__(self, num_output_channels=1):
        if num_output_channels not in (1, 3):
            raise ValueError(f"Grayscale: num_output_channels should be 1 or 3, got "
                             f"{num_output_channels}")
        self.num_output_channels = num_output_channels

    def __call__(self, img):
        a = _as_array(img)
        n = self.num_output_channels
        if _hw_axis(a, img) == 0:
            if a.ndim == 3 and a.shape[2] == 1:
                a = a[:, :, 0]
            if a.ndim == 3:
                if a.shape[2] not in (3, 4):
                    raise ValueError(f"Grayscale: expected an RGB image, got shape {a.shape}")
                rgb = a[:, :, :3].astype(np.uint32)
                # PIL's fixed-point luma: (R*19595 + G*38470 + B*7471 + 0x8000) >> 16
                a = ((rgb[:, :, 0] * 19595 + rgb[:, :, 1] * 38470 + rgb[:, :, 2] * 7471
                      + 0x8000) >> 16).astype(np.uint8)
            return np.ascontiguousarray(np.repeat(a[:, :, None], 3, axis=2)) if n == 3 else a
        if a.ndim < 3 or a.shape[-3] not in (1, 3):
            raise ValueError(f"Grayscale: expected a (..., 1 or 3, H, W) tensor, got shape "
                             f"{a.shape}")
        if a.shape[-3] == 3:
            r, g, b = a[..., 0, :, :], a[..., 1, :, :], a[..., 2, :, :]
            dtype = a.dtype if a.dtype.kind == "f" else np.float32
            gray = (0.2989 * r + 0.587 * g + 0.114 * b).astype(dtype)
            if a.dtype.kind != "f":
                gray = np.clip(np.floor(gray), 0, np.iinfo(a.dtype).max).astype(a.dtype)
            a = gray[..., None, :, :]
        return _like(np.ascontiguousarray(np.repeat(a, n, axis=-3)), img)

    def __repr__(self):
        return f"Grayscale(num_output_channels={self.num_output_channels})"


class Pad:
    """Pad the borders.

    Args:
        padding: an int (all sides), ``(left/right, top/bottom)`` or ``(left, top, right,
            bottom)``.
        fill: the constant of ``padding_mode="constant"``.
        padding_mode: ``"constant"``, ``"edge"``, ``"reflect"`` or ``"symmetric"``.

    Raises:
        ValueError: a bad padding or an unknown padding_mode.
    """

    def __init__(self, padding, fill=0, padding_mode="constant"):
        if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
            p = (int(padding),) * 4
        else:
            p = tuple(int(v) for v in padding)
            if len(p) == 1:
                p = p * 4
            elif len(p) == 2:
                p = (p[0], p[1], p[0], p[1])
        if len(p) != 4 or min(p) < 0:
            raise ValueError(f"Pad: padding should be an int >= 0 or a sequence of 1, 2 or 4 "
                             f"such ints, got {padding}")
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError(f"Pad: padding_mode should be constant, edge, reflect or "
                             f"symmetric, got {padding_mode!r}")
        self.padding, self.fill, self.padding_mode = p, fill, padding_mode

    def __call__(self, img):
        a = _as_array(img)
        out = _pad_array(a, *self.padding, _hw_axis(a, img) == 0, self.fill, self.padding_mode)
        return _like(np.ascontiguousarray(out), img)

    def __repr__(self):
        return (f"Pad(padding={self.padding}, fill={self.fill}, "
                f"padding_mode={self.padding_mode})")


class RandomResizedCrop:
    """Cut a random window of random area and aspect ratio, then resize it to ``size``
    (torchvision's algorithm: up to 10 draws of an area fraction in ``scale`` and a
    log-uniform ratio in ``ratio`` that fit the image, else the central crop of the
    nearest allowed ratio).

    Args:
        size: ``(h, w)`` or one int for a square.
        scale: the range of the window's area as a fraction of the image's.
        ratio: the range of the window's width / height.
        interpolation, antialias: as :class:`Resize`.

    Raises:
        ValueError: a bad size, or scale / ratio ranges given high to low.
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias=True):
        self.size = _pair(size, "size")
        if min(self.size) <= 0:
            raise ValueError(f"RandomResizedCrop: size should be positive, got {self.size}")
        self.scale, self.ratio = tuple(float(v) for v in scale), tuple(float(v) for v in ratio)
        if self.scale[0] > self.scale[1] or self.ratio[0] > self.ratio[1]:
            raise ValueError(f"RandomResizedCrop: scale and ratio should be (min, max), got "
                             f"{self.scale} and {self.ratio}")
        self.interpolation = interpolation_name(interpolation)
        self.antialias = bool(antialias) if antialias is not None else True

    @staticmethod
    def get_params(img, scale, ratio):
        """``(top, left, height, width)`` of a random window of ``img``."""
        a = _as_array(img)
        h_axis = _hw_axis(a, img)
        height, width = a.shape[h_axis], a.shape[h_axis + 1]
        area = height * width
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            target_area = area * np.random.uniform(scale[0], scale[1])
            aspect = math.exp(np.random.uniform(log_ratio[0], log_ratio[1]))
            w = int(round(math.sqrt(target_area * aspect)))
            h = int(round(math.sqrt(target_area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                top = int(np.random.randint(0, height - h + 1))
                left = int(np.random.randint(0, width - w + 1))
                return top, left, h, w
        in_ratio = width / height
        if in_ratio < min(ratio):
            w, h = width, int(round(width / min(ratio)))
        elif in_ratio > max(ratio):
            h, w = height, int(round(height * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, img):
        a = _as_array(img)
        top, left, h, w = self.get_params(img, self.scale, self.ratio)
        a = _crop(a, _hw_axis(a, img), top, left, h, w)
        if (h, w) == self.size:
            return _like(a, img)
        return _resize(a, img, *self.size, self.interpolation, self.antialias)

    def __repr__(self):
        return (f"RandomResizedCrop(size={self.size}, scale={self.scale}, ratio={self.ratio}, "
                f"interpolation={self.interpolation}, antialias={self.antialias})")


class RandomVerticalFlip(_RandomFlip):
    """Mirror top-bottom with probability ``p`` (see :class:`_RandomFlip`)."""

    @staticmethod
    def _axis(a, img):
        return _hw_axis(a, img)
