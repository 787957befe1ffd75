"""One worker per store, held by an exclusive flock. The kernel drops a flock when its process dies,
however it dies, so a killed worker never blocks the next one.

The lock file is keyed on the store *file* (its device and inode), not on the name it was reached by: one
store opened through a symbolic link, a hard link or a relative path still gets one lock and one worker.
It lives in the user's private state folder, never beside a store that may sit in a shared folder, and it
is opened without following a symbolic link, without blocking on a FIFO, and only when it is a regular file
this user owns: a planted link or special file is refused with a clear error instead of being written
through or hanging the caller.
"""

from __future__ import annotations

import fcntl
import os
import stat
import time
from pathlib import Path

from engine.errors import MnistTuiError, os_reason
from engine.paths import private_folder, state_dir


class LockError(MnistTuiError):
    """The worker lock cannot be used: the queue could never be drained."""


def lock_path(store_path: Path) -> Path:
    """The lock of the store file at `store_path` (which must exist: a new store is created first)."""
    try:
        info = os.stat(store_path)
    except OSError as exc:
        raise LockError(f"{store_path}: cannot key the worker lock on it ({os_reason(exc)})") from None
    return state_dir() / "locks" / f"store-{info.st_dev}-{info.st_ino}.lock"


def open_lock(path: Path, create: bool = True) -> int | None:
    """An fd on the lock file, or None when it does not exist (and `create` is False). Refuses, with the
    reason, a lock that is a link, a FIFO or other special file, or a file of another user."""
    if create:
        private_folder(path.parent)
    flags = os.O_RDWR | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | (os.O_CREAT if create else 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LockError(f"{path}: cannot open the worker lock ({os_reason(exc)})") from None
    info = os.fstat(fd)
    problem = None
    if not stat.S_ISREG(info.st_mode):
        problem = "not a regular file"
    elif info.st_uid != os.getuid():
        problem = f"owned by another user (uid {info.st_uid})"
    if problem:
        os.close(fd)
        raise LockError(f"{path}: refusing the worker lock: {problem}; remove it and try again")
    return fd


class WorkerLock:
    """The exclusive lock a worker holds for as long as it runs.

    `worker_running` probes the same lock by taking it shared for a moment, so a worker starting at that
    moment would find it taken: acquiring therefore retries for PROBE_GRACE seconds before it concludes that
    another worker holds the lock."""

    PROBE_GRACE = 1.0

    def __init__(self, store_path: Path):
        self.path = lock_path(store_path)
        self.fd: int | None = None

    def acquire(self) -> bool:
        fd = open_lock(self.path)
        deadline = time.monotonic() + self.PROBE_GRACE
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(0.02)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self.fd = fd
        return True

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def lock_held(path: Path) -> bool:
    """Does some process hold the lock at `path`? (Asked by taking it shared for a moment.)"""
    fd = open_lock(path, create=False)
    if fd is None:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
