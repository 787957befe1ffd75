"""A strict reader for the IDX format MNIST is published in (optionally gzipped).

IDX: 2 zero bytes, a type code, the number of dimensions, then one big-endian uint32 per dimension,
then the data. MNIST uses type 0x08 (unsigned byte) only, which is all we accept.
"""

from __future__ import annotations

import gzip
import math
import os
import stat
import struct
import zlib
from pathlib import Path

import numpy as np

from engine.errors import DataError, os_reason

_UBYTE = 0x08
MAX_IDX_BYTES = 200 * 1024 * 1024  # the largest MNIST file is 47 MB raw; refuse anything absurd
HEADER_MAX = 4 + 4 * 4  # magic, type, dimension count, then up to 4 dimensions


def parse_header(head: bytes, source: str = "IDX data") -> tuple[tuple[int, ...], int]:
    """The first bytes of an IDX file -> (shape, header length); DataError if they are not an IDX header.
    Needs at most 20 bytes (4 + 4 per dimension), so a size check never reads the data."""
    if len(head) < 4 or head[0] != 0 or head[1] != 0:
        raise DataError(f"{source}: not an IDX file (bad magic number)")
    dtype, ndim = head[2], head[3]
    if dtype != _UBYTE:
        raise DataError(f"{source}: IDX type 0x{dtype:02x} is not unsigned bytes (MNIST uses 0x08)")
    if not 1 <= ndim <= 4:
        raise DataError(f"{source}: IDX file declares {ndim} dimensions (expected 1-4)")
    header = 4 + 4 * ndim
    if len(head) < header:
        raise DataError(f"{source}: IDX header is truncated")
    return struct.unpack(f">{ndim}I", head[4:header]), header


def _declared_size(shape: tuple[int, ...], source: str, data_bytes: int | None = None) -> int:
    """The data size a header declares, refused when empty, unlike the data present, or beyond the cap."""
    expected = math.prod(shape)  # exact: numpy's int64 product can wrap around
    dims = "x".join(map(str, shape))
    if expected == 0:  # an empty set; numpy refuses shapes like (0, 2**29, 2**29) even with no data
        raise DataError(f"{source}: IDX file declares {dims}: no data")
    if data_bytes is not None and data_bytes != expected:
        raise DataError(
            f"{source}: IDX file holds {data_bytes} data bytes but its header declares "
            f"{dims} = {expected} (truncated or corrupt)"
        )
    if expected > MAX_IDX_BYTES:
        raise DataError(f"{source}: IDX header declares {dims} = {expected:,} bytes, too large for an MNIST file")
    return expected


def parse_idx(raw: bytes, source: str = "IDX data") -> np.ndarray:
    """Bytes of one IDX file -> a uint8 array of its declared shape; DataError on anything malformed."""
    shape, header = parse_header(raw[:HEADER_MAX], source)
    _declared_size(shape, source, len(raw) - header)
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def read_idx(path: Path) -> np.ndarray:
    """Read one IDX file. Its header and size are checked first: a huge, sparse or lying file is refused
    after reading 20 bytes, and a gzipped one is decompressed no further than its header declares."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):  # a FIFO or device would block or stream forever
            raise DataError(f"{path}: not a regular file")
        with gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb") as fh:
            head = fh.read(4)
            head += fh.read(4 * head[3]) if len(head) == 4 else b""
            shape, header = parse_header(head, str(path))
            if path.suffix != ".gz":  # the size on disk says it all, before reading a byte of data
                _declared_size(shape, str(path), info.st_size - header)
                return _array(fh.read(info.st_size - header + 1), shape, path)  # bounded, should it grow
            data = fh.read(_declared_size(shape, str(path)) + 1)  # one byte more than declared tells a longer file
            _declared_size(shape, str(path), len(data))
            return _array(data, shape, path)
    except (OSError, EOFError, zlib.error) as exc:
        reason = os_reason(exc) if isinstance(exc, OSError) and exc.errno else str(exc)
        raise DataError(f"{path}: cannot read ({reason})") from None


def _array(data: bytes, shape: tuple[int, ...], path: Path) -> np.ndarray:
    if len(data) != math.prod(shape):  # the file changed while it was read
        raise DataError(f"{path}: IDX file changed or was truncated while being read")
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)
