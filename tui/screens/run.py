"""One run on its own: accuracy and loss curves (train and validation), what it was (spec, every
hyperparameter, data, environment), how it ended and why, the per-epoch table and the per-layer gradients
over epochs; once it has finished, its confusion matrix with per-class recall and the test digits it got
wrong, drawn in the terminal ([ and ] page through them). d deletes it (after a yes), l labels it, n writes
a note; Home, Compare and the CLI's `show` all open it. A run still training grows on screen: the app's
snapshot of the store (its `live` reactive, watched here) carries the run's new epochs and its end. The
test images come from the run's data file, read with numpy in a thread (never TensorFlow), and the screen
says so when they cannot be found."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from engine.confusion import decode, read_test_images, run_confusion
from engine.errors import MnistTuiError
from engine.line_charts import history_series
from engine.status import RunStatus
from engine.store import RunRecord, Store
from tui.keys import BACK
from tui.run_summary import epochs_table, gradient_columns, gradients_table, summary_text, title_text
from tui.screens.dialogs import ConfirmDialog, TextDialog
from tui.text import notify_literal
from tui.training_snapshot import TrainingSnapshot
from tui.widgets.chart_view import ChartView
from tui.widgets.footer import KeyFooter
from tui.widgets.run_predictions import WrongDigits, WrongSet, confusion_renderable

if TYPE_CHECKING:
    from textual.screen import Screen as AnyScreen


def ask_delete(screen: AnyScreen, store: Store, run: RunRecord, done: Callable[[], None]) -> None:
    """Delete a run after a yes; a run still training is refused (stop it first)."""
    if run.status == RunStatus.RUNNING:
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
        BACK,
        Binding("d", "delete", "Delete"),
        Binding("l", "label", "Label"),
        Binding("n", "note", "Note"),
        Binding("z", "zoom", "Zoom acc", tooltip="Accuracy axis: 0-100% or fitted to the data"),
        Binding("right_square_bracket", "wrong(1)", "Next wrong", key_display="]"),
        Binding("left_square_bracket", "wrong(-1)", "Prev wrong", key_display="[", show=False),
        Binding("r", "reload", "Reload", show=False),
    ]

    def __init__(self, store: Store, run_id: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.run_id = run_id
        self.run: RunRecord | None = None
        self.predictions_read = False  # read once the run has finished

    def compose(self) -> ComposeResult:
        yield Static(id="run-title")
        with VerticalScroll(id="run-body"):
            with Horizontal(id="run-charts"):
                yield ChartView("percent", id="run-accuracy")
                yield ChartView("loss", id="run-loss")
            yield Static(id="run-summary", classes="run-section")
            yield Static(id="run-epochs", classes="run-section")
            yield Static(id="run-gradients", classes="run-section")
            yield Static(id="run-confusion", classes="run-section")
            yield WrongDigits(id="run-wrong", classes="run-section")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#run-accuracy").border_title = "Accuracy (%)"
        self.query_one("#run-loss").border_title = "Loss"
        self.query_one("#run-summary").border_title = "Run"
        self.query_one("#run-epochs").border_title = "Per epoch"
        self.query_one("#run-gradients").border_title = "Mean |dL/dW| per layer"
        self.query_one("#run-confusion").border_title = "Confusion matrix (test set) and recall"
        self.query_one("#run-wrong").border_title = "Digits it got wrong (true → predicted)"
        self.query_one("#run-confusion", Static).update("read once the run has finished")
        self.action_reload()
        self.watch(self.app, "live", self.live_changed, init=False)

    def live_changed(self, snap: TrainingSnapshot) -> None:
        """A run still training (here or in another process) grows on screen: the snapshot holds it, with
        its epochs, while it trains; once it has left the snapshot it ended, and is read once more."""
        if self.run is None or self.run.status != RunStatus.RUNNING:
            return
        now = next((r for r in snap.running_runs if r.run_id == self.run_id), None)
        if now is None:
            self.action_reload()
        elif now != self.run:
            self.show_run(now)

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
        self.show_run(run)

    def show_run(self, run: RunRecord) -> None:
        self.run = run
        self.query_one("#run-title", Static).update(title_text(run))
        epochs = run.epochs_planned or run.epochs_completed or 1
        self.query_one("#run-accuracy", ChartView).plot(history_series(run.history, "accuracy"), epochs)
        self.query_one("#run-loss", ChartView).plot(history_series(run.history, "loss"), epochs)
        self.query_one("#run-summary", Static).update(summary_text(run))
        self.query_one("#run-epochs", Static).update(epochs_table(run))
        self.show_gradients()
        if run.status != RunStatus.RUNNING and not self.predictions_read:
            self.predictions_read = True
            self.run_worker(lambda: self.read_predictions(run), thread=True, exclusive=True, group="predictions")

    def read_predictions(self, run: RunRecord) -> None:
        """In a thread: the stored predictions, the test images of the run's data, then both panels."""
        try:
            predicted = decode(self.store.predictions(run.run_id))
        except MnistTuiError as exc:
            self.app.call_from_thread(self.show_predictions, None, None, str(exc))
            return
        if predicted is None:
            why = "this run kept no test predictions (it ended without a final evaluation, or predates them)"
            self.app.call_from_thread(self.show_predictions, run_confusion(run.extra, None, None), None, why)
            return
        try:
            test = read_test_images(run.data_source)
        except MnistTuiError as exc:
            matrix = run_confusion(run.extra, None, None)
            why = f"the test images cannot be found: {exc}"
            self.app.call_from_thread(self.show_predictions, matrix, None, why)
            return
        if len(test.labels) != len(predicted):
            why = f"{test.source} now holds {len(test.labels):,} test images, the run predicted {len(predicted):,}"
            self.app.call_from_thread(self.show_predictions, run_confusion(run.extra, None, None), None, why)
            return
        matrix = run_confusion(run.extra, predicted.tobytes(), run.data_source)
        self.app.call_from_thread(self.show_predictions, matrix, WrongSet.of(test.images, test.labels, predicted), "")

    def show_predictions(self, matrix: list[list[int]] | None, wrong: WrongSet | None, why: str) -> None:
        confusion = self.query_one("#run-confusion", Static)
        if matrix is not None:
            confusion.update(confusion_renderable(matrix))
        else:
            confusion.update(Text(f"No confusion matrix: {why}."))
        self.query_one("#run-wrong", WrongDigits).show(wrong, f"No digits to show: {why}.")

    def action_wrong(self, step: int) -> None:
        self.query_one("#run-wrong", WrongDigits).turn(step)

    def show_gradients(self) -> None:
        if self.run is not None:
            width = self.query_one("#run-gradients").content_region.width or self.size.width - 4
            self.query_one("#run-gradients", Static).update(gradients_table(self.run, gradient_columns(width)))

    def on_resize(self) -> None:
        self.show_gradients()
        self.query_one("#run-wrong", WrongDigits).redraw()

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
