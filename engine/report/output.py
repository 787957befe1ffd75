"""Writing the answers file through the one atomic-write helper (engine/fileio.py): a regular file is
replaced atomically, so a failure never leaves half a file; a symlink, FIFO or /dev/stdout is written
through, never replaced."""

from __future__ import annotations

import os
from pathlib import Path

from engine.errors import MnistTuiError
from engine.fileio import write_text


def write_answers(text: str, path: str | os.PathLike) -> Path:
    """Write the answers to path. Raises MnistTuiError with one line naming the path when it cannot."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise MnistTuiError(f"{target}: is a directory; give a file name such as {target / 'answers.md'}")
    return write_text(target, text)
