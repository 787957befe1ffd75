"""Writing the answers file: atomically, so a failure never leaves half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from engine.errors import MnistTuiError


def write_answers(text: str, path: str | os.PathLike) -> Path:
    """Write atomically (a temp file beside the target, then rename). Raises MnistTuiError with one line
    naming the path when it cannot be written."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise MnistTuiError(f"{target}: is a directory; give a file name such as {target / 'answers.md'}")
    if not target.parent.is_dir():
        raise MnistTuiError(f"{target}: cannot write: folder {target.parent} does not exist")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        raise MnistTuiError(f"{target}: cannot write ({exc.strerror or exc})") from None
    return target.resolve()
