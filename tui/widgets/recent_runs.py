"""Recent runs on Home: status and accuracies, newest first.

Drawn as a Rich table sized at render time: columns that do not fit the pane are left out (test accuracy
first) instead of being clipped mid-word. Compare is where every column and run can be browsed.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from engine.store import RunRecord
from tui.format import pct
from tui.text import literal

# (header, widest value); columns past ESSENTIAL are dropped from the right when the pane is narrow
COLUMNS = (("#", 3), ("preset", 12), ("status", 9), ("val", 6), ("test", 6), ("epochs", 6))
ESSENTIAL = 3
STATUS_STYLE = {"completed": "green", "running": "bold", "cancelled": "yellow", "interrupted": "yellow"}


class RecentRuns(Widget):
    DEFAULT_CSS = "RecentRuns { height: 1fr; padding: 0 1; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.records: list[RunRecord] = []

    def show(self, records: list[RunRecord]) -> None:
        self.records = records
        self.refresh()

    def column_count(self, width: int) -> int:
        used = 0
        for count, (_, cell) in enumerate(COLUMNS):
            used += cell + 2
            if used - 2 > width and count >= ESSENTIAL:
                return count
        return len(COLUMNS)

    def render(self) -> Table | Text:
        if not self.records:
            return Text("No runs yet. t trains the highlighted preset; runs from the CLI show here too.", style="dim")
        count = self.column_count(self.size.width)
        table = Table(box=None, padding=(0, 2, 0, 0), header_style="bold", expand=False)
        for header, _ in COLUMNS[:count]:
            numeric = header in ("#", "val", "test", "epochs")
            table.add_column(header, no_wrap=True, overflow="ellipsis", justify="right" if numeric else "left")
        for r in self.records:
            cells = (
                str(r.run_id),
                literal(r.preset),
                Text(r.status, style=STATUS_STYLE.get(r.status, "red")),
                pct(r.metrics.get("val_accuracy")),
                pct(r.metrics.get("test_accuracy")),
                f"{r.epochs_completed}/{r.spec_json.get('epochs', '?')}",
            )
            table.add_row(*cells[:count])
        return table
