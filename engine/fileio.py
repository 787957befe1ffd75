"""Writing a user's file safely: the one helper behind saved presets and the exported answers.

A regular file is replaced atomically (a temp file beside it, fsynced, then renamed over it), so a crash or a
full disk never leaves half a file. What is not a regular file is never replaced by one:
- a symlink is written through: its target gets the new text, the link stays a link;
- a FIFO, a terminal, /dev/null are opened and written to, as a shell's `>` would;
- /dev/stdout, /dev/stderr, /dev/fd/N and /proc/self/fd/N write to this process's own descriptor N (as root,
  renaming over /dev/stdout would replace the system's symlink with a file);
- a block device, a socket or a folder is refused with one line.
`replace=False` never overwrites: an existing name is a FileExistsError-like `TargetExists`.
Every failure is a MnistTuiError naming the path, with the system's reason.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
from pathlib import Path

from engine.errors import MnistTuiError, os_reason

NEW_FILE_MODE = 0o644
PRIVATE_FOLDER_MODE = 0o700  # folders the app makes for itself: runs hold notes, paths and host names
PRIVATE_FILE_MODE = 0o600
# paths that name one of this process's own descriptors rather than a file
_OWN_FD = re.compile(r"^/(?:dev/fd|proc/self/fd|proc/thread-self/fd)/(\d+)$")
_STD_STREAMS = {"/dev/stdout": 1, "/dev/stderr": 2}


class TargetExists(MnistTuiError):
    """replace=False and the file is already there: nothing was written."""


def own_descriptor(path: str | os.PathLike) -> int | None:
    """The descriptor N when path names this process's own fd N (/dev/stdout, /dev/fd/1...), else None."""
    text = os.path.abspath(os.fspath(path))
    if text in _STD_STREAMS:
        return _STD_STREAMS[text]
    m = _OWN_FD.match(text)
    return int(m.group(1)) if m else None


def create_private_folders(path: str | os.PathLike) -> Path:
    """Make path a folder, creating each missing level private to the user (0700 whatever the umask; a
    plain mkdir(parents=True) would leave the levels above at the umask's 0755). Folders that already
    exist are left as they are. Returns the path; OSError as mkdir raises it."""
    folder = Path(path)
    missing = []
    while not folder.is_dir() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for level in reversed(missing):
        try:
            os.mkdir(level, PRIVATE_FOLDER_MODE)
        except FileExistsError:
            if not level.is_dir():
                raise
            continue  # another process made it at the same moment
        os.chmod(level, PRIVATE_FOLDER_MODE)
    return Path(path)


def create_private_file(path: str | os.PathLike) -> bool:
    """Create an empty file readable and writable by the user alone (0600), never through a symlink; False
    when the name already exists (left as it is)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), PRIVATE_FILE_MODE)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
    finally:
        os.close(fd)
    return True


def write_text(path: str | os.PathLike, text: str, *, replace: bool = True) -> Path:
    """Write text as UTF-8 to path (see the module docstring for symlinks and special files).

    Returns the path that holds the text: the resolved file for a regular file, the path as given for a
    descriptor, a FIFO or a device. Raises MnistTuiError (TargetExists when replace=False finds a file)."""
    return write_bytes(path, text.encode("utf-8"), replace=replace)


def write_bytes(path: str | os.PathLike, data: bytes, *, replace: bool = True) -> Path:
    """write_text for bytes (a kept model written out): the same rules for links, special files and replacing."""
    given = Path(path).expanduser()
    fd = own_descriptor(given)
    if fd is not None:
        _write_descriptor(given, fd, data)
        return given
    try:
        info = os.stat(given)  # follows symlinks: what would be written is the link's target
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise MnistTuiError(f"{given}: cannot write ({os_reason(exc)})") from None
    if info is None:
        return _write_new(given, data, replace)
    if stat.S_ISDIR(info.st_mode):
        raise MnistTuiError(f"{given}: is a directory; give a file name inside it")
    if stat.S_ISREG(info.st_mode):
        if not replace:
            raise TargetExists(f"{given}: already exists (not replaced)")
        return _replace_regular(given, data, info.st_mode & 0o777)
    if stat.S_ISFIFO(info.st_mode) or stat.S_ISCHR(info.st_mode):
        _write_through(given, data)
        return given
    raise MnistTuiError(f"{given}: not a regular file, FIFO or terminal; refusing to write to it")


def _target(given: Path) -> Path:
    """A symlink's final target (written through, the link kept); anything else as it is."""
    return Path(os.path.realpath(given)) if given.is_symlink() else given


def _write_new(given: Path, data: bytes, replace: bool) -> Path:
    target = _target(given)  # a dangling link: create its target, like `echo > link`
    if not target.parent.is_dir():
        raise MnistTuiError(f"{given}: cannot write: folder {target.parent} does not exist")
    return _atomic(given, target, data, NEW_FILE_MODE, replace)


def _replace_regular(given: Path, data: bytes, mode: int) -> Path:
    return _atomic(given, _target(given), data, mode, replace=True)


def _atomic(given: Path, target: Path, data: bytes, mode: int, replace: bool) -> Path:
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if replace:
            os.replace(tmp, target)
        else:
            _link_no_clobber(tmp, target)
        tmp = None
        _sync_folder(target.parent)
    except FileExistsError:
        raise TargetExists(f"{given}: already exists (not replaced)") from None
    except OSError as exc:
        raise MnistTuiError(f"{given}: cannot write ({os_reason(exc)})") from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return target.resolve()


def _link_no_clobber(tmp: str, target: Path) -> None:
    """Give the finished temp file the target's name unless that name exists (a hard link fails then)."""
    try:
        os.link(tmp, target)
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        # no hard links here (FAT, some network mounts): claim the name first, then rename over the claim
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, NEW_FILE_MODE))
        os.replace(tmp, target)
        return
    os.unlink(tmp)


def _sync_folder(folder: Path) -> None:
    """The rename itself survives a power cut only once the folder is synced (best effort)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _write_through(given: Path, data: bytes) -> None:
    """A FIFO or a character device: open it for writing (a FIFO waits for its reader) and write."""
    try:
        fd = os.open(given, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise MnistTuiError(f"{given}: cannot write ({os_reason(exc)})") from None
    _write_all(given, fd, data)


def _write_descriptor(given: Path, fd: int, data: bytes) -> None:
    try:
        own = os.dup(fd)
    except OSError:
        raise MnistTuiError(f"{given}: cannot write: descriptor {fd} is closed") from None
    _write_all(given, own, data)


def _write_all(given: Path, fd: int, data: bytes) -> None:
    """Write every byte to fd, then close it."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except BrokenPipeError:
        raise MnistTuiError(f"{given}: cannot write: the reader went away (broken pipe)") from None
    except OSError as exc:
        raise MnistTuiError(f"{given}: cannot write ({os_reason(exc)})") from None
    finally:
        os.close(fd)
