"""The TUI's one crash path: the terminal is restored, the reason is printed, the traceback is kept.

While the app runs, file descriptor 2 points at tui.log (tui.native_log keeps TensorFlow's C++ noise off the
screen), so Textual's own crash report, printed to stderr after it restores the terminal, would land in
the log and leave the user with only the prompt coming back. Here Textual's error console (the public
`App.error_console`) writes into memory instead; after the app is gone and fd 2 is the terminal again,
the full traceback goes to the log and one line goes to the terminal:

    mnist-tui: error: the TUI stopped on an error: NoMatches: No nodes match '#form' on EditorScreen()
    (traceback in ~/.local/state/mnist-tui/tui.log)

An exception that escapes `App.run` itself (a driver that cannot start) takes the same path. Both end as a
`TuiCrashed` (a MnistTuiError, exit status 1), which the CLI prints as its usual one-line error.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from engine.errors import MnistTuiError, one_line
from tui.native_log import native_stderr_to_log

if TYPE_CHECKING:
    from textual.app import App

# the last line of a (rich) traceback: `module.Name: message`, or a bare `Name`
_REASON = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Matches|Failed)\w*)(?::\s*(.*))?$")


class TuiCrashed(MnistTuiError):
    """The app ended on an unhandled exception; the message names it and where its traceback is."""


@contextlib.contextmanager
def crash_reported(app: App, log: Path | None = None) -> Iterator[None]:
    """Around `app.run()`: fd 2 to the log while it runs, then a TuiCrashed if the app died on an error."""
    captured = io.StringIO()
    app.error_console = Console(file=captured, width=120, markup=False, highlight=False, color_system=None)
    escaped: BaseException | None = None
    with native_stderr_to_log(log) as log_path:
        try:
            yield
        except Exception as exc:  # raised out of App.run: Textual has restored what it could
            escaped = exc
            traceback.print_exc(file=captured)
    report = captured.getvalue()
    if not report.strip():
        return
    where = _keep(report, log_path)
    raise TuiCrashed(f"the TUI stopped on an error: {reason(report, escaped)} ({where})") from escaped


def reason(report: str, escaped: BaseException | None = None) -> str:
    """`Name: message` of the exception a traceback report ends with (one line, at most 300 characters)."""
    if escaped is not None:
        return one_line(f"{escaped.__class__.__name__}: {escaped}".rstrip(": "), 300)
    for line in reversed(report.strip().splitlines()):
        match = _REASON.match(line.strip())
        if match:
            name = match.group(1).rsplit(".", 1)[-1]
            return one_line(f"{name}: {match.group(2)}" if match.group(2) else name, 300)
    return one_line(report.strip().splitlines()[-1], 300)


def _keep(report: str, log_path: Path | None) -> str:
    """Append the traceback to the log; without a log (MNIST_TUI_DEBUG, no state dir) print it whole."""
    if log_path is not None:
        try:
            with open(log_path, "a", encoding="utf-8", errors="backslashreplace") as fh:
                fh.write(report)
            return f"traceback in {log_path}"
        except OSError:
            pass
    if sys.stderr is not None:
        sys.stderr.write(report)
        sys.stderr.flush()
    return "traceback above"
