"""Checks on the persistent compile cache before a process trusts it (engine/backend.py sets the cache up).

A compiled program loaded from the cache runs as this user's code: a cache folder that another user owns
or may write to could hand this process any program, so it is refused and training compiles as without a
cache. And TensorFlow fails every run that reads a damaged entry (a DataLossError that names no file), so
an entry whose bytes do not even parse as a cache entry is left out, with a warning naming it.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path


def warn(message: str) -> None:
    """One line on stderr (the worker's log, or the terminal of a foreground `train`)."""
    print(f"mnist-tui: warning: {message}", file=sys.stderr, flush=True)


def unsafe_folder(folder: Path) -> str | None:
    """Why this cache folder must not be trusted (another owner, writable by group or others), or None."""
    try:
        info = os.stat(folder)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a folder"
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        return f"is owned by another user (uid {info.st_uid})"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"is writable by other users (mode {stat.S_IMODE(info.st_mode):04o})"
    return None


def damaged_entry(path: Path) -> str | None:
    """Why a TensorFlow cache entry cannot be loaded, or None when it looks whole.

    An entry is a serialized XlaSerializedCacheEntry: a key message (1), the HLO module (2) and the compiled
    executable (3), each length-delimited. A truncated or overwritten file fails this walk of the protobuf
    wire format (which is what TensorFlow's own parse fails on), without importing TensorFlow."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    try:
        top = _fields(data, 0, len(data))
        if sorted(f for f, _, _ in top) != [1, 2, 3] or any(span is None for _, _, span in top):
            return "is not a compile cache entry"
        for number, _, span in top:
            if number in (1, 2):
                _fields(data, *span)  # the key and the HLO module are messages themselves
    except ValueError as exc:
        return f"is damaged ({exc})"
    return None


def _varint(data: bytes, i: int, end: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if i >= end:
            raise ValueError("cut short")
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i
        shift += 7
        if shift > 63:
            raise ValueError("malformed number")


def _fields(data: bytes, start: int, end: int) -> list[tuple[int, int, tuple[int, int] | None]]:
    """(field number, wire type, span of a length-delimited value) of each field in data[start:end]."""
    out = []
    i = start
    while i < end:
        key, i = _varint(data, i, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ValueError("field number 0")
        span = None
        if wire == 0:
            _, i = _varint(data, i, end)
        elif wire == 1:
            i += 8
        elif wire == 2:
            size, i = _varint(data, i, end)
            span = (i, i + size)
            i += size
        elif wire == 5:
            i += 4
        else:
            raise ValueError(f"wire type {wire}")
        if i > end:
            raise ValueError("cut short")
        out.append((number, wire, span))
    return out
