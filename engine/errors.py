"""The engine's exceptions: each carries one human line that a CLI or a screen can show as is."""

import errno

MAX_MESSAGE = 400  # a message is for reading: a huge repr (a 5,000-char field) is cut, not printed whole


class MnistTuiError(Exception):
    """Base class: str(exc) is a complete one-line message for the user."""

    exit_code = 1


class SpecError(MnistTuiError):
    """An invalid network spec, preset file or flag value (bad usage: exit 2)."""

    exit_code = 2


class DataError(MnistTuiError):
    """MNIST could not be loaded: missing, partial, corrupt or mis-shaped files."""


class StoreError(MnistTuiError):
    """The run store could not be opened or written."""


def one_line(text: object, limit: int = MAX_MESSAGE) -> str:
    """Any text as a single line: newlines and control characters (from file names, TOML keys, OS
    messages) become visible escapes, so a message can never span lines or move a terminal cursor."""
    s = str(text)
    out = "".join(c if c.isprintable() else repr(c)[1:-1] for c in s).strip()
    return out if len(out) <= limit else out[: limit - 1] + "…"


def os_reason(exc: OSError) -> str:
    """The system's reason for an OSError in a few words (a symlink loop named as such)."""
    if exc.errno == errno.ELOOP:
        return "a symbolic link loop"
    return exc.strerror or str(exc)
