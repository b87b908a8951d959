"""Bad data files behind a config's dataset: exit 2, one line naming the file, no run
folder; gzip and IDX sizes are checked before anything is decompressed."""
import gzip
import struct

import numpy as np
import pytest

from adversarial_helpers import check_fails, small_config, write_yaml
from framework.data.files import download, gunzip_bounded, read_content
from framework.data.idx import read_idx
from framework.errors import DataError

NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
         "t10k-labels-idx1-ubyte")


def _idx(shape, dtype_code=0x08):
    return bytes([0, 0, dtype_code, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)


def _gzip_with_trailer(payload, declared):
    data = gzip.compress(payload)
    return data[:-4] + declared.to_bytes(4, "little")


CASES = {
    "empty": lambda: b"",
    "garbage": lambda: b"this is not a data file at all" * 10,
    "truncated_gzip": lambda: gzip.compress(_idx((10, 28, 28)) + bytes(7840))[:-20],
    "lying_trailer": lambda: _gzip_with_trailer(_idx((10, 28, 28)) + bytes(20 << 20), 7844),
    "honest_bomb": lambda: gzip.compress(bytes(32 << 20)),
    "idx_header_lies": lambda: gzip.compress(_idx((60000, 28, 28)) + bytes(100)),
    "idx_header_huge": lambda: gzip.compress(_idx((2 ** 31, 2 ** 31, 2 ** 31))),
    "wrong_checksum": lambda: gzip.compress(_idx((10, 28, 28)) + bytes(7840)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_mnist_files(tmp_path, capsys, case):
    saved = tmp_path / "saved"
    data = tmp_path / "data"
    data.mkdir()
    content = CASES[case]()
    for name in NAMES:
        (data / f"{name}.gz").write_bytes(content)
    cfg = small_config(saved, **{"data_loader.args.dataset": {
        "type": "mnist", "args": {"data_dir": str(data)}}})
    path = write_yaml(tmp_path / "c.yaml", cfg)
    check_fails(capsys, ["-c", path], "data_loader.args.dataset", "train-images-idx3-ubyte",
                save_dir=saved)


def test_data_dir_is_a_file(tmp_path, capsys):
    saved = tmp_path / "saved"
    blocker = tmp_path / "data"
    blocker.write_text("x")
    cfg = small_config(saved, **{"data_loader.args.dataset": {
        "type": "mnist", "args": {"data_dir": str(blocker)}}})
    check_fails(capsys, ["-c", write_yaml(tmp_path / "c.yaml", cfg)], "mnist", save_dir=saved)


def test_read_idx_checks_the_header_before_decompressing(tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(_gzip_with_trailer(_idx((4, 4)) + bytes(16) + bytes(32 << 20), 28))
    with pytest.raises(DataError, match="expands beyond"):
        read_idx(path)
    path.write_bytes(gzip.compress(_idx((2 ** 20, 2 ** 20, 2 ** 20))))
    with pytest.raises(DataError, match="more than this machine's memory"):
        read_idx(path)
    good = np.arange(12, dtype=np.uint8).reshape(3, 4)
    path.write_bytes(gzip.compress(_idx((3, 4)) + good.tobytes()))
    np.testing.assert_array_equal(read_idx(path), good)


def test_read_content_bounds(tmp_path):
    path = tmp_path / "x.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n" * 1000))
    assert read_content(path) == b"a,b\n" * 1000
    with pytest.raises(DataError, match="declares"):
        read_content(path, max_bytes=100)
    with pytest.raises(DataError, match="declares"):
        gunzip_bounded(gzip.compress(bytes(32 << 20)), "bomb")


def test_download_refuses_a_bomb_and_writes_nothing(tmp_path):
    src = tmp_path / "bomb.gz"
    src.write_bytes(gzip.compress(bytes(32 << 20)))
    dest = tmp_path / "out" / "bomb.gz"
    with pytest.raises(DataError, match="compression bomb"):
        download(src.as_uri(), dest, "0" * 64)
    assert not dest.exists()
    with pytest.raises(DataError, match="more than"):
        download(src.as_uri(), dest, "0" * 64, max_bytes=1000)
    assert not dest.exists()
