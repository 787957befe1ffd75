"""Help (`?`): every key of every screen, read from the screens' own BINDINGS so it cannot drift."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

PALETTE = [Binding("ctrl+p", "command_palette", "Command palette: search every action")]
QUIT = [Binding("ctrl+q", "quit", "Quit (also while typing in a field)")]


def _sections(app) -> list[tuple[str, list]]:
    from tui.screens.answers import AnswersScreen
    from tui.screens.compare import CompareScreen
    from tui.screens.editor import EditorScreen
    from tui.screens.home import HomeScreen
    from tui.screens.run import RunScreen
    from tui.screens.sweep import SweepScreen
    from tui.screens.training import TrainingScreen
    from tui.widgets.queue_panel import QueuePanel

    return [
        ("Everywhere", type(app).BINDINGS + PALETTE + QUIT),
        ("Home", HomeScreen.BINDINGS + [Binding("up/down", "", "Highlight a preset"), Binding("enter", "", "Edit it")]),
        ("Editor", EditorScreen.BINDINGS + [Binding("tab/shift+tab", "", "Next / previous field")]),
        ("Training", TrainingScreen.BINDINGS + QueuePanel.BINDINGS),
        ("Recent runs (Home, tab)", [Binding("up/down", "", "Highlight a run"), Binding("enter", "", "Open it")]),
        ("Compare", CompareScreen.BINDINGS + [Binding("up/down", "", "Highlight a run (space keeps the cursor)")]),
        ("Run", RunScreen.BINDINGS),
        ("Answers", AnswersScreen.BINDINGS),
        ("Sweep (S on Home)", SweepScreen.BINDINGS),
    ]


def keys_table(app) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column("key", style="bold", no_wrap=True)
    table.add_column("action")
    for title, bindings in _sections(app):
        table.add_row(Text(title, style="bold underline"), "")
        merged: dict[tuple[str, str], list[str]] = {}
        for b in bindings:
            b = b if isinstance(b, Binding) else Binding(*b)
            if b.system or not b.description:
                continue
            keys = merged.setdefault((b.action, b.tooltip or b.description), [])
            for key in (k.strip() for k in b.key.split(",")):
                keys.append(key if "/" in key else app.get_key_display(Binding(key, b.action)))
        for (_, description), keys in merged.items():
            table.add_row(" / ".join(dict.fromkeys(keys)), description)
        table.add_row("", "")
    return table


class HelpScreen(ModalScreen):
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: round $accent;
        padding: 0 1;
        background: $surface;
    }
    """
    BINDINGS = [
        Binding("escape,question_mark,f1", "dismiss", "Close help", key_display="esc"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = "Keys"
            scroll.border_subtitle = "esc closes"
            yield Static(keys_table(self.app))
