"""Compare: every stored run in a sortable table; runs picked with space get their validation curves
overlaid in one chart and their specs set side by side, differences first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual_plotext import PlotextPlot

from engine.errors import MnistTuiError
from engine.rules import param_counts
from engine.spec import CLASSES, INPUTS, format_layers
from engine.store import RunRecord, Store
from tui.format import pct
from tui.text import literal, notify_literal

# plain characters, one per picked run, so the overlaid curves differ without colour
MARKERS = ("o", "x", "+", "*", "#", "@", "%", "&")
COLOURS = ("cyan", "orange", "green", "magenta", "red", "blue", "yellow", "white")


def _params(run: RunRecord):
    return param_counts([INPUTS, *run.spec_json.get("hidden_layers", []), CLASSES])


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    value: Callable[[RunRecord], object]  # what the column sorts by
    text: Callable[[RunRecord], str]  # what it shows
    numeric: bool = True  # numbers sort best-first (descending) when first chosen


def _num(x, fmt: str = "{:,}") -> str:
    return "-" if x is None else fmt.format(x)


# accuracies first: at 80-100 columns the table scrolls sideways and what matters most stays in view
COLUMNS = (
    Column("run", "run", lambda r: r.run_id, lambda r: str(r.run_id)),
    Column("name", "network", lambda r: r.name.lower(), lambda r: r.name, numeric=False),
    Column("status", "status", lambda r: r.status, lambda r: r.status, numeric=False),
    Column("val", "val", lambda r: r.metrics["val_accuracy"], lambda r: pct(r.metrics["val_accuracy"])),
    Column("test", "test", lambda r: r.metrics["test_accuracy"], lambda r: pct(r.metrics["test_accuracy"])),
    Column("train", "train", lambda r: r.metrics["train_accuracy"], lambda r: pct(r.metrics["train_accuracy"])),
    Column("params", "params", lambda r: _params(r).total, lambda r: f"{_params(r).total:,}"),
    Column("epochs", "epochs", lambda r: r.epochs_completed, lambda r: str(r.epochs_completed)),
    Column("spe", "s/epoch", lambda r: r.seconds_per_epoch, lambda r: _num(r.seconds_per_epoch, "{:.2f}")),
    Column("weights", "weights", lambda r: _params(r).weights, lambda r: f"{_params(r).weights:,}"),
    Column("biases", "biases", lambda r: _params(r).biases, lambda r: f"{_params(r).biases:,}"),
    Column(
        "layers",
        "hidden layers",
        lambda r: (len(r.spec_json.get("hidden_layers", [])), sum(r.spec_json.get("hidden_layers", []))),
        lambda r: format_layers(r.spec_json.get("hidden_layers", [])),
    ),
    Column("part", "part", lambda r: r.part or "", lambda r: r.part or "own", numeric=False),
)
COLUMN_KEYS = [c.key for c in COLUMNS]

# spec fields set side by side in the layers view, in reading order
SPEC_FIELDS = (
    ("hidden_layers", "hidden layers"),
    ("activation", "activation"),
    ("optimizer", "optimizer"),
    ("learning_rate", "learning rate"),
    ("momentum", "momentum"),
    ("loss", "loss"),
    ("batch_size", "batch size"),
    ("epochs", "epochs planned"),
    ("validation_fraction", "validation fraction"),
    ("seed", "seed"),
)


def sort_runs(runs: list[RunRecord], key: str, descending: bool) -> list[RunRecord]:
    """Runs ordered by a column; runs with no value in it (no evaluation yet) always go last."""
    column = COLUMNS[COLUMN_KEYS.index(key)]
    known = [r for r in runs if column.value(r) is not None]
    unknown = [r for r in runs if column.value(r) is None]
    return sorted(known, key=column.value, reverse=descending) + unknown


def _spec_value(run: RunRecord, field: str) -> str:
    value = run.spec_json.get(field)
    if field == "hidden_layers":
        layers = value or []
        return f"{len(layers)}: {format_layers(layers)}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return "-" if value is None else str(value)


def layers_diff(runs: list[RunRecord]) -> Text:
    """The picked runs' shapes (784 -> ... -> 10) and params, then each spec field: differing ones first,
    marked, and the ones they share on one line."""
    if not runs:
        return Text("Pick runs with space to see how their layers and settings differ.", style="italic")
    text = Text()
    for run, marker in zip(runs, MARKERS * 4, strict=False):
        c = _params(run)
        shape = f"{INPUTS} → {format_layers(run.spec_json.get('hidden_layers', []))} → {CLASSES}"
        text.append(f"{marker} run {run.run_id} {run.name}\n", style="bold")
        text.append(f"  {shape}\n  {c.total:,} params = {c.weights:,} weights + {c.biases:,} biases\n")
    if len(runs) < 2:
        return text
    differ, same = [], []
    for field, label in SPEC_FIELDS:
        values = [_spec_value(r, field) for r in runs]
        (same if len(set(values)) == 1 else differ).append((label, values))
    text.append("\nDiffer:\n" if differ else "\nSame spec in every picked run.\n", style="bold")
    for label, values in differ:
        text.append(f"  {label}: ", style="bold yellow")
        text.append(" | ".join(f"#{r.run_id} {v}" for r, v in zip(runs, values, strict=True)) + "\n")
    if differ and same:
        text.append("Same: ", style="bold")
        text.append("; ".join(f"{label} {values[0]}" for label, values in same) + "\n", style="dim")
    return text


class CompareScreen(Screen):
    CSS_PATH = "compare.tcss"
    AUTO_FOCUS = "#runs"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("space", "toggle_pick", "Pick"),
        Binding("o", "next_sort", "Sort by next"),
        Binding("O", "flip_sort", "Flip order", key_display="O"),
        Binding("x", "clear_picks", "Clear picks"),
        Binding("a", "answers", "Answers from picks"),
        Binding("r", "reload", "Reload", show=False),
    ]

    def __init__(self, store: Store, **kwargs) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.runs: list[RunRecord] = []
        self.picked: list[int] = []  # run ids, in the order they were picked
        self.sort_key, self.descending = "run", True
        self.plotted: list[int] = []  # run ids whose curves the chart shows (tests read it)
        self.chart_title = ""

    def compose(self) -> ComposeResult:
        yield Static(id="sort-line")
        yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="lower"):
            yield PlotextPlot(id="overlay")
            with VerticalScroll(id="diff-pane"):
                yield Static(id="diff")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column(" ", key="pick", width=1)
        for column in COLUMNS:
            table.add_column(column.label, key=column.key)
        self.query_one("#overlay").border_title = "Validation accuracy (%) by epoch"
        self.query_one("#diff-pane").border_title = "Layers and settings"
        self.action_reload()

    def on_screen_resume(self) -> None:
        self.action_reload()

    # -- content ------------------------------------------------------------------------------------------
    def action_reload(self) -> None:
        try:
            self.runs = self.store.runs()
        except MnistTuiError as exc:
            notify_literal(self, exc, severity="error")
            return
        known = {r.run_id for r in self.runs}
        self.picked = [i for i in self.picked if i in known]
        self.fill_table()
        self.show_picks()

    def fill_table(self) -> None:
        table = self.query_one(DataTable)
        current = self.current_run_id()
        table.clear()
        for run in sort_runs(self.runs, self.sort_key, self.descending):
            mark = "✓" if run.run_id in self.picked else ""
            table.add_row(mark, *(literal(c.text(run)) for c in COLUMNS), key=str(run.run_id))
        if current is not None:
            table.move_cursor(row=table.get_row_index(str(current)))
        self.show_sort_line()

    def show_sort_line(self) -> None:
        label = COLUMNS[COLUMN_KEYS.index(self.sort_key)].label
        empty = "  ·  no runs yet: train one from Home (t) or `mnist-tui train`" if not self.runs else ""
        self.query_one("#sort-line", Static).update(
            Text.assemble(
                ("Runs", "bold"),
                f" sorted by {label} {'↓' if self.descending else '↑'}  ·  {len(self.picked)} picked{empty}",
            )
        )

    def current_run_id(self) -> int | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return int(row_key.value)

    @property
    def order(self) -> list[int]:
        """Run ids in the order the table shows them."""
        table = self.query_one(DataTable)
        return [int(row.key.value) for row in table.ordered_rows]

    def picked_runs(self) -> list[RunRecord]:
        by_id = {r.run_id: r for r in self.runs}
        return [by_id[i] for i in self.picked if i in by_id]

    def show_picks(self) -> None:
        runs = self.picked_runs()
        self.query_one("#diff", Static).update(layers_diff(runs))
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        self.plotted = []
        last_epoch = 1
        for i, run in enumerate(runs):
            rows = [e for e in run.history if e.val_accuracy is not None]
            if not rows:
                continue
            plt.plot(
                [e.epoch for e in rows],
                [100 * e.val_accuracy for e in rows],
                marker=MARKERS[i % len(MARKERS)],
                color=COLOURS[i % len(COLOURS)],
            )
            self.plotted.append(run.run_id)
            last_epoch = max(last_epoch, rows[-1].epoch)
        # the key is one title line (a legend box would cover a small chart); names are in the layers pane
        by_id = {r.run_id: i for i, r in enumerate(runs)}
        key = "  ".join(f"{MARKERS[by_id[i] % len(MARKERS)]} #{i}" for i in self.plotted)
        self.chart_title = key or "pick runs with space to overlay their validation curves"
        plt.title(self.chart_title)
        plt.ylim(0, 100)
        plt.yticks([0, 20, 40, 60, 80, 100])
        step = max(1, (last_epoch + 9) // 10)
        plt.xticks(list(range(1, last_epoch + 1, step)))
        plt.xlabel("epoch")
        plot.refresh()

    # -- actions ------------------------------------------------------------------------------------------
    def action_toggle_pick(self) -> None:
        run_id = self.current_run_id()
        if run_id is None:
            return
        if run_id in self.picked:
            self.picked.remove(run_id)
        else:
            self.picked.append(run_id)
        table = self.query_one(DataTable)
        table.update_cell(str(run_id), "pick", "✓" if run_id in self.picked else "")
        if table.cursor_row < table.row_count - 1:  # like a file manager: space picks and moves on
            table.move_cursor(row=table.cursor_row + 1)
        self.show_sort_line()
        self.show_picks()

    def action_clear_picks(self) -> None:
        self.picked = []
        self.fill_table()
        self.show_picks()

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

    def action_answers(self) -> None:
        from tui.screens.answers import AnswersScreen

        if not self.picked:
            self.notify("Pick runs with space first; Answers from Home uses the latest run of each part.")
            return
        self.app.push_screen(AnswersScreen(self.store, run_ids=list(self.picked)))

    def action_back(self) -> None:
        self.app.pop_screen()
