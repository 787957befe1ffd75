"""Training: live accuracy and loss charts (train vs validation), epoch and batch progress, elapsed time and
ETA, the device, the queue, and the result. It only draws; the app's worker does the training, so every
key keeps working while an epoch runs."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import ProgressBar, Static

from engine.rules import param_counts
from tui import messages as m
from tui.format import pct
from tui.run_view import RunView
from tui.widgets.curves import CurvesPlot
from tui.widgets.footer import KeyFooter


def title_text(view: RunView) -> Text:
    req = view.request
    c = param_counts(req.spec)
    text = Text(req.spec.name, style="bold")
    text.append(f"  {req.preset} · {req.spec.layers_text()} · {c.total:,} params")
    if view.started:
        s = view.started
        run = f"run {s.run_id} · " if s.run_id is not None else ""
        text.append(f"\n{run}{s.backend} on {s.device} · {s.train_size:,} train / {s.val_size:,} val examples")
    return text


def detail_text(view: RunView) -> Text:
    if not view.active:
        ok = view.finished is not None and view.finished.status == "completed"
        return Text(("✓ " if ok else "✗ ") + view.result_text(), style="bold green" if ok else "bold red")
    if view.history:
        e = view.history[-1]
        text = Text(
            f"epoch {e.epoch}: loss {e.loss:.4f} · acc {pct(e.accuracy)} · "
            f"val_loss {e.val_loss:.4f} · val_acc {pct(e.val_accuracy)} · {e.seconds:.1f} s"
        )
        if e.gradients and len(e.gradients) > 1:
            text.append(f"\nmean |dL/dW|: first layer {e.gradients[0]:.1e} … output {e.gradients[-1]:.1e}", style="dim")
        return text
    return Text(f"{view.phase}…", style="italic")


def queue_text(pending) -> Text:
    if not pending:
        return Text("Queue: empty", style="dim")
    text = Text(f"Queue ({len(pending)} waiting): ", style="bold")
    text.append(" → ".join(r.preset for r in pending))
    return text


class TrainingScreen(Screen):
    CSS_PATH = "training.tcss"
    BINDINGS = [Binding("escape", "back", "Back", tooltip="Back; training goes on (w on Home returns here)")]

    def compose(self) -> ComposeResult:
        yield Static(id="run-title")
        with Horizontal(id="progress-row"):
            yield Static(id="epoch")
            yield ProgressBar(id="batch", show_eta=False)
            yield Static(id="clock")
        yield Static(id="detail")
        with Horizontal(id="charts"):
            yield CurvesPlot("accuracy", id="accuracy")
            yield CurvesPlot("loss", id="loss")
        yield Static(id="queue")
        yield KeyFooter()

    ready = False

    def on_mount(self) -> None:
        self.ready = True
        self.show_all()
        self.set_interval(1.0, self.show_clock)  # elapsed/ETA tick even between progress events

    def on_screen_resume(self) -> None:
        """Shown again (the screen is kept installed): catch up on what happened while it was hidden."""
        if self.ready:
            self.show_all()

    def action_back(self) -> None:
        self.app.pop_screen()

    def run_changed(self, message) -> None:
        if not self.ready:  # pushed but not composed yet: on_mount draws everything
            return
        view = self.app.view
        if view is None or isinstance(message, m.RunBegan | m.RunStarted | m.RunFinished | m.RunError):
            self.show_all()
            return
        if isinstance(message, m.RunProgress):
            self.show_progress(view)
        elif isinstance(message, m.RunEpoch):
            self.show_progress(view)
            self.show_charts(view)
            self.query_one("#detail", Static).update(detail_text(view))
        else:
            self.show_progress(view)
            self.query_one("#detail", Static).update(detail_text(view))
        self.show_queue()

    # -- drawing ------------------------------------------------------------------------------------------
    def show_all(self) -> None:
        view = self.app.view
        if view is None:
            self.query_one("#run-title", Static).update(
                Text("Nothing is training. On Home, t trains the highlighted preset.", style="bold")
            )
            self.query_one("#detail", Static).update("")
        else:
            self.query_one("#run-title", Static).update(title_text(view))
            self.query_one("#detail", Static).update(detail_text(view))
            self.show_charts(view)
        self.show_progress(view)
        self.show_queue()

    def show_progress(self, view: RunView | None) -> None:
        bar = self.query_one(ProgressBar)
        if view is None:
            self.query_one("#epoch", Static).update("")
            bar.update(total=None, progress=0)
            return
        label = Text(f"Epoch {view.epoch_now}/{view.total_epochs}", style="bold")
        if not view.active and view.started is None:  # never got going (no data, stopped while loading)
            label = Text("Not started", style="bold")
        if view.active and view.started and view.phase != "training":  # e.g. evaluating after the last epoch
            label.append(f" {view.phase}…", style="italic")
        self.query_one("#epoch", Static).update(label)
        p = view.progress
        if not view.active:
            bar.update(total=1, progress=1 if view.finished and view.finished.status == "completed" else 0)
        elif p is not None and p.epoch > len(view.history):
            bar.update(total=p.steps, progress=p.step)
        elif view.started and len(view.history) >= view.total_epochs:  # every epoch done: evaluating
            bar.update(total=1, progress=1)
        else:
            bar.update(total=view.started.steps_per_epoch if view.started else None, progress=0)
        self.show_clock()

    def show_clock(self) -> None:
        view = self.app.view
        self.query_one("#clock", Static).update(view.clock_text(self.app.clock()) if view else "")

    def show_charts(self, view: RunView) -> None:
        for plot in self.query(CurvesPlot):
            plot.show(view.history, view.total_epochs)

    def show_queue(self) -> None:
        self.query_one("#queue", Static).update(queue_text(self.app.queue.pending()))
