"""Writing the answers file through engine.fileio: atomic for a regular file (a failure never leaves half a
file); a symlink, a FIFO or /dev/stdout is written through, never replaced."""

from __future__ import annotations

import os
from pathlib import Path

from engine.fileio import write_text


def write_answers(text: str, path: str | os.PathLike) -> Path:
    """Raises MnistTuiError with one line naming the path when it cannot be written."""
    return write_text(path, text)
