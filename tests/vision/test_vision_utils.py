"""framework.vision.utils: torchvision's make_grid layout and save_image's PNG files."""
import io
import struct
import zlib

import numpy as np
import pytest

import framework as torch
from framework.vision import utils as vutils


def _read_png(data):
    """Decode the PNGs write_png makes (8-bit, filter 0 on every row)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, payload = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + payload) & 0xFFFFFFFF, kind
        chunks.setdefault(kind, b"")
        chunks[kind] += payload
        pos += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert depth == 8 and b"IEND" in chunks
    channels = {0: 1, 2: 3, 6: 4}[color]
    raw = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8)
    rows = raw.reshape(height, 1 + width * channels)
    assert np.all(rows[:, 0] == 0)
    return rows[:, 1:].reshape(height, width, channels)


def test_make_grid_lays_images_out_as_torchvision():
    images = np.arange(5 * 3 * 2 * 2, dtype=np.float32).reshape(5, 3, 2, 2)
    grid = vutils.make_grid(torch.tensor(images), nrow=3, padding=1, pad_value=-1)
    # 3 columns, 2 rows of 2x2 cells, 1 pixel around and between them
    assert grid.shape == (3, 2 * 3 + 1, 3 * 3 + 1)
    g = grid.data
    np.testing.assert_array_equal(g[:, 1:3, 1:3], images[0])
    np.testing.assert_array_equal(g[:, 1:3, 4:6], images[1])
    np.testing.assert_array_equal(g[:, 4:6, 4:6], images[4])
    assert np.all(g[:, 4:6, 7:9] == -1)  # the empty sixth cell keeps the pad value
    assert np.all(g[:, 0, :] == -1) and np.all(g[:, :, 3] == -1)


def test_make_grid_single_channel_lists_and_single_images():
    gray = np.random.default_rng(0).random((4, 1, 3, 3)).astype(np.float32)
    grid = vutils.make_grid(gray, nrow=2, padding=0)
    assert grid.shape == (3, 6, 6)  # one channel becomes three
    np.testing.assert_array_equal(grid.data[0], grid.data[2])
    np.testing.assert_array_equal(grid.data[1, 3:, :3], gray[2, 0])
    listed = vutils.make_grid([torch.tensor(g) for g in gray], nrow=2, padding=0)
    np.testing.assert_array_equal(listed.data, grid.data)
    assert vutils.make_grid(gray[0]).shape == (3, 3, 3)  # one image: no padding
    assert vutils.make_grid(gray[0, 0]).shape == (3, 3, 3)
    with pytest.raises(ValueError, match=r"make_grid: expected .* got shape \(1, 2, 3, 4, 5\)"):
        vutils.make_grid(np.zeros((1, 2, 3, 4, 5)))


def test_make_grid_normalize():
    x = np.array([[[[-1.0, 1.0]]], [[[0.0, 3.0]]]], dtype=np.float32)
    whole = vutils.make_grid(x, normalize=True, padding=0).data[0]
    np.testing.assert_allclose(whole, [[0.0, 0.5, 0.25, 1.0]])
    each = vutils.make_grid(x, normalize=True, scale_each=True, padding=0).data[0]
    np.testing.assert_allclose(each, [[0.0, 1.0, 0.0, 1.0]])
    ranged = vutils.make_grid(x, normalize=True, value_range=(0, 2), padding=0).data[0]
    np.testing.assert_allclose(ranged, [[0.0, 0.5, 0.0, 1.0]])  # clamped to the range
    with pytest.raises(ValueError, match="value_range should be a"):
        vutils.make_grid(x, normalize=True, value_range=3)


def test_save_image_writes_the_grid_as_png(tmp_path):
    rng = np.random.default_rng(1)
    images = rng.random((6, 1, 4, 5)).astype(np.float32)
    path = tmp_path / "grid.png"
    vutils.save_image(torch.tensor(images), str(path), nrow=3)
    pixels = _read_png(path.read_bytes())
    want = vutils.make_grid(images, nrow=3).data
    want = np.clip(want * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    np.testing.assert_array_equal(pixels, want)
    assert pixels.shape == (2 * 6 + 2, 3 * 7 + 2, 3)
    assert [p.name for p in tmp_path.iterdir()] == ["grid.png"]  # no temporary file left
    buffer = io.BytesIO()
    vutils.save_image(images[0], buffer)
    assert _read_png(buffer.getvalue()).shape == (4, 5, 3)


def test_write_png_gray_and_rgba(tmp_path):
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4)
    vutils.write_png(tmp_path / "g.png", gray)
    np.testing.assert_array_equal(_read_png((tmp_path / "g.png").read_bytes())[..., 0], gray)
    rgba = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    vutils.write_png(tmp_path / "a.png", rgba)
    np.testing.assert_array_equal(_read_png((tmp_path / "a.png").read_bytes()), rgba)
    with pytest.raises(ValueError, match=r"write_png: expected .* got shape \(2, 3, 2\)"):
        vutils.write_png(tmp_path / "bad.png", np.zeros((2, 3, 2)))


def test_a_path_without_a_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="cannot tell the image format of"):
        vutils.save_image(np.zeros((1, 2, 2)), str(tmp_path / "noext"))
    assert list(tmp_path.iterdir()) == []


def test_pillow_reads_what_save_image_wrote(tmp_path):
    image_module = pytest.importorskip("PIL.Image", reason="cross-check with Pillow")
    x = np.random.default_rng(2).random((3, 3, 8, 8)).astype(np.float32)
    vutils.save_image(x, tmp_path / "rgb.png")
    with image_module.open(tmp_path / "rgb.png") as img:
        assert img.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(img), _read_png((tmp_path / "rgb.png")
                                                                 .read_bytes()))
