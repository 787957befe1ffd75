"""Home: every preset by exercise part with its parameters and rule checks, the highlighted one's details,
recent runs, and the keys to train, edit, compare and export."""

from __future__ import annotations

import os

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import OptionList, Static

from engine.errors import MnistTuiError
from engine.presets import Preset, all_presets
from engine.repeats import MAX_REPEATS
from engine.rules import PART_TITLES
from tui.app_access import mnist_app
from tui.run_summary import HIDDEN_BY_DEFAULT
from tui.spec_form import number_text
from tui.text import literal, notify_literal
from tui.training_snapshot import TrainingSnapshot
from tui.widgets.data_line import DataLine
from tui.widgets.footer import KeyFooter
from tui.widgets.preset_list import PresetList, header_text
from tui.widgets.recent_runs import RecentRuns
from tui.widgets.rule_checks import rule_lines, verdict
from tui.widgets.status_line import StatusLine

RECENT_RUNS = 12


def details_text(p: Preset) -> Text:
    s, c = p.spec, p.params
    # short lines, one fact each, most wanted first: the pane is about 34 cells wide and 5 lines high at
    # 80x24, and a line is cut at its end (never wrapped onto the next, half a sentence)
    text = Text()
    text.append_text(literal(s.name, "bold"))
    text.append_text(literal(f"  {p.id}{'' if p.builtin else ' (yours)'}\n", "dim"))
    text.append(f"lr {s.learning_rate:g} · {s.epochs} epochs · batch {s.batch_size}\n", style="bold")
    momentum = f" momentum {s.momentum:g}" if s.momentum else ""
    text.append(
        f"{s.activation} · {s.optimizer}{momentum} · seed {s.seed} · val {number_text(s.validation_fraction)}\n"
    )
    text.append(f"{c.total:,} params", style="bold")
    text.append(f" = {c.weights:,} w + {c.biases:,} b\n")
    text.append(f"{s.shape_text()}\n")
    if s.description:
        text.append_text(literal(s.description + "\n", "italic"))
    text.append(PART_TITLES.get(p.part or "", "Common rules only (no exercise part)") + "\n", style="bold")
    text.append_text(rule_lines(p.rules, brief=True))
    text.append("\n")
    text.append_text(verdict(p.rules))
    return text


