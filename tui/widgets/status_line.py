"""The one-line training status shown under Home and the editor: what trains (here or in another
terminal), how far, what waits, or why nothing trains although jobs wait."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from engine.status import RunStatus
from tui.run_view import STARTING
from tui.training_snapshot import TrainingSnapshot


class StatusLine(Static):
    def show(self, snap: TrainingSnapshot, repeats: int = 1) -> None:
        self.update(self.text(snap, repeats))

    def text(self, snap: TrainingSnapshot, repeats: int) -> Text:
        text = self._state(snap)
        if repeats > 1:
            text.append(f" · t/T/A train {repeats} seeds of each net", style="bold")
        return text

    def _state(self, snap: TrainingSnapshot) -> Text:
        if snap.error:
            return Text(f"✗ {snap.error}", style="bold red")
        if snap.problem:
            return Text(f"✗ {snap.problem}", style="bold red")
        view = snap.view
        if view is None:
            return Text("Nothing is training: t trains the highlighted preset.", style="dim")
        text = Text("▶ " if view.active else "■ ", style="bold")
        if len(snap.views) > 1:  # several runs train: by slot, each with its epoch, a stacked group once
            for i, (other, count) in enumerate(same_runs_together(snap.views)):
                if i:
                    text.append(" · ")
                where = f"slot {other.slot} " if other.slot is not None else ""
                text.append(f"{where}", style="bold")
                text.append(other.name)  # literally
                if count > 1:
                    text.append(f" x{count}", style="bold")
                if other.started:
                    text.append(f" {other.epoch_now}/{other.total_epochs}")
            if snap.waiting:
                text.append(f" · {len(snap.waiting)} queued", style="bold")
            return text
        text.append(view.summary())  # a Text built by append: names are shown literally
        if snap.waiting:
            text.append(f" · {len(snap.waiting)} queued", style="bold")
        # the followed one is not "more": counted once whether it is loading (a job) or training (a run)
        others = snap.active_runs() - (1 if view.status in (STARTING, RunStatus.RUNNING) else 0)
        if others > 0:
            text.append(f" · {others} more training", style="bold")
        return text


def same_runs_together(views: list) -> list[tuple]:
    """Runs side by side in one slot under one name at one epoch (a repeat group's seeds training stacked)
    as one entry with their count, so three seeds read "x3" instead of filling the line three times."""
    groups: list[list] = []
    for view in views:
        key = (view.slot, view.name, view.started, view.epoch_now, view.total_epochs)
        if groups and groups[-1][0] == key:
            groups[-1][2] += 1
        else:
            groups.append([key, view, 1])
    return [(view, count) for _, view, count in groups]
