"""torchvision.utils' image grids: ``make_grid`` and ``save_image`` (``torchvision.utils``
-> ``framework.vision.utils``)::

    from framework.vision.utils import save_image
    save_image(recon.view(64, 1, 28, 28), "results/sample.png")

PNG files are written by the small encoder below (zlib from the standard library), so
saving needs no image library; other formats go through Pillow where it is installed.
"""
import math
import os
import struct
import zlib

import numpy as np

from framework import backend
from framework.core import Variable
from framework.tensors import from_numpy

__all__ = ["make_grid", "save_image", "write_png"]


def _array(tensor):
    if isinstance(tensor, (list, tuple)):
        return np.stack([_array(t) for t in tensor])
    data = tensor.data if isinstance(tensor, Variable) else tensor
    if not (isinstance(data, np.ndarray) or backend.is_cupy_array(data)):
        raise TypeError(f"make_grid: expected a tensor or a list of tensors, got "
                        f"{type(tensor).__name__}")
    return backend.as_numpy(data)


def _scale(images, low, high):
    images = np.clip(images, low, high)
    return (images - low) / max(high - low, 1e-5)


def _normalized(images, value_range, scale_each):
    if value_range is not None:
        if not (isinstance(value_range, (tuple, list)) and len(value_range) == 2):
            raise ValueError(f"make_grid: value_range should be a (min, max) pair, got "
                             f"{value_range!r}")
        low, high = map(float, value_range)
    if scale_each:
        return np.stack([_scale(img, *((low, high) if value_range is not None else
                                       (float(img.min()), float(img.max()))))
                         for img in images])
    if value_range is None:
        low, high = float(images.min()), float(images.max())
    return _scale(images, low, high)


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None,
              scale_each=False, pad_value=0.0):
    """Tile a batch of images into one image, as torchvision does.

    Args:
        tensor: a (B, C, H, W) tensor or array, a list of (C, H, W) ones, one (C, H, W)
            image or one (H, W) image. Single-channel images become 3 channels.
        nrow: images per row.
        padding: pixels between images and around the grid, filled with ``pad_value``.
        normalize: shift and scale to [0, 1] using ``value_range`` (min, max) or the
            images' own min and max (each image's with ``scale_each``).

    Returns:
        A (C, H', W') tensor.

    Raises:
        ValueError: an image batch of another rank, or a bad value_range.
    """
    images = np.array(_array(tensor), dtype=np.float32 if normalize else None)
    if images.ndim == 2:
        images = images[None]
    if images.ndim == 3:
        images = images[None]
    if images.ndim != 4:
        raise ValueError(f"make_grid: expected (B, C, H, W), (C, H, W) or (H, W) images, got "
                         f"shape {images.shape}")
    if images.shape[1] == 1:
        images = np.concatenate([images] * 3, axis=1)
    if normalize:
        images = _normalized(images, value_range, scale_each)
    if images.shape[0] == 1:
        return from_numpy(np.ascontiguousarray(images[0]))
    count, channels, height, width = images.shape
    columns = min(nrow, count)
    rows = math.ceil(count / columns)
    cell_h, cell_w = height + padding, width + padding
    grid = np.full((channels, cell_h * rows + padding, cell_w * columns + padding),
                   pad_value, dtype=images.dtype)
    for k in range(count):
        y, x = divmod(k, columns)
        top, left = y * cell_h + padding, x * cell_w + padding
        grid[:, top:top + height, left:left + width] = images[k]
    return from_numpy(grid)


def _chunk(kind, payload):
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


def write_png(fp, pixels):
    """Write a uint8 (H, W), (H, W, 1), (H, W, 3) or (H, W, 4) array as a PNG file.

    Args:
        fp: a path or a binary file object.
    """
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[:, :, 0]
    if pixels.ndim == 2:
        color = 0
    elif pixels.ndim == 3 and pixels.shape[2] in (3, 4):
        color = 2 if pixels.shape[2] == 3 else 6
    else:
        raise ValueError(f"write_png: expected an (H, W), (H, W, 3) or (H, W, 4) image, got "
                         f"shape {pixels.shape}")
    height, width = pixels.shape[:2]
    rows = pixels.reshape(height, -1)
    raw = np.concatenate([np.zeros((height, 1), np.uint8), rows], axis=1).tobytes()
    data = (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(raw, 6)) + _chunk(b"IEND", b""))
    if hasattr(fp, "write"):
        fp.write(data)
        return
    tmp = f"{fp}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, fp)  # never a half-written image under the real name


def save_image(tensor, fp, format=None, **kwargs):  # noqa: A002  (torchvision's name)
    """Save a tensor or a batch of images as one image file (the grid of
    :func:`make_grid`, which takes ``**kwargs``); values are taken in [0, 1].

    Args:
        fp: a path or a binary file object.
        format: the file format; by default the path's extension, and PNG for a file
            object. PNG needs nothing else; other formats need Pillow.

    Raises:
        ValueError: a format other than PNG without Pillow installed.
    """
    grid = make_grid(tensor, **kwargs).data
    pixels = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    name = os.fspath(fp) if isinstance(fp, (str, os.PathLike)) else None
    kind = (format or (os.path.splitext(name)[1].lstrip(".") if name else "png")).lower()
    if not kind:
        raise ValueError(f"save_image: cannot tell the image format of {name!r}; give a path "
                         f"ending in .png, or format='png'")
    if kind == "png":
        write_png(fp, pixels)
        return
    try:
        from PIL import Image
    except ImportError:
        raise ValueError(f"save_image: writing {kind!r} images needs Pillow (pip install "
                         f"pillow); PNG needs nothing: save to a .png path") from None
    Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels).save(fp, format=format)
