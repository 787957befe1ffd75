"""Keep TensorFlow's native logging off the screen.

TensorFlow's C++ code writes to file descriptor 2, past Python's sys.stderr, and Textual draws on the same
terminal: those lines would scribble over the app. While the app runs, fd 2 points at a log file, and
Textual (which writes to sys.__stderr__) gets a fresh handle on the real terminal instead.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from engine.fileio import create_private_folders
from engine.paths import state_dir

MAX_LOG_BYTES = 1 << 20  # past this the log starts afresh: it is for the last session's noise, not an archive


def log_path() -> Path:
    return state_dir() / "tui.log"


@contextmanager
def native_stderr_to_log(path: Path | None = None) -> Iterator[Path | None]:
    if os.environ.get("MNIST_TUI_DEBUG") or sys.__stderr__ is None:
        yield None
        return
    path = path or log_path()
    try:
        create_private_folders(path.parent)
        too_big = path.is_file() and path.stat().st_size > MAX_LOG_BYTES
        log_fd = os.open(path, os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if too_big else os.O_APPEND), 0o600)
        saved = os.dup(2)
    except OSError:  # no writable state dir: better a noisy screen than no app
        yield None
        return
    original = sys.__stderr__
    terminal = open(saved, "w", encoding=original.encoding, errors="backslashreplace", closefd=False)  # noqa: SIM115
    original.flush()
    os.dup2(log_fd, 2)
    os.close(log_fd)
    sys.__stderr__ = terminal
    try:
        yield path
    finally:
        with contextlib.suppress(OSError):  # the terminal may be gone (hung up): fd 2 is restored regardless
            terminal.flush()
        sys.__stderr__ = original
        os.dup2(saved, 2)
        os.close(saved)
        with contextlib.suppress(OSError):
            terminal.close()
