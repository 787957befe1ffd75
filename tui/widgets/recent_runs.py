"""Recent runs on Home: newest first, with their validation accuracy; up/down move a highlight and enter
opens the run (the widget posts RecentRuns.Open).

Drawn as a Rich table sized at render time: columns are left out from the right (epochs, then test, then
status) before the name is clipped, instead of being clipped mid-word; val always stays,
and while a run trains it shows its last epoch's val, dimmed (the status before its first epoch ends, or for
a run that never gets one, such as a diverged run).
Only the rows that fit are drawn, scrolled so the highlighted run is always one of them.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from engine.percent import pct
from engine.status import RunStatus
from engine.store import RunRecord
from tui.format import clip, list_name, lr_text, seed_text
from tui.run_summary import STATUS_STYLE
from tui.text import literal

# (header, width); columns past val are shown only while the name (second) keeps its full width: clipped
# names of one part's runs ("Part Two, n…") could not be told apart. Seed and learning rate are what runs
# of one preset differ in (a control leads its name with its change), so they stay even at 80 columns.
COLUMNS = (("#", 3), ("name", 14), ("seed", 4), ("val", 6), ("lr", 5), ("status", 9), ("test", 6), ("epochs", 6))
ESSENTIAL = 4  # run, name, seed, val
MAX_NAME = 24


def val_or_status(run: RunRecord) -> Text:
    val = run.metrics.get("val_accuracy")
    if val is not None:
        return Text(pct(val, "-"))
    if run.status == RunStatus.RUNNING and run.history and run.history[-1].val_accuracy is not None:
        return Text(pct(run.history[-1].val_accuracy, "-"), style="dim")  # so far: the final value comes at the end
    return Text(run.status, style=STATUS_STYLE.get(run.status, "red"))


class RecentRuns(Widget, can_focus=True):
    DEFAULT_CSS = """
    RecentRuns { height: 1fr; padding: 0 1; }
    RecentRuns:focus { background-tint: $foreground 5%; }
    """
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("enter", "open", "Open run"),
    ]
    cursor = reactive(0)

    class Open(Message):
        def __init__(self, run_id: int) -> None:
            super().__init__()
            self.run_id = run_id

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.records: list[RunRecord] = []
        self.hidden = 0  # failed/cancelled runs left out (the caller counts them)

    def show(self, records: list[RunRecord]) -> None:
        if records == self.records:
            return  # Home shown again with nothing new: no repaint
        current = self.current
        self.records = records
        ids = [r.run_id for r in records]
        self.cursor = ids.index(current.run_id) if current and current.run_id in ids else 0
        self.refresh()

    @property
    def current(self) -> RunRecord | None:
        return self.records[self.cursor] if 0 <= self.cursor < len(self.records) else None

    def action_move(self, step: int) -> None:
        if self.records:
            self.cursor = max(0, min(len(self.records) - 1, self.cursor + step))

    def action_open(self) -> None:
        if run := self.current:
            self.post_message(self.Open(run.run_id))

    def layout_for(self, width: int) -> tuple[int, int]:
        """(columns shown, name width) for a pane this wide."""
        others = [w for _, w in COLUMNS]
        for count in range(len(COLUMNS), ESSENTIAL - 1, -1):
            fixed = sum(others[:count]) - others[1] + 2 * (count - 1)
            if width - fixed >= others[1]:  # a column is added only while the name keeps its full width
                return count, min(MAX_NAME, width - fixed)  # room to spare goes to the name
        fixed = sum(others[:ESSENTIAL]) - others[1] + 2 * (ESSENTIAL - 1)
        return ESSENTIAL, max(4, min(others[1], width - fixed))  # a tiny pane: the name gives way, val stays

    def render(self) -> Table | Text:
        if not self.records:
            return Text("No runs yet. t trains the highlighted preset; runs from the CLI show here too.", style="dim")
        count, name_width = self.layout_for(self.size.width)
        table = Table(box=None, padding=(0, 2, 0, 0), header_style="bold", expand=False)
        for header, _ in COLUMNS[:count]:
            numeric = header in ("#", "seed", "val", "lr", "test", "epochs")
            table.add_column(header, no_wrap=True, overflow="ellipsis", justify="right" if numeric else "left")
        rows = max(1, self.size.height - 1)
        first = min(max(0, self.cursor - rows + 1), max(0, len(self.records) - rows))
        for index, r in enumerate(self.records[first : first + rows], start=first):
            cells = (
                str(r.run_id),
                literal(clip(list_name(r), name_width)),
                seed_text(r.spec_json),
                val_or_status(r),
                lr_text(r.spec_json),
                Text(r.status, style=STATUS_STYLE.get(r.status, "red")),
                pct(r.metrics.get("test_accuracy"), "-"),
                f"{r.epochs_completed}/{r.epochs_planned or '?'}",
            )
            style = ("reverse" if self.has_focus else "underline") if index == self.cursor else ""
            table.add_row(*cells[:count], style=style)
        return table

    def watch_cursor(self) -> None:
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
