"""One run on its own: accuracy and loss curves (train and validation), what it was (spec, every
hyperparameter, data, environment), how it ended and why, the per-epoch table and the per-layer gradients
over epochs. d deletes it (after a yes), l labels it, n writes a note; Home, Compare and the CLI's `show`
all open it. A run still training is read again every few seconds, so it grows on screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from engine.charts import history_series
from engine.errors import MnistTuiError
from engine.store import RunRecord, Store
from tui.run_summary import epochs_table, gradient_columns, gradients_table, summary_text, title_text
from tui.screens.dialogs import ConfirmDialog, TextDialog
from tui.text import notify_literal
from tui.widgets.chart_view import ChartView
from tui.widgets.footer import KeyFooter

FOLLOW_SECONDS = 2.0  # how often a running run is read again from the store

if TYPE_CHECKING:
    from textual.screen import Screen as AnyScreen


def ask_delete(screen: AnyScreen, store: Store, run: RunRecord, done: Callable[[], None]) -> None:
    """Delete a run after a yes; a run still training is refused (stop it first)."""
    if run.status == "running":
        screen.notify(f"Run {run.run_id} is training: stop it first (s), then delete it.", severity="warning")
        return

    def answered(yes: bool | None) -> None:
        if not yes:
            return
        try:
            store.delete_run(run.run_id)
        except MnistTuiError as exc:
            notify_literal(screen, exc, severity="error")
            return
        notify_literal(screen, f"Run {run.run_id} ({run.name}) deleted.")
        done()

    screen.app.push_screen(
        ConfirmDialog(f"Delete run {run.run_id} ({run.name}) and its epochs? The answers stop using it."), answered
    )


def ask_label(screen: AnyScreen, store: Store, run: RunRecord, done: Callable[[], None]) -> None:
    def answered(text: str | None) -> None:
        if text is not None:
            store.set_label(run.run_id, text)
            done()

    question = f"Label for run {run.run_id} (shown instead of its name):"
    screen.app.push_screen(TextDialog(question, run.label or ""), answered)


def ask_note(screen: AnyScreen, store: Store, run: RunRecord, done: Callable[[], None]) -> None:
    def answered(text: str | None) -> None:
        if text is not None:
            store.set_run_note(run.run_id, text)
            done()

    screen.app.push_screen(TextDialog(f"Note on run {run.run_id}:", run.note or ""), answered)


class RunScreen(Screen):
    DEFAULT_CSS = """
    RunScreen #run-title { height: 1; padding: 0 1; }
    RunScreen #run-body { height: 1fr; scrollbar-size-vertical: 1; }
    RunScreen #run-charts { height: 16; }
    RunScreen #run-charts > ChartView { border: round $primary-darken-2; }
    RunScreen .run-section { height: auto; border: round $primary-darken-2; padding: 0 1; }
    """
    AUTO_FOCUS = "#run-body"
    BINDINGS = [
        Binding("escape,backspace", "back", "Back", key_display="esc"),
        Binding("d", "delete", "Delete"),
        Binding("l", "label", "Label"),
        Binding("n", "note", "Note"),
        Binding("z", "zoom", "Zoom acc", tooltip="Accuracy axis: 0-100% or fitted to the data"),
        Binding("r", "reload", "Reload", show=False),
    ]

    def __init__(self, store: Store, run_id: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.run_id = run_id
        self.run: RunRecord | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="run-title")
        with VerticalScroll(id="run-body"):
            with Horizontal(id="run-charts"):
                yield ChartView("percent", id="run-accuracy")
                yield ChartView("loss", id="run-loss")
            yield Static(id="run-summary", classes="run-section")
            yield Static(id="run-epochs", classes="run-section")
            yield Static(id="run-gradients", classes="run-section")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#run-accuracy").border_title = "Accuracy (%)"
        self.query_one("#run-loss").border_title = "Loss"
        self.query_one("#run-summary").border_title = "Run"
        self.query_one("#run-epochs").border_title = "Per epoch"
        self.query_one("#run-gradients").border_title = "Mean |dL/dW| per layer"
        self.action_reload()
        self.set_interval(FOLLOW_SECONDS, self.follow)

    def follow(self) -> None:
        """A run still training (here or in another process) grows on screen: its new epochs and its end."""
        if self.run is not None and self.run.status == "running" and self.is_current:
            self.action_reload()

    def action_reload(self) -> None:
        try:
            run = self.store.get_run(self.run_id)
        except MnistTuiError as exc:
            notify_literal(self, exc, severity="error")
            return
        if run is None:
            self.notify(f"Run {self.run_id} is not in the store (deleted?).", severity="warning")
            self.app.pop_screen()
            return
        self.run = run
        self.query_one("#run-title", Static).update(title_text(run))
        epochs = run.epochs_planned or run.epochs_completed or 1
        self.query_one("#run-accuracy", ChartView).plot(history_series(run.history, "accuracy"), epochs)
        self.query_one("#run-loss", ChartView).plot(history_series(run.history, "loss"), epochs)
        self.query_one("#run-summary", Static).update(summary_text(run))
        self.query_one("#run-epochs", Static).update(epochs_table(run))
        self.show_gradients()

    def show_gradients(self) -> None:
        if self.run is not None:
            width = self.query_one("#run-gradients").content_region.width or self.size.width - 4
            self.query_one("#run-gradients", Static).update(gradients_table(self.run, gradient_columns(width)))

    def on_resize(self) -> None:
        self.show_gradients()

    def action_zoom(self) -> None:
        chart = self.query_one("#run-accuracy", ChartView)
        chart.set_zoom(not chart.zoom)
        chart.border_title = "Accuracy (%, zoomed)" if chart.zoom else "Accuracy (%)"

    def action_delete(self) -> None:
        if self.run:
            ask_delete(self, self.store, self.run, self.app.pop_screen)

    def action_label(self) -> None:
        if self.run:
            ask_label(self, self.store, self.run, self.action_reload)

    def action_note(self) -> None:
        if self.run:
            ask_note(self, self.store, self.run, self.action_reload)

    def action_back(self) -> None:
        self.app.pop_screen()
