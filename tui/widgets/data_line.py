"""Home's data line: which MNIST the next run will read, whether it is there (with the fix when it is
not), and whether this store remembered it (D on Home changes it). A cheap existence check only: the TUI
never loads the data itself."""

from __future__ import annotations

import os
from pathlib import Path

from rich.text import Text
from textual.widgets import Static

from engine.data import KERAS_CACHE, describe_source, resolve_source
from tui.text import literal


def data_status(data: str | None, remembered: bool = False) -> Text:
    source = resolve_source(data)
    text = Text("Data ", style="bold")
    if source is None:
        if KERAS_CACHE.exists():
            text.append("✓ ", style="bold green")
            text.append_text(literal(describe_source(None)))
        else:
            text.append("✗ Keras MNIST not downloaded yet: ", style="bold yellow")
            text.append("the first run downloads it (needs internet), or D sets a file or folder")
        return text
    if Path(source).expanduser().exists():
        text.append("✓ ", style="bold green")
        text.append_text(literal(source))
    else:
        text.append("✗ missing: ", style="bold red")
        text.append_text(literal(source))
        text.append(" (D or --data sets another: an mnist.npz or a folder of IDX files)")
    if remembered and not os.environ.get("MNIST_TUI_DATA"):
        text.append("  (remembered · D changes)", style="dim")
    elif os.environ.get("MNIST_TUI_DATA") and not data:
        text.append("  (from MNIST_TUI_DATA)", style="dim")
    return text


class DataLine(Static):
    DEFAULT_CSS = "DataLine { height: auto; max-height: 2; padding: 0 1; }"

    def show(self, data: str | None, remembered: bool = False) -> None:
        self.update(data_status(data, remembered))
