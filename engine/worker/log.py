"""The worker's log: private to the user (0600), opened without following a symbolic link, and capped:
a worker starting on a log past MAX_LOG_BYTES keeps it as `worker.log.1` and starts afresh, so the log
holds the last workers' lines, never an archive that grows without end."""

from __future__ import annotations

import os
import stat
import sys
import time
from pathlib import Path

from engine.errors import MnistTuiError, os_reason
from engine.paths import private_folder, state_dir

MAX_LOG_BYTES = 1 << 20


def log_path() -> Path:
    return state_dir() / "worker.log"


def open_log() -> int:
    """An fd appending to the worker log (made private, rotated when large). A clear error when the state
    folder cannot hold it (a file in its place, no permission, a path too long)."""
    path = log_path()
    private_folder(path.parent)
    try:
        info = os.lstat(path)
        if stat.S_ISREG(info.st_mode) and info.st_size > MAX_LOG_BYTES:
            os.replace(path, path.with_name(path.name + ".1"))
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise MnistTuiError(f"{path}: cannot use the worker log ({os_reason(exc)})") from None
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise MnistTuiError(f"{path}: cannot open the worker log ({os_reason(exc)})") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise MnistTuiError(f"{path}: the worker log is not a regular file")
    os.fchmod(fd, 0o600)
    return fd


def log(text: str) -> None:
    """A line of the worker's (its stderr is the log)."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    print(f"{stamp} [worker {os.getpid()}] {text}", file=sys.stderr, flush=True)


def last_line() -> str | None:
    """The log's last line: a worker that died at start says why there."""
    try:
        with open(log_path(), "rb") as fh:
            fh.seek(0, 2)
            fh.seek(max(0, fh.tell() - 4096))
            lines = [ln for ln in fh.read().decode(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return None
    return lines[-1].strip() if lines else None
