"""PNG images for TensorBoard's image dashboard, without TensorFlow or Pillow.

:func:`encode_png` writes a PNG with ``zlib`` and ``struct`` (8-bit grey, grey+alpha,
RGB or RGBA; no interlacing, filter 0), which is all an image summary needs.
:func:`image_grid` tiles a batch into one picture, :func:`confusion_matrix_image` draws
a confusion matrix as coloured cells.
"""
import struct
import zlib

import numpy as np

__all__ = ["encode_png", "to_uint8", "image_grid", "confusion_matrix_image"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> PNG colour type


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + \
        struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(image, compression=6):
    """Encode an 8-bit image as PNG bytes.

    Args:
        image: ``uint8`` array of shape ``(H, W)`` (grey) or ``(H, W, C)`` with C 1
            (grey), 2 (grey+alpha), 3 (RGB) or 4 (RGBA).
        compression: zlib level 0-9.

    Returns:
        The PNG file's bytes.

    Raises:
        ValueError: another dtype, shape or channel count, or an empty image.
    """
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f"encode_png needs a uint8 image, got {image.dtype} (convert with "
                         f"to_uint8)")
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3 or image.shape[2] not in _COLOR_TYPES:
        raise ValueError(f"expected an image of shape (H, W) or (H, W, C) with C in 1..4, "
                         f"got shape {image.shape}")
    height, width, channels = image.shape
    if height == 0 or width == 0:
        raise ValueError(f"cannot encode an empty image of shape {image.shape}")
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOR_TYPES[channels], 0, 0, 0)
    rows = np.ascontiguousarray(image).reshape(height, width * channels)
    raw = np.concatenate([np.zeros((height, 1), np.uint8), rows], axis=1)  # filter 0 per row
    return (_SIGNATURE + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(raw.tobytes(), compression))
            + _chunk(b"IEND", b""))


def to_uint8(values, low=None, high=None):
    """Scale an array into 0..255 (``low`` -> 0, ``high`` -> 255; default its min/max).

    A constant array becomes mid grey; NaNs become 0.
    """
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    low = float(finite.min()) if low is None and finite.size else (low or 0.0)
    high = float(finite.max()) if high is None and finite.size else (high or 1.0)
    if high <= low:
        return np.full(values.shape, 128, np.uint8)
    scaled = np.clip((values - low) / (high - low), 0.0, 1.0) * 255.0
    return np.nan_to_num(np.round(scaled), nan=0.0).astype(np.uint8)


def image_grid(images, ncols=8, pad=1, fill=0):
    """Tile ``(N, H, W)`` or ``(N, H, W, C)`` images into one, ``ncols`` per row.

    Returns:
        An array ``(rows * (H + pad) + pad, ncols' * (W + pad) + pad[, C])`` of the
        input's dtype, the gaps filled with ``fill``.
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(f"expected images of shape (N, H, W) or (N, H, W, C), got "
                         f"{images.shape}")
    n, h, w = images.shape[:3]
    ncols = max(1, min(int(ncols), n))
    nrows = -(-n // ncols)
    shape = (nrows * (h + pad) + pad, ncols * (w + pad) + pad) + images.shape[3:]
    grid = np.full(shape, fill, dtype=images.dtype)
    for i, img in enumerate(images):
        r, c = divmod(i, ncols)
        top, left = pad + r * (h + pad), pad + c * (w + pad)
        grid[top:top + h, left:left + w] = img
    return grid


def confusion_matrix_image(matrix, cell=16):
    """Draw a confusion matrix (rows: true class, columns: predicted) as RGB cells.

    Each cell is shaded from white (none of its row) to dark blue (all of its row), so
    the diagonal of a good classifier is a dark line; a grey line separates cells.

    Returns:
        A ``uint8`` array ``(K * cell, K * cell, 3)``.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] == 0:
        raise ValueError(f"expected a square confusion matrix, got shape {matrix.shape}")
    rows = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    white, blue = np.array([255.0, 255.0, 255.0]), np.array([8.0, 48.0, 107.0])
    colors = white + share[..., None] * (blue - white)
    image = np.repeat(np.repeat(colors, cell, axis=0), cell, axis=1)
    image[::cell, :] = image[:, ::cell] = 160.0  # cell borders
    return np.round(image).astype(np.uint8)
