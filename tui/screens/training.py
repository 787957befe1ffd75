"""Training: live accuracy and loss charts (train vs validation), epoch and batch progress, elapsed time and
ETA, the device, CPU/memory/GPU use, the queue, and the result. Everything here is read from the store by
the app (TrainingSnapshot); the training itself runs in the worker process, so every key keeps working."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import ProgressBar, Static

from engine.errors import MnistTuiError
from engine.percent import pct
from engine.status import JobStatus, RunStatus
from engine.store import HOST
from tui.app_access import mnist_app
from tui.format import loss
from tui.keys import BACK
from tui.run_view import RunView
from tui.training_snapshot import TrainingSnapshot
from tui.widgets.curves import CurvesPlot
from tui.widgets.footer import KeyFooter
from tui.widgets.queue_panel import QueuePanel
from tui.widgets.resources import ResourcePanel

if TYPE_CHECKING:
    from tui.app import MnistTuiApp


def title_text(view: RunView) -> Text:
    text = Text(view.name, style="bold")
    spec = view.spec
    if spec is not None:
        text.append(f"  {view.preset} · {spec.layers_text()} · {spec.param_counts().total:,} params")
    run = view.run
    if run is not None:
        where = f"{run.backend} on {run.device}" if run.backend else "starting"
        if view.slot is not None:
            where = f"slot {view.slot} · {where}"
        if run.host and run.host != HOST:
            where += f" · {run.host}"
        sizes = run.sizes
        text.append(f"\nrun {run.run_id} · {where}")
        if sizes.get("train"):
            text.append(f" · {sizes['train']:,} train / {sizes['validation']:,} val")
    elif view.job is not None:
        text.append(f"\njob {view.job.job_id} · {view.status}")
    return text


def detail_text(view: RunView) -> Text:
    if not view.active:
        ok = view.status == RunStatus.COMPLETED
        return Text(("✓ " if ok else "✗ ") + view.result_text(), style="bold green" if ok else "bold red")
    if view.history:
        e = view.history[-1]
        # one line at 80 columns, so the charts keep their rows
        text = Text(
            f"epoch {e.epoch}: loss {loss(e.loss)} acc {pct(e.accuracy, '-')} (epoch mean) · "
            f"val {loss(e.val_loss)} {pct(e.val_accuracy, '-')} · {e.seconds or 0:.1f} s"
        )
        if e.gradients and len(e.gradients) > 1:
            text.append(f"\nmean |dL/dW|: first layer {e.gradients[0]:.1e} … output {e.gradients[-1]:.1e}", style="dim")
        return text
    return Text(f"{view.phase}…", style="italic")


class TrainingScreen(Screen):
    CSS_PATH = "training.tcss"
    BINDINGS = [
        replace(BACK, tooltip="Back; training goes on (w on Home returns here)"),
        Binding("right_square_bracket", "other_run(1)", "Next run", key_display="]", tooltip="Follow the next run"),
        Binding("left_square_bracket", "other_run(-1)", "Prev run", key_display="[", tooltip="Follow the previous"),
    ]

    several = False  # whether several runs train, so [ and ] switch between them

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "other_run":  # only while several runs train (slots)
            return len(self.mnist_app.live.views) > 1
        return True

    def action_other_run(self, step: int) -> None:
        app = self.mnist_app
        if app.watcher.follow_next(app.live, step):
            app.poll_store()

    @property
    def mnist_app(self) -> MnistTuiApp:
        return mnist_app(self)

    def compose(self) -> ComposeResult:
        yield Static(id="run-title")
        with Horizontal(id="progress-row"):
            yield Static(id="epoch")
            yield Static("run", id="bar-label")
            yield ProgressBar(id="batch", show_eta=False)
            yield Static(id="clock")
        yield Static(id="detail")
        with Horizontal(id="charts"):
            yield CurvesPlot("accuracy", id="accuracy")
            yield CurvesPlot("loss", id="loss")
        yield ResourcePanel(id="resources")
        yield QueuePanel(id="queue")
        yield KeyFooter()

    def on_resize(self, event) -> None:
        """On a short terminal the queue panel shows one waiting job (it scrolls), so the charts keep rows
        enough for more than their 0 and 100 labels."""
        self.query_one(QueuePanel).styles.max_height = 3 if event.size.height < 30 else 5

    def on_mount(self) -> None:
        self.watch(self.app, "live", self.live_changed)  # drawn now, then at every change the app reads
        self.set_interval(1.0, self.tick)  # the clock moves between store updates (compiling takes seconds)

    def tick(self) -> None:
        view = self.mnist_app.live.view
        if view is not None and view.active:
            self.query_one("#clock", Static).update(view.clock_text())

    def live_changed(self, snap: TrainingSnapshot) -> None:
        """Kept installed when left: while another screen replaces it, nothing is drawn (resume catches up)."""
        if self in self.app.screen_stack:
            self.show_all(snap)

    def on_screen_resume(self) -> None:
        """Shown again (the screen is kept installed, and so still watched): catch up at once."""
        self.show_all(self.mnist_app.live)

    def action_back(self) -> None:
        self.app.pop_screen()

    # -- drawing ------------------------------------------------------------------------------------------
    def show_all(self, snap: TrainingSnapshot) -> None:
        view = snap.view
        title = self.query_one("#run-title", Static)
        if view is None:
            title.update(Text("Nothing is training. On Home, t trains the highlighted preset.", style="bold"))
            self.query_one("#detail", Static).update(Text(snap.problem or "", style="bold red"))
        else:
            title.update(title_text(view))
            detail = detail_text(view)
            if snap.problem:
                detail = Text(f"✗ {snap.problem}", style="bold red")
            self.query_one("#detail", Static).update(detail)
            for plot in self.query(CurvesPlot):
                plot.show(view.history, view.total_epochs)
        self.show_progress(view)
        self.query_one(ResourcePanel).show(view.live if view else None, view.run.device if view and view.run else None)
        self.query_one(QueuePanel).show(snap.waiting, snap.running_jobs)
        if (several := len(snap.views) > 1) != self.several:  # the footer is redrawn only when [ ] change
            self.several = several
            self.refresh_bindings()

    def show_progress(self, view: RunView | None) -> None:
        bar = self.query_one(ProgressBar)
        epoch = self.query_one("#epoch", Static)
        clock = self.query_one("#clock", Static)
        if view is None:
            epoch.update("")
            clock.update("")
            bar.update(total=None, progress=0)
            return
        if not view.started:
            label = Text("Queued" if view.status == JobStatus.QUEUED else "Not started", style="bold")
            if view.active and view.status != JobStatus.QUEUED:
                label = Text("Starting", style="bold")
        else:
            label = Text(f"Epoch {view.epoch_now}/{view.total_epochs}", style="bold")
            if view.active and view.phase != "training":  # e.g. evaluating after the last epoch
                label.append(f" {view.phase}…", style="italic")
            elif view.active:  # the bar is the whole run's: the epoch's own share is said here
                label.append(f" at {view.epoch_fraction():.0%}")
        epoch.update(label)
        total, progress = view.bar()
        bar.update(total=total, progress=progress)
        clock.update(view.clock_text())

    # -- the queue panel's edits -----------------------------------------------------------------------------
    @on(QueuePanel.Edit)
    def edit_queue(self, event: QueuePanel.Edit) -> None:
        jobs = self.mnist_app.store.jobs
        try:
            if event.action == "remove" and event.job_id is not None:
                jobs.remove(event.job_id)
            elif event.action == "move" and event.job_id is not None:
                jobs.move(event.job_id, event.offset)
            elif event.action == "clear":
                n = jobs.clear()
                self.notify(f"{n} waiting job{'s' * (n != 1)} taken off the queue.")
        except MnistTuiError as exc:
            self.notify(str(exc), severity="error", markup=False)
        self.mnist_app.poll_store()
