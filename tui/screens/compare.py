"""Compare: stored runs in a sortable table that fits 80 columns; runs picked with space have one metric
(m cycles train/val accuracy/loss) overlaid in one chart, or (v) their layers and settings side by side.
The answers (a) are built from exactly the runs picked. enter opens a run; d deletes, l labels it.
Failed, cancelled and interrupted runs are hidden until h; p and f filter by part and status.
Longer than most files here (about 330 lines): the table, the overlay and the side-by-side are three views
of one set of picks, and kept together they share it without passing it between modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static

from engine.errors import MnistTuiError
from engine.line_charts import COLOURS, MARKERS, Series
from engine.percent import pct
from engine.rules import PART_TITLES
from engine.spec import count_params, format_layers
from engine.status import RunStatus
from engine.store import RunRecord, Store
from tui.format import clip, list_name, lr_text, seed_text
from tui.run_summary import SPEC_FIELDS, filter_runs, spec_value
from tui.screens.run import ask_delete, ask_label
from tui.text import literal, notify_literal
from tui.widgets.chart_view import ChartView
from tui.widgets.footer import KeyFooter

NAME_WIDTH = 15  # with the rest, 80 columns exactly
STATUSES = tuple(RunStatus)  # the status filter's cycle, in the enum's order
# (title, attribute of an epoch, chart kind): m cycles through them
METRICS = (
    ("validation accuracy", "val_accuracy", "percent"),
    ("training accuracy", "accuracy", "percent"),
    ("validation loss", "val_loss", "loss"),
    ("training loss", "loss", "loss"),
)


def percent(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.2f}"


def _setup_key(run: RunRecord):
    """Sorts by learning rate, then seed (the two settings runs of one preset differ in)."""
    lr, seed = run.spec_json.get("learning_rate"), run.spec_json.get("seed")
    return None if lr is None else (lr, seed if isinstance(seed, int) else -1)


def _params(run: RunRecord):
    return count_params(run.spec_json.get("hidden_layers", []))


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    value: Callable[[RunRecord], object]  # what the column sorts by
    text: Callable[[RunRecord], str]  # what it shows
    numeric: bool = True  # numbers sort best-first (descending) when first chosen


# narrow columns: at 80 columns the last ones scroll into view; the run screen (enter) has everything else
COLUMNS = (
    Column("run", "run", lambda r: r.run_id, lambda r: str(r.run_id)),
    Column("name", "name", lambda r: list_name(r).lower(), lambda r: clip(list_name(r), NAME_WIDTH), numeric=False),
    # runs of one preset differ in these: repeats by seed, a control by its change (led by it in the name)
    Column("setup", "seed lr", _setup_key, lambda r: f"{seed_text(r.spec_json)} {lr_text(r.spec_json)}"),
    Column("status", "status", lambda r: r.status, lambda r: r.status, numeric=False),
    # accuracies in percent, the sign in the header: a column each, so the table fits 80 columns
    Column("val", "val%", lambda r: r.metrics["val_accuracy"], lambda r: percent(r.metrics["val_accuracy"])),
    Column("test", "test%", lambda r: r.metrics["test_accuracy"], lambda r: percent(r.metrics["test_accuracy"])),
    Column("train", "train%", lambda r: r.metrics["train_accuracy"], lambda r: percent(r.metrics["train_accuracy"])),
    Column("params", "params", lambda r: _params(r).total, lambda r: f"{_params(r).total:,}"),
    Column("epochs", "ep", lambda r: r.epochs_completed, lambda r: str(r.epochs_completed)),
)
COLUMN_KEYS = [c.key for c in COLUMNS]


def sort_runs(runs: list[RunRecord], key: str, descending: bool) -> list[RunRecord]:
    """Runs ordered by a column; runs with no value in it (no evaluation yet) always go last."""
    column = COLUMNS[COLUMN_KEYS.index(key)]
    known = [r for r in runs if column.value(r) is not None]
    unknown = [r for r in runs if column.value(r) is None]
    return sorted(known, key=column.value, reverse=descending) + unknown


def marker_of(index: int) -> str:
    return MARKERS[index % len(MARKERS)]


def layers_diff(runs: list[RunRecord]) -> Table | Text:
    """The picked runs side by side: shape, params and every setting, the settings that differ first
    (marked) and the ones they share after."""
    if not runs:
        return Text("Pick runs with space to set their layers and settings side by side.", style="italic")
    table = Table(box=None, header_style="bold", padding=(0, 1), show_edge=False)
    table.add_column("", no_wrap=True)
    for i, run in enumerate(runs):
        table.add_column(Text.assemble(f"{marker_of(i)} #{run.run_id} ", literal(clip(run.name, 14))), overflow="fold")
    table.add_row("network", *(Text(format_layers(r.spec_json.get("hidden_layers", []))) for r in runs))
    table.add_row("params", *(f"{_params(r).total:,}" for r in runs))
    table.add_row("weights", *(f"{_params(r).weights:,}" for r in runs))
    table.add_row("biases", *(f"{_params(r).biases:,}" for r in runs))
    rows = [(label, [spec_value(r, field) for r in runs]) for field, label in SPEC_FIELDS if field != "hidden_layers"]
    differ = [(label, values) for label, values in rows if len(set(values)) > 1]
    same = [(label, values) for label, values in rows if len(set(values)) == 1]
    for label, values in differ:
        table.add_row(Text(f"≠ {label}", style="bold yellow"), *(Text(v, style="yellow") for v in values))
    for label, values in same:
        table.add_row(Text(label, style="dim"), *(Text(v, style="dim") for v in values))
    table.add_row("data", *(literal(r.data_source or "Keras MNIST") for r in runs))
    table.add_row("val acc", *(pct(r.metrics["val_accuracy"], "-") for r in runs))
    table.add_row("test acc", *(pct(r.metrics["test_accuracy"], "-") for r in runs))
    return table


class CompareScreen(Screen):
    CSS_PATH = "compare.tcss"
    AUTO_FOCUS = "#runs"
    BINDINGS = [
        Binding("escape,backspace", "back", "Back", key_display="esc"),
        Binding("space", "toggle_pick", "Pick", tooltip="Pick or unpick the highlighted run (the cursor stays)"),
        Binding("enter", "open_run", "Open", key_display="⏎", priority=True),
        Binding("m", "next_metric", "Metric", tooltip="Overlay the next metric: val/train accuracy, val/train loss"),
        Binding("v", "toggle_view", "Chart/Settings", tooltip="Show the chart or the picked runs side by side"),
        Binding("a", "answers", "Answers", tooltip="The answers built from exactly the runs picked"),
        Binding("o", "next_sort", "Sort by next column", show=False),
        Binding("O", "flip_sort", "Flip sort order", key_display="O", show=False),
        Binding("x", "clear_picks", "Clear picks", show=False),
        Binding("h", "toggle_hidden", "Show/hide failed and cancelled runs", show=False),
        Binding("p", "next_part", "Filter by part", show=False),
        Binding("f", "next_status", "Filter by status", show=False),
        Binding("d", "delete", "Delete run", show=False),
        Binding("l", "label", "Label run", show=False),
        Binding("z", "zoom", "Zoom the accuracy axis", show=False),
        Binding("r", "reload", "Reload", show=False),
    ]

    def __init__(self, store: Store, **kwargs) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.all_runs: list[RunRecord] = []
        self.runs: list[RunRecord] = []  # the ones the table shows
        self.picked: list[int] = []  # run ids, in the order they were picked
        self.sort_key, self.descending = "run", True
        self.metric = 0  # index into METRICS
        self.part_filter: str | None = None
        self.status_filter: str | None = None
        self.show_hidden = False
        self.plotted: list[int] = []  # run ids whose curves the chart shows

    def compose(self) -> ComposeResult:
        yield Static(id="sort-line")
        yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield ChartView("percent", id="overlay")
        with VerticalScroll(id="diff-pane"):
            yield Static(id="diff")
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column(" ", key="pick", width=1)
        for column in COLUMNS:
            table.add_column(column.label, key=column.key)
        self.query_one("#diff-pane").border_title = "Layers and settings (v: chart)"
        self.query_one("#diff-pane").display = False
        self.action_reload()

    def on_screen_resume(self) -> None:
        self.action_reload()

    # -- content ------------------------------------------------------------------------------------------
    def action_reload(self) -> None:
        try:
            self.all_runs = self.store.runs()
        except MnistTuiError as exc:
            notify_literal(self, exc, severity="error")
            return
        known = {r.run_id for r in self.all_runs}
        self.picked = [i for i in self.picked if i in known]
        self.fill_table()
        self.show_picks()

    def fill_table(self) -> None:
        table = self.query_one(DataTable)
        current = self.current_run_id()
        self.runs = filter_runs(self.all_runs, self.part_filter, self.status_filter, self.show_hidden)
        table.clear()
        for run in sort_runs(self.runs, self.sort_key, self.descending):
            mark = "✓" if run.run_id in self.picked else ""
            table.add_row(mark, *(literal(c.text(run)) for c in COLUMNS), key=str(run.run_id))
        if current is not None and str(current) in table.rows:
            table.move_cursor(row=table.get_row_index(str(current)))
        self.show_sort_line()

    def show_sort_line(self) -> None:
        label = COLUMNS[COLUMN_KEYS.index(self.sort_key)].label
        line = Text.assemble(("Runs", "bold"), f" by {label} {'↓' if self.descending else '↑'}")
        line.append(f" · {len(self.picked)} picked")
        if self.part_filter:
            line.append(f" · part {self.part_filter}", style="bold")
        if self.status_filter:
            line.append(f" · {self.status_filter}", style="bold")
        hidden = len(filter_runs(self.all_runs, self.part_filter, self.status_filter, True)) - len(self.runs)
        if hidden:
            line.append(f" · {hidden} failed/cancelled hidden (h)", style="dim")
        if not self.all_runs:
            line.append(" · no runs yet: train one from Home (t)", style="dim")
        self.query_one("#sort-line", Static).update(line)

    def current_run_id(self) -> int | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return int(row_key.value)

    def current_run(self) -> RunRecord | None:
        run_id = self.current_run_id()
        return next((r for r in self.all_runs if r.run_id == run_id), None)

    @property
    def order(self) -> list[int]:
        """Run ids in the order the table shows them."""
        table = self.query_one(DataTable)
        return [int(row.key.value) for row in table.ordered_rows]

    def picked_runs(self) -> list[RunRecord]:
        by_id = {r.run_id: r for r in self.all_runs}
        return [by_id[i] for i in self.picked if i in by_id]

    def show_picks(self) -> None:
        runs = self.picked_runs()
        self.query_one("#diff", Static).update(layers_diff(runs))
        title, attribute, kind = METRICS[self.metric]
        chart = self.query_one("#overlay", ChartView)
        series, epochs = [], 1
        self.plotted = []
        for i, run in enumerate(runs):
            scale = 100 if kind == "percent" else 1
            values = [getattr(e, attribute) for e in run.history]
            y = [None if v is None else scale * v for v in values]
            series.append(
                Series(f"#{run.run_id}", [e.epoch for e in run.history], y, marker_of(i), COLOURS[i % len(COLOURS)])
            )
            if any(v is not None for v in y):
                self.plotted.append(run.run_id)
            epochs = max(epochs, run.epochs_planned or 0, run.epochs_completed)
        chart.plot(series, epochs if runs else 10, kind, empty="space picks runs to overlay their curves")
        zoom = ""
        if chart.zoom and kind == "percent":  # say the range the axis was fitted to, or that nothing was
            shown = [v for s in series for v in s.points()[1]]
            zoom = f" fitted to {min(shown):.1f}-{max(shown):.1f}" if shown else " (zoom: no points to fit yet)"
        chart.border_title = f"{title.capitalize()}{' (%)' if kind == 'percent' else ''}{zoom} · m: next metric"

    # -- actions ------------------------------------------------------------------------------------------
    def action_toggle_pick(self) -> None:
        """Picks or unpicks the highlighted run; the cursor stays (↓ moves on)."""
        run_id = self.current_run_id()
        if run_id is None:
            return
        if run_id in self.picked:
            self.picked.remove(run_id)
        else:
            self.picked.append(run_id)
        self.query_one(DataTable).update_cell(str(run_id), "pick", "✓" if run_id in self.picked else "")
        self.show_sort_line()
        self.show_picks()

    def action_clear_picks(self) -> None:
        self.picked = []
        self.fill_table()
        self.show_picks()

    def action_next_metric(self) -> None:
        self.metric = (self.metric + 1) % len(METRICS)
        self.show_picks()

    def action_zoom(self) -> None:
        chart = self.query_one("#overlay", ChartView)
        chart.set_zoom(not chart.zoom)
        self.show_picks()

    def action_toggle_view(self) -> None:
        chart, diff = self.query_one("#overlay"), self.query_one("#diff-pane")
        chart.display, diff.display = not chart.display, chart.display

    def action_toggle_hidden(self) -> None:
        self.show_hidden = not self.show_hidden
        self.fill_table()

    def action_next_part(self) -> None:
        parts = [None, "Part One", "Part Two", "Part Three", *PART_TITLES.keys(), "own"]
        self.part_filter = parts[(parts.index(self.part_filter) + 1) % len(parts)]
        self.fill_table()

    def action_next_status(self) -> None:
        statuses = [None, *STATUSES]
        self.status_filter = statuses[(statuses.index(self.status_filter) + 1) % len(statuses)]
        self.fill_table()

    def sort_by(self, key: str, descending: bool | None = None) -> None:
        column = COLUMNS[COLUMN_KEYS.index(key)]
        self.sort_key = key
        self.descending = column.numeric if descending is None else descending
        self.fill_table()

    def action_next_sort(self) -> None:
        self.sort_by(COLUMN_KEYS[(COLUMN_KEYS.index(self.sort_key) + 1) % len(COLUMN_KEYS)])

    def action_flip_sort(self) -> None:
        self.sort_by(self.sort_key, not self.descending)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        key = event.column_key.value
        if key in COLUMN_KEYS:
            self.sort_by(key, not self.descending if key == self.sort_key else None)

    def action_open_run(self) -> None:
        run_id = self.current_run_id()
        if run_id is not None:
            self.open_run(run_id)

    def open_run(self, run_id: int) -> None:
        from tui.screens.run import RunScreen

        self.app.push_screen(RunScreen(self.store, run_id))

    def action_delete(self) -> None:
        if run := self.current_run():
            ask_delete(self, self.store, run, self.action_reload)

    def action_label(self) -> None:
        if run := self.current_run():
            ask_label(self, self.store, run, self.action_reload)

    def action_answers(self) -> None:
        from tui.screens.answers import AnswersScreen

        if not self.picked:
            self.notify("Pick runs with space first; Answers from Home uses the latest run of each part.")
            return
        self.app.push_screen(AnswersScreen(self.store, run_ids=list(self.picked)))

    def action_back(self) -> None:
        self.app.pop_screen()
