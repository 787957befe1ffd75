"""The queue as a panel: which slot of the worker trains what, then the jobs waiting, in order. The user
removes, reorders and clears waiting jobs here; every change is a write to the store, so every TUI sees it."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from engine.store import JobRecord
from tui.format import list_name, lr_text, seed_text


class QueuePanel(OptionList):
    DEFAULT_CSS = """
    QueuePanel {
        height: auto;
        max-height: 5;
        border: round $panel;
        padding: 0 1;
    }
    QueuePanel:focus {
        border: round $accent;
    }
    """
    BINDINGS = [
        Binding("x,delete", "remove", "Remove", tooltip="Take the highlighted job off the queue"),
        Binding("minus", "move(-1)", "Earlier", key_display="-", tooltip="Move the highlighted job earlier"),
        Binding("plus,equals_sign", "move(1)", "Later", key_display="+", tooltip="Move the highlighted job later"),
        Binding("C", "clear", "Clear", tooltip="Take every waiting job off the queue"),
    ]

    class Edit(Message):
        """The user asked to change the queue: the screen writes it to the store."""

        def __init__(self, action: str, job_id: int | None, offset: int = 0) -> None:
            super().__init__()
            self.action, self.job_id, self.offset = action, job_id, offset

    shown: list[tuple] | None = None  # what the options were built from: rebuild only on change

    def on_mount(self) -> None:
        self.border_title = "Queue"

    def show(self, waiting: list[JobRecord], running: list[JobRecord] | None = None) -> None:
        running = sorted(running or [], key=lambda j: (j.slot is None, j.slot or 0))
        shown = [
            (j.job_id, j.name, j.preset, j.kind, j.state, j.slot, seed_text(j.spec_json), lr_text(j.spec_json))
            for j in running + waiting
        ]
        if shown == self.shown:
            return
        self.shown = shown
        highlighted = self.highlighted_job()
        self.clear_options()
        if len(running) > 1 or any(j.slot for j in running):  # several slots: say which takes what
            for job in running:
                label = Text(f"slot {job.slot} ▶ " if job.slot is not None else "▶ ", style="bold")
                label.append(job.name)
                self.add_option(Option(label, disabled=True))
        ids = [None] * len(self.options) + [j.job_id for j in waiting]
        self.display = bool(self.options or waiting)  # an empty queue gives its rows to the charts
        if not waiting:
            if not self.options:  # the slots' lines already fill the panel
                self.add_option(Option(Text("empty", style="dim"), disabled=True))
            self.border_title = "Queue"
            return
        for n, job in enumerate(waiting, start=1):
            label = Text(f"{n}. ")
            label.append(list_name(job))  # a Text: a name from a file is shown literally
            if job.name != job.preset and job.kind != "control":
                label.append(f" ({job.preset})", style="dim")
            label.append(f" · seed {seed_text(job.spec_json)} · lr {lr_text(job.spec_json)}", style="dim")
            if job.kind == "control":
                label.append(" · control", style="italic")
            self.add_option(Option(label, id=str(job.job_id)))
        self.border_title = f"Queue: {len(waiting)} waiting (x remove, -/+ move, C clear)"
        if highlighted in ids:
            self.highlighted = ids.index(highlighted)

    def highlighted_job(self) -> int | None:
        if self.highlighted is None or not self.options:
            return None
        option = self.get_option_at_index(self.highlighted)
        return int(option.id) if option.id else None

    def action_remove(self) -> None:
        if (job := self.highlighted_job()) is not None:
            self.post_message(self.Edit("remove", job))

    def action_move(self, offset: int) -> None:
        if (job := self.highlighted_job()) is not None:
            self.post_message(self.Edit("move", job, offset))

    def action_clear(self) -> None:
        self.post_message(self.Edit("clear", None))
