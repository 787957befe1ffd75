"""The persistent compile cache: where compiled programs are kept between processes, turning it on for
each backend (engine/backend.py does, as it imports Keras), and the checks before a process trusts it.

A compiled program loaded from the cache runs as this user's code: a cache folder that another user owns
or may write to could hand this process any program, so it is refused and training compiles as without a
cache. And TensorFlow fails every run that reads a damaged entry (a DataLossError that names no file), so
an entry whose bytes do not even parse as a cache entry is left out, with a warning naming it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path

from engine.fileio import create_private_folders
from engine.paths import APP, COMPILE_CACHE_ENV, cache_dir
from engine.store.liveness import pid_alive


def warn(message: str) -> None:
    """One line on stderr (the worker's log, or the terminal of a foreground `train`)."""
    print(f"{APP}: warning: {message}", file=sys.stderr, flush=True)


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


CACHE_OFF = ("", "0", "off", "no", "false")


def compile_cache_dir() -> Path | None:
    """Where compiled XLA programs persist between processes, or None when turned off. Safe to delete:
    a missing entry is compiled again. A re-run of a network (a repeat, the next process, a queue)
    then skips most of its first epoch's compiling."""
    value = os.environ.get(COMPILE_CACHE_ENV)
    if value is not None and value.strip().lower() in CACHE_OFF:
        return None
    return Path(value) if value else cache_dir() / "compile-cache"


def cache_folder(backend: str) -> Path | None:
    base = compile_cache_dir()
    if base is None:
        return None
    try:
        create_private_folders(base / backend)  # missing levels 0700; a folder the user set is not changed
    except OSError:  # unwritable or odd: compile every time, as without a cache
        return None
    for folder in (base, base / backend):  # programs loaded from here run as this user's code
        if why := unsafe_folder(folder):
            warn(f"compile cache {folder} {why}: not used (training goes on, compiling every program)")
            return None
    return base / backend


def enable_tensorflow_cache() -> None:
    """TensorFlow reads TF_XLA_FLAGS once, at its first XLA compile: set before it is imported.

    TensorFlow writes an entry straight to its final name, and a truncated one (a process killed while
    writing, a full disk) fails every later run that reads it. So each process works in a staging folder
    of its own, hard links to the shared entries, and moves its new entries in whole (os.replace) when it
    exits; a killed process's staging folder is removed by the next one."""
    folder = cache_folder("tensorflow")
    flags = os.environ.get("TF_XLA_FLAGS", "")
    if folder is None or "tf_xla_persistent_cache_directory" in flags:
        return
    try:
        _remove_dead_staging(folder)
        staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=folder))
        for entry in folder.glob("*.pb"):
            if why := damaged_entry(entry):  # TensorFlow would fail every run that reads it
                warn(f"compile cache entry {entry} {why}: removed, its program is compiled again")
                with contextlib.suppress(OSError):
                    entry.unlink()
                continue
            os.link(entry, staging / entry.name)
    except OSError:  # no hard links or no room: this process compiles without the cache
        return
    os.environ["TF_XLA_FLAGS"] = f"{flags} --tf_xla_persistent_cache_directory={staging}".strip()
    atexit.register(_publish, staging, folder)


STAGING_PREFIX = "staging-"


def _publish(staging: Path, folder: Path) -> None:
    for entry in staging.glob("*.pb"):
        try:
            if not (folder / entry.name).exists():
                os.replace(entry, folder / entry.name)
        except OSError:
            pass
    shutil.rmtree(staging, ignore_errors=True)


def _remove_dead_staging(folder: Path) -> None:
    for staging in folder.glob(f"{STAGING_PREFIX}*"):
        pid = staging.name.removeprefix(STAGING_PREFIX).split("-")[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(staging, ignore_errors=True)


def enable_jax_cache() -> None:
    """JAX's persistent cache, with thresholds low enough for these small programs (its defaults skip
    anything that compiled in under a second)."""
    folder = cache_folder("jax")
    if folder is None:
        return
    import jax

    jax.config.update("jax_compilation_cache_dir", str(folder))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