class HomeScreen(Screen):
    CSS_PATH = "home.tcss"
    AUTO_FOCUS = "#presets"
    BINDINGS = [
        Binding("t", "train", "Train", tooltip="Train the highlighted preset"),
        Binding("T", "train_part", "Part", tooltip="Queue every preset of the highlighted one's part"),
        Binding("A", "train_all", "All", tooltip="Queue every built-in preset: the whole exercise, unattended"),
        Binding("e", "edit", "Edit", tooltip="Edit the highlighted preset (built-ins: a copy)"),
        Binding("c", "compare", "Compare", tooltip="Compare stored runs: table, curves, layer differences"),
        Binding("a", "answers", "Answers", tooltip="The exercise's answers from the stored runs; export markdown"),
        Binding("w", "app.show_training", "Watch", tooltip="Show the training screen"),
        Binding("S", "sweep", "Sweep", show=False, tooltip="The newest sweep: progress, scatter, points"),
        Binding("R", "set_repeats", "Repeats", show=False, tooltip="How many seeds t, T and A train of each net"),
        Binding("D", "set_data", "Data", show=False, tooltip="The MNIST data runs read (remembered for this store)"),
        Binding("r", "reload", "Reload", show=False, tooltip="Reload presets and runs from disk"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="presets-pane") as pane:
            pane.border_title = "Presets"
            yield Static(header_text(), id="preset-header")
            yield PresetList(id="presets")
        with Horizontal(id="lower"):
            with VerticalScroll(id="details-pane"):
                yield Static(id="details")
            yield RecentRuns(id="runs")
        yield DataLine(id="data-line")
        yield StatusLine(id="status")
        yield KeyFooter()

    lineup: tuple | None = None  # the store's lineup the recent runs were last read for

    def on_mount(self) -> None:
        self.query_one("#details-pane").border_title = "Details"
        self.query_one("#runs").border_title = "Recent runs (⏎ opens, c compares)"
        self.show_data()
        self.query_one("#details-pane").can_focus = False  # tab goes from the presets to the recent runs
        self.action_reload()
        self.watch(self.app, "live", self.live_changed, init=False)

    def on_screen_resume(self) -> None:
        self.action_reload()

    # -- content ------------------------------------------------------------------------------------------
    def action_reload(self) -> None:
        """Presets (the user may have saved one) and runs (the CLI may have trained) from disk."""
        problems: list[str] = []
        presets = all_presets(problems)
        plist = self.query_one(PresetList)
        current = plist.current
        plist.set_presets(presets, keep=current.id if current else None)
        if problems:
            notify_literal(self, "\n".join(problems), title="Skipped a user preset", severity="warning", timeout=10)
        self.show_details()
        self.refresh_runs()
        self.refresh_status()

    def refresh_runs(self) -> None:
        app = mnist_app(self)
        self.lineup = app.live.lineup()
        try:
            records = app.store.runs(limit=RECENT_RUNS * 3)
        except MnistTuiError as exc:
            notify_literal(self, exc, severity="error")
            return
        shown = [r for r in records if r.status not in HIDDEN_BY_DEFAULT][:RECENT_RUNS]
        self.query_one(RecentRuns).show(shown)

    def on_resize(self, event: events.Resize) -> None:
        """The preset list, not its pane, must scroll: else the highlight can sit below the pane's edge."""
        self.query_one(PresetList).styles.max_height = max(3, event.size.height // 2 - 3)

    @on(RecentRuns.Open)
    def open_run(self, event: RecentRuns.Open) -> None:
        from tui.screens.run import RunScreen

        self.app.push_screen(RunScreen(mnist_app(self).store, event.run_id))

    def refresh_status(self) -> None:
        app = mnist_app(self)
        self.query_one(StatusLine).show(app.live, app.repeats)

    def show_details(self) -> None:
        preset = self.query_one(PresetList).current
        self.query_one("#details", Static).update(details_text(preset) if preset else "No preset selected.")

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.show_details()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_edit()  # enter on a preset opens it; t trains without a detour

    def live_changed(self, snap: TrainingSnapshot) -> None:
        """The store changed (a run advanced, ended, or a job was queued): the status line always, the
        recent runs only when a run began or ended or the queue changed."""
        self.refresh_status()
        if snap.lineup() != self.lineup:
            self.refresh_runs()

    # -- actions ------------------------------------------------------------------------------------------
    def _current(self) -> Preset | None:
        preset = self.query_one(PresetList).current
        if preset is None:
            self.notify("Highlight a preset first.", severity="warning")
        return preset

    def action_train(self) -> None:
        if preset := self._current():
            self._queue([preset])

    def action_train_part(self) -> None:
        """Queue every preset in the highlighted preset's group (e.g. all of Part Two), to run unattended."""
        if preset := self._current():
            self._queue([p for p in self.query_one(PresetList).presets.values() if p.group == preset.group])

    def action_train_all(self) -> None:
        """The whole exercise in order (Part One to Part Three), like `mnist-tui train --all`."""
        self._queue([p for p in self.query_one(PresetList).presets.values() if p.builtin])

    def _queue(self, presets: list[Preset]) -> None:
        """Each preset as many times as the repeats setting says (seeds seed, seed+1, ...)."""
        app = mnist_app(self)
        try:
            requests = [r for p in presets for r in app.requests(p.id, p.part, p.spec)]
        except MnistTuiError as exc:  # a seed pushed past the largest one
            self.notify(str(exc), severity="error", markup=False)
            return
        app.start_training(requests)

    def action_set_repeats(self) -> None:
        from tui.screens.dialogs import TextDialog

        app = mnist_app(self)

        def chosen(text: str | None) -> None:
            if text is None:
                return
            try:
                n = int(text or "1")
            except ValueError:
                n = 0
            if not 1 <= n <= MAX_REPEATS:
                self.notify(f"repeats must be a whole number from 1 to {MAX_REPEATS}", severity="error")
                return
            app.repeats = n
            what = "one run of each net" if n == 1 else f"{n} runs of each net (seeds seed..seed+{n - 1})"
            self.notify(f"t, T and A now queue {what}: the answers then give mean ± sd and measured noise.")
            self.refresh_status()

        self.app.push_screen(TextDialog(f"Seeds per net for t, T and A (1-{MAX_REPEATS}):", str(app.repeats)), chosen)

    def show_data(self) -> None:
        from engine.data_choice import remembered_data

        app = mnist_app(self)
        self.query_one(DataLine).show(app.data, bool(app.data) and remembered_data(app.store) == app.data)

    def action_set_data(self) -> None:
        """Set (or clear: Keras's own MNIST) the data source the next runs read; the store remembers it."""
        from engine.data_choice import remember_data
        from tui.screens.dialogs import TextDialog

        app = mnist_app(self)

        def chosen(text: str | None) -> None:
            if text is None:
                return
            text = text.strip()
            if text and not os.path.exists(os.path.expanduser(text)):
                notify_literal(self, f"{text}: no such file or folder (data unchanged)", severity="error")
                return
            try:
                app.data = remember_data(app.store, text or None)
            except MnistTuiError as exc:
                notify_literal(self, exc, severity="error")
                return
            self.show_data()
            self.notify("Runs queued from now on read this data." if text else "Runs now read Keras's MNIST.")

        prompt = "MNIST data for the next runs (an mnist.npz or IDX folder; empty: Keras's download):"
        self.app.push_screen(TextDialog(prompt, app.data or ""), chosen)

    def action_edit(self) -> None:
        if preset := self._current():
            from tui.screens.editor import EditorScreen

            self.app.push_screen(EditorScreen(preset))

    def action_compare(self) -> None:
        from tui.screens.compare import CompareScreen

        mnist_app(self).open_screen(CompareScreen)

    def action_sweep(self) -> None:
        from tui.screens.sweep import SweepScreen

        mnist_app(self).open_screen(SweepScreen)

    def action_answers(self) -> None:
        from tui.screens.answers import AnswersScreen

        mnist_app(self).open_screen(AnswersScreen)
