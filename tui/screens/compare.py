"""Compare: stored runs in a sortable table that fits 80 columns; runs picked with space have one metric
(m cycles train/val accuracy/loss) overlaid in one chart, or (v) their layers and settings side by side.
The answers (a) are built from exactly the runs picked. enter opens a run; d deletes, l labels it.
Failed, cancelled and interrupted runs are hidden until h; p and f filter by part and status.

What the screen shows follows from four reactive attributes (the runs read, the picks, the table's view:
its sort and filters, the metric): an action sets one, and its watcher redraws what depends on it. The runs
are read again when a run starts or ends anywhere (StoredRunsScreen). The table's columns live in
tui/compare_table.py, the picks' chart and side-by-side in tui/compare_picks.py.
"""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.reactive import var
from textual.widgets import DataTable, Static

from engine.errors import MnistTuiError
from engine.store import RunRecord, Store
from tui.compare_picks import EMPTY_OVERLAY, METRICS, layers_diff, overlay, overlay_title
from tui.compare_table import COLUMN_KEYS, COLUMNS, TableView
from tui.keys import BACK
from tui.screens.run import ask_delete, ask_label
from tui.screens.stored_runs import StoredRunsScreen
from tui.text import literal, notify_literal
from tui.widgets.chart_view import ChartView
from tui.widgets.footer import KeyFooter


class CompareScreen(StoredRunsScreen):
    CSS_PATH = "compare.tcss"
    AUTO_FOCUS = "#runs"
    BINDINGS = [
        BACK,
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

    # every watcher below draws; none runs before on_mount reads the runs (init=False)
    all_runs: var[list[RunRecord]] = var(list, init=False, always_update=True)  # read again: draw again
    picked: var[list[int]] = var(list, init=False)  # run ids, in the order they were picked
    table_view: var[TableView] = var(TableView, init=False)  # the sort and the filters
    metric = var(0, init=False)  # index into METRICS

    def __init__(self, store: Store, **kwargs) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.runs: list[RunRecord] = []  # the ones the table shows
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
        for each in COLUMNS:
            table.add_column(each.label, key=each.key)
        self.query_one("#diff-pane").border_title = "Layers and settings (v: chart)"
        self.query_one("#diff-pane").display = False
        self.reload()
        self.follow_store()

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        try:
            self.all_runs = self.store.runs()
        except MnistTuiError as exc:
            notify_literal(self, exc, severity="error")

    # -- watchers: each state change redraws what shows it -----------------------------------------------
    def watch_all_runs(self, runs: list[RunRecord]) -> None:
        known = {r.run_id for r in runs}
        # a deleted run leaves the picks; set quietly, as everything is drawn again just below
        self.set_reactive(CompareScreen.picked, [i for i in self.picked if i in known])
        self.fill_table()
        self.show_picks()

    def watch_picked(self, before: list[int], after: list[int]) -> None:
        table = self.query_one(DataTable)
        for run_id in set(before) ^ set(after):
            if str(run_id) in table.rows:
                table.update_cell(str(run_id), "pick", "✓" if run_id in after else "")
        self.show_sort_line()
        self.show_picks()

    def watch_table_view(self) -> None:
        self.fill_table()

    def watch_metric(self) -> None:
        self.show_picks()

    # -- drawing ------------------------------------------------------------------------------------------

    def fill_table(self) -> None:
        table = self.query_one(DataTable)
        current = self.current_run_id()
        self.runs = self.table_view.shown(self.all_runs)
        table.clear()
        for run in self.runs:
            mark = "✓" if run.run_id in self.picked else ""
            table.add_row(mark, *(literal(c.text(run)) for c in COLUMNS), key=str(run.run_id))
        if current is not None and str(current) in table.rows:
            table.move_cursor(row=table.get_row_index(str(current)))
        self.show_sort_line()

    def show_sort_line(self) -> None:
        self.query_one("#sort-line", Static).update(self.table_view.line(self.all_runs, len(self.picked)))

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
        chart = self.query_one("#overlay", ChartView)
        drawn = overlay(runs, self.metric)
        self.plotted = drawn.plotted
        chart.plot(drawn.series, drawn.epochs, METRICS[self.metric][2], empty=EMPTY_OVERLAY)
        chart.border_title = overlay_title(self.metric, drawn, chart.zoom)

    # -- actions ------------------------------------------------------------------------------------------
    def action_toggle_pick(self) -> None:
        """Picks or unpicks the highlighted run; the cursor stays (↓ moves on)."""
        run_id = self.current_run_id()
        if run_id is not None:
            self.picked = [i for i in self.picked if i != run_id] if run_id in self.picked else [*self.picked, run_id]

    def action_clear_picks(self) -> None:
        self.picked = []

    def action_next_metric(self) -> None:
        self.metric = (self.metric + 1) % len(METRICS)

    def action_zoom(self) -> None:
        chart = self.query_one("#overlay", ChartView)
        chart.set_zoom(not chart.zoom)
        self.show_picks()

    def action_toggle_view(self) -> None:
        chart, diff = self.query_one("#overlay"), self.query_one("#diff-pane")
        chart.display, diff.display = not chart.display, chart.display

    def action_toggle_hidden(self) -> None:
        self.table_view = replace(self.table_view, show_hidden=not self.table_view.show_hidden)

    def action_next_part(self) -> None:
        self.table_view = self.table_view.next_part()

    def action_next_status(self) -> None:
        self.table_view = self.table_view.next_status()

    def action_next_sort(self) -> None:
        self.table_view = self.table_view.next_sort()

    def action_flip_sort(self) -> None:
        self.table_view = self.table_view.flipped()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        """A click on a header sorts by it; a second click on the same one flips the order."""
        key, view = event.column_key.value, self.table_view
        if key in COLUMN_KEYS:
            self.table_view = view.flipped() if key == view.sort_key else view.sorted_by(key)

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
