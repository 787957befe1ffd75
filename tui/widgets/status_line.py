"""The one-line training status shown under Home and the editor: phase, epoch, or why it could not start."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.run_view import RunView


class StatusLine(Static):
    def show(self, view: RunView | None, error: str | None, waiting: int) -> None:
        if error:
            self.update(Text(f"✗ {error}", style="bold red"))
            return
        if view is None:
            self.update(Text("Nothing trained yet in this session: t trains the highlighted preset.", style="dim"))
            return
        text = Text("▶ " if view.active else "■ ", style="bold")
        text.append(view.summary())
        if waiting:
            text.append(f" · {waiting} queued", style="bold")
        self.update(text)
