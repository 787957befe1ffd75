"""The IDX reader: MNIST's own files, gzipped or raw; anything malformed is a DataError naming the file."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from engine.errors import DataError
from engine.idx import parse_idx, read_idx


def idx_bytes(array: np.ndarray) -> bytes:
    return bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def test_round_trip_of_a_small_array():
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    out = parse_idx(idx_bytes(a))
    assert out.dtype == np.uint8 and out.shape == (2, 3, 4)
    assert np.array_equal(out, a)


@pytest.mark.parametrize("gz", [True, False])
def test_read_idx_from_file(tmp_path, gz):
    a = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    path = tmp_path / ("labels.gz" if gz else "labels")
    path.write_bytes(gzip.compress(idx_bytes(a)) if gz else idx_bytes(a))
    assert read_idx(path).tolist() == [3, 1, 4, 1, 5]


def test_reads_the_real_t10k_files(t10k_dir):
    images = read_idx(t10k_dir / "t10k-images-idx3-ubyte.gz")
    labels = read_idx(t10k_dir / "t10k-labels-idx1-ubyte.gz")
    assert images.shape == (600, 28, 28) and labels.shape == (600,)
    assert labels.max() == 9 and images.max() == 255


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "bad magic"),
        (b"\x01\x00\x08\x01", "bad magic"),
        (b"\x00\x00\x0d\x01" + struct.pack(">I", 1) + b"\x00" * 4, "not unsigned bytes"),
        (b"\x00\x00\x08\x00", "declares 0 dimensions"),
        (b"\x00\x00\x08\x09", "declares 9 dimensions"),
        (b"\x00\x00\x08\x02\x00\x00", "header is truncated"),
        (b"\x00\x00\x08\x01" + struct.pack(">I", 5) + b"\x01\x02", "truncated or corrupt"),
        (b"\x00\x00\x08\x01" + struct.pack(">I", 1) + b"\x01\x02", "truncated or corrupt"),
        (b"\x00\x00\x08\x04" + struct.pack(">4I", *[2**32 - 1] * 4), "truncated or corrupt"),
    ],
)
def test_malformed_bytes_are_a_data_error(raw, reason):
    with pytest.raises(DataError, match=reason) as err:
        parse_idx(raw, "some-file")
    assert str(err.value).startswith("some-file: ")


def test_bad_gzip_names_the_file(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(b"definitely not gzip")
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz: cannot read"):
        read_idx(path)


def test_truncated_gzip_names_the_file(tmp_path):
    path = tmp_path / "t.gz"
    noise = np.random.default_rng(0).integers(0, 256, (100, 28, 28), dtype=np.uint8)
    path.write_bytes(gzip.compress(idx_bytes(noise))[:5000])
    with pytest.raises(DataError, match="t.gz"):
        read_idx(path)


def test_a_header_declaring_zero_items_is_a_data_error_not_a_numpy_crash():
    # found by hypothesis: a 0 in the shape makes the byte count match while numpy rejects the shape
    raw = b"\x00\x00\x08\x04" + b"\x00\x00\x00\x00" + b"\x20\x00\x00\x00" * 3
    with pytest.raises(DataError, match="no data"):
        parse_idx(raw, "zero.idx")
