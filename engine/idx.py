"""A strict reader for the IDX format MNIST is published in (optionally gzipped).

IDX: 2 zero bytes, a type code, the number of dimensions, then one big-endian uint32 per dimension,
then the data. MNIST uses type 0x08 (unsigned byte) only, which is all we accept.
"""

from __future__ import annotations

import gzip
import math
import struct
import zlib
from pathlib import Path

import numpy as np

from engine.errors import DataError

_UBYTE = 0x08
MAX_IDX_BYTES = 200 * 1024 * 1024  # the largest MNIST file is 47 MB raw; refuse anything absurd


def parse_idx(raw: bytes, source: str = "IDX data") -> np.ndarray:
    """Bytes of one IDX file -> a uint8 array of its declared shape; DataError on anything malformed."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataError(f"{source}: not an IDX file (bad magic number)")
    dtype, ndim = raw[2], raw[3]
    if dtype != _UBYTE:
        raise DataError(f"{source}: IDX type 0x{dtype:02x} is not unsigned bytes (MNIST uses 0x08)")
    if not 1 <= ndim <= 4:
        raise DataError(f"{source}: IDX file declares {ndim} dimensions (expected 1-4)")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{source}: IDX header is truncated")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = math.prod(shape)  # exact: numpy's int64 product can wrap around
    if len(raw) - header != expected:
        raise DataError(
            f"{source}: IDX file holds {len(raw) - header} data bytes but its header declares "
            f"{'x'.join(map(str, shape))} = {expected} (truncated or corrupt)"
        )
    if expected == 0:  # an empty set; numpy refuses shapes like (0, 2**29, 2**29) even with no data
        raise DataError(f"{source}: IDX file declares {'x'.join(map(str, shape))}: no data")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def read_idx(path: Path) -> np.ndarray:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as fh:
                raw = fh.read(MAX_IDX_BYTES + 1)
        else:
            raw = path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: cannot read ({exc})") from None
    if len(raw) > MAX_IDX_BYTES:
        raise DataError(f"{path}: too large for an MNIST IDX file")
    return parse_idx(raw, str(path))
