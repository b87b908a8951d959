"""IDX and CSV readers, gzip or raw, and their errors."""
import gzip

import numpy as np
import pytest

from framework.data import (parse_idx, read_content, read_csv, read_idx, sha256_hex,
                            verify_sha256, write_idx)
from framework.errors import ChecksumError, DataError


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32,
                                   np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_round_trip(tmp_path, dtype, suffix):
    array = (np.arange(2 * 3 * 4) - 5).astype(dtype).reshape(2, 3, 4)
    path = tmp_path / f"a-idx3{suffix}"
    write_idx(path, array)
    assert path.read_bytes().startswith(b"\x1f\x8b") == (suffix == ".gz")
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.dtype.isnative
    np.testing.assert_array_equal(back, array)
    back[0, 0, 0] = 1  # writable by default


def test_idx_header_is_the_standard_one(tmp_path):
    write_idx(tmp_path / "l", np.array([3, 1, 4], np.uint8))
    assert (tmp_path / "l").read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 3, 3, 1, 4])


def test_parse_idx_without_copy_views_the_bytes():
    content = bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 9])
    view = parse_idx(content, copy=False)
    assert view.tolist() == [7, 9] and not view.flags.writeable


def test_idx_errors_name_the_file(tmp_path):
    path = tmp_path / "short.gz"
    write_idx(path, np.zeros((4, 5), np.uint8))
    raw = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(raw[:-3]))
    with pytest.raises(DataError, match=r"short\.gz.*truncated"):
        read_idx(path)
    bad = tmp_path / "not-idx"
    bad.write_bytes(b"PK\x03\x04hello")
    with pytest.raises(DataError, match="not-idx is not an IDX file"):
        read_idx(bad)
    broken_gz = tmp_path / "broken.gz"
    broken_gz.write_bytes(path.read_bytes()[:20])
    with pytest.raises(DataError, match=r"broken\.gz is a corrupt or truncated gzip"):
        read_idx(broken_gz)
    with pytest.raises(DataError, match="does not exist"):
        read_idx(tmp_path / "absent")
    with pytest.raises(ValueError, match="int64"):
        write_idx(tmp_path / "x", np.zeros(2, np.int64))


def test_read_csv_plain_gzip_bytes_and_stream(tmp_path):
    text = "3,2,a,b\n1.5,2,0\n3,4.25,1\n"
    plain = tmp_path / "t.csv"
    plain.write_text(text)
    packed = tmp_path / "t.csv.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    expected = np.array([[1.5, 2, 0], [3, 4.25, 1]], np.float32)
    for source in (plain, packed, str(plain), packed.read_bytes()):
        table = read_csv(source, skip_rows=1)
        assert table.dtype == np.float32
        np.testing.assert_array_equal(table, expected)
    with open(packed, "rb") as f:
        np.testing.assert_array_equal(read_csv(f, skip_rows=1, dtype=np.float64), expected)
    one_row = read_csv(b"1,2,3\n")
    assert one_row.shape == (1, 3)


def test_read_csv_errors(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("1,2\n3,x\n")
    with pytest.raises(DataError, match="bad.csv is not a numeric CSV"):
        read_csv(path)
    path.write_text("1,2\n3\n")
    with pytest.raises(DataError, match="bad.csv"):
        read_csv(path)
    with pytest.raises(DataError, match="corrupt or truncated gzip"):
        read_csv(gzip.compress(b"1,2\n")[:12])


def test_read_content_and_checksums(tmp_path):
    path = tmp_path / "f.gz"
    path.write_bytes(gzip.compress(b"payload"))
    assert read_content(path) == b"payload"
    digest = sha256_hex(b"payload")
    verify_sha256(b"payload", digest.upper(), path)
    with pytest.raises(ChecksumError, match=r"f\.gz.*expected 00"):
        verify_sha256(b"payload", "00" * 32, path)
