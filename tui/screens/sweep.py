"""Sweep: one sweep as it trains. Its progress (done, running, queued, failed, ETA), a scatter of trainable
parameters (log axis) against validation or test accuracy (v) with a mark per run and a larger one per
point's mean, told apart by depth or a swept field (g); the points in a table sorted by mean accuracy
(o) with n and sd; and the best point so far.

The screen polls the store (a sweep's runs are trained by the worker, perhaps started from another
terminal) and rebuilds only when the store changed; it never imports TensorFlow. n and p step through
the sweeps, x cancels this one (its queued runs leave the queue, its running ones stop).
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Static

from engine.errors import MnistTuiError
from engine.store import Store
from engine.sweep import SHORT_NAMES
from engine.sweep_chart import Group, scatter_chart
from engine.sweep_results import METRIC_NAME, Metric, PointResult, SweepResults, duration_text, sweep_results
from tui.format import clip
from tui.text import literal, notify_literal
from tui.widgets.footer import KeyFooter

POLL_SECONDS = 1.0
LABEL_WIDTH = 26
ORDERS = ("mean ↓", "mean ↑", "params ↑", "point")


def mean_sd_text(point: PointResult, metric: Metric) -> str:
    s = point.summary(metric)
    if s is None:
        return "-"
    return f"{100 * s.mean:.2f}" if s.sd is None else f"{100 * s.mean:.2f} ± {100 * s.sd:.2f}"


def order_points(points: list[PointResult], order: str, metric: Metric) -> list[PointResult]:
    """Points in the table's order; a point with no accuracy yet goes last whatever the order."""
    if order == "point":
        return sorted(points, key=lambda p: p.index)
    if order == "params ↑":
        return sorted(points, key=lambda p: (p.params, p.index))
    known = [p for p in points if p.mean(metric) is not None]
    rest = [p for p in points if p.mean(metric) is None]
    known.sort(key=lambda p: (p.mean(metric), -p.index), reverse=order == "mean ↓")
    return known + sorted(rest, key=lambda p: p.index)


def chart_groups(results: SweepResults, metric: Metric, by: str) -> list[Group]:
    """One group per depth (or per value of the field `by`), each with its runs and its points' means."""
    groups: dict[str, Group] = {}
    name = "depth" if by == "depth" else SHORT_NAMES.get(by, by)
    for point in sorted(results.points, key=lambda p: (p.depth, p.index) if by == "depth" else p.index):
        values = point.accuracies(metric)
        key = point.group(by)
        g = groups.setdefault(key, Group(f"{name} {key}", [], []))
        g.runs.extend((point.params, 100 * v) for v in values)
        if values:
            g.means.append((point.params, 100 * sum(values) / len(values)))
    return list(groups.values())


class SweepPlot(Widget):
    """The scatter at the widget's size, rebuilt only when the data, the size or the axis change."""

    DEFAULT_CSS = """
    SweepPlot {
        width: 1fr;
        height: 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.groups: list[Group] = []
        self.title = ""
        self.full = False
        self.version = 0
        self.drawn: tuple[tuple, Text] | None = None
        self.plain_text = ""  # the last drawing without colour, as a reader of the screen sees it

    def show(self, groups: list[Group], title: str, full: bool) -> None:
        self.groups, self.title, self.full = groups, title, full
        self.version += 1
        self.refresh()

    def render(self) -> RenderResult:
        key = (self.version, self.size)
        if self.drawn is None or self.drawn[0] != key:
            chart = scatter_chart(self.groups, self.size.width, self.size.height, self.full, self.title)
            self.plain_text = chart.plain()
            self.drawn = (key, chart.text())
        return self.drawn[1]


class SweepScreen(Screen):
    DEFAULT_CSS = """
    SweepScreen {
        layout: vertical;
    }
    SweepScreen #sweep-head {
        height: 2;
        padding: 0 1;
    }
    SweepScreen SweepPlot {
        min-height: 8;
    }
    SweepScreen #best {
        height: 1;
        padding: 0 1;
    }
    SweepScreen #points {
        height: auto;
        max-height: 30%;
        min-height: 3;
    }
    """
    AUTO_FOCUS = "#points"
    BINDINGS = [
        Binding("escape,backspace", "back", "Back", key_display="esc"),
        Binding("v", "toggle_metric", "Val/test", tooltip="Plot and sort by validation or test accuracy"),
        Binding("g", "next_group", "Marks by", tooltip="Tell marks apart by depth or by a swept field"),
        Binding("o", "next_order", "Order", tooltip="Sort the points by mean accuracy (down, up), params, index"),
        Binding("f", "toggle_full", "0-100%", tooltip="Accuracy axis: fitted to the data, or 0-100%"),
        Binding("n", "step_sweep(-1)", "Newer sweep", show=False),
        Binding("p", "step_sweep(1)", "Older sweep", show=False),
        Binding("x", "cancel_sweep", "Cancel sweep", show=False, tooltip="Stop its running runs, drop its queued"),
    ]

    def __init__(self, store: Store, sweep_id: int | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.store = store
        self.sweep_id = sweep_id
        self.results: SweepResults | None = None
        self.metric: Metric = "test"
        self.group_by = "depth"
        self.order = ORDERS[0]
        self.full = False
        self.seen_version: int | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="sweep-head")
        yield SweepPlot(id="scatter")
        yield Static(id="best")
        yield DataTable(id="points", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in (("index", "#"), ("label", "point"), ("params", "params"), ("n", "n")):
            table.add_column(label, key=key)
        table.add_column("val % (sd)", key="val")
        table.add_column("test % (sd)", key="test")
        self.reload()
        self.set_interval(POLL_SECONDS, self.poll)

    def on_screen_resume(self) -> None:
        self.reload()

    # -- reading the store --------------------------------------------------------------------------------
    def poll(self) -> None:
        """Read again only when another process committed to the store since the last look."""
        try:
            version = self.store.data_version()
        except MnistTuiError:
            return
        if version != self.seen_version:
            self.reload()

    def reload(self) -> None:
        try:
            self.seen_version = self.store.data_version()
            sweeps = self.store.sweeps.all()
            if self.sweep_id is None and sweeps:
                self.sweep_id = sweeps[0].sweep_id
            self.results = sweep_results(self.store, self.sweep_id) if self.sweep_id is not None else None
        except MnistTuiError as exc:
            notify_literal(self, exc, severity="error")
            return
        if self.results is not None and self.group_by not in self.results.group_fields:
            self.group_by = "depth"
        self.show()

    # -- drawing ------------------------------------------------------------------------------------------
    def show(self) -> None:
        self.query_one("#sweep-head", Static).update(self.head_text())
        self.query_one("#best", Static).update(self.best_text())
        plot = self.query_one(SweepPlot)
        if self.results is None:
            plot.show([], "no sweep", self.full)
        else:
            by = "depth" if self.group_by == "depth" else SHORT_NAMES.get(self.group_by, self.group_by)
            title = f"{METRIC_NAME[self.metric]} % vs params (log) · means by {by}"
            plot.show(chart_groups(self.results, self.metric, self.group_by), title, self.full)
        self.fill_table()

    def head_text(self) -> Text:
        if self.results is None:
            return Text.assemble(
                ("No sweep yet. ", "bold"), "Queue one with `mnist-tui sweep FILE.toml` (--dry-run lists its points)."
            )
        s = self.results.sweep
        text = Text.assemble((f"Sweep {s.sweep_id}: ", "bold"), literal(clip(s.name, 30), "bold"))
        text.append(f" · {s.kind} · {s.points} points x {s.seeds} seeds")
        if s.file:
            text.append_text(literal(f" · {clip(Path(s.file).name, 24)}", "dim"))
        p = s.progress
        text.append("\n")
        text.append(f"{p.done}/{p.planned} done", style="bold")
        text.append(f" · {p.running} running · {p.queued} queued · {p.failed} failed")
        if p.cancelled:
            text.append(f" · {p.cancelled} cancelled")
        eta = self.results.eta_seconds()
        if eta is not None:
            text.append(f" · ETA ~{duration_text(eta)}")
        elif p.finished:
            text.append(" · finished" if not s.cancelled else " · cancelled", style="bold")
        return text

    def best_text(self) -> Text:
        best = self.results.best(self.metric) if self.results else None
        if best is None:
            return Text("Best point: none has finished yet.", style="dim")
        text = Text.assemble(("Best so far", "bold"), f" ({METRIC_NAME[self.metric]}): #{best.index} ")
        text.append_text(literal(clip(best.label, 34)))
        text.append(f" · {mean_sd_text(best, self.metric)}% (n {best.n}) · {best.params:,} params", style="bold")
        return text

    def fill_table(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        if self.results is None:
            return
        for p in order_points(list(self.results.points), self.order, self.metric):
            table.add_row(
                str(p.index),
                literal(clip(p.label, LABEL_WIDTH)),
                f"{p.params:,}",
                str(p.n),
                mean_sd_text(p, "val"),
                mean_sd_text(p, "test"),
                key=str(p.index),
            )

    @property
    def table_order(self) -> list[int]:
        """Point indices in the order the table shows them."""
        return [int(row.key.value) for row in self.query_one(DataTable).ordered_rows]

    # -- actions ------------------------------------------------------------------------------------------
    def action_toggle_metric(self) -> None:
        self.metric = "val" if self.metric == "test" else "test"
        self.show()

    def action_next_group(self) -> None:
        fields = self.results.group_fields if self.results else ["depth"]
        self.group_by = fields[(fields.index(self.group_by) + 1) % len(fields)] if self.group_by in fields else "depth"
        self.show()

    def action_next_order(self) -> None:
        self.order = ORDERS[(ORDERS.index(self.order) + 1) % len(ORDERS)]
        self.fill_table()

    def action_toggle_full(self) -> None:
        self.full = not self.full
        self.show()

    def action_step_sweep(self, step: int) -> None:
        ids = [s.sweep_id for s in self.store.sweeps.all()]  # newest first
        if not ids:
            return
        at = ids.index(self.sweep_id) if self.sweep_id in ids else 0
        self.sweep_id = ids[max(0, min(len(ids) - 1, at + step))]
        self.reload()

    def action_cancel_sweep(self) -> None:
        from tui.screens.dialogs import ConfirmDialog

        if self.results is None or self.results.sweep.progress.finished:
            self.notify("Nothing of this sweep is queued or training.")
            return
        sweep_id = self.results.sweep.sweep_id

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                removed, stopping = self.store.sweeps.cancel(sweep_id)
            except MnistTuiError as exc:
                notify_literal(self, exc, severity="error")
                return
            self.notify(f"Sweep {sweep_id}: {removed} queued run(s) dropped, {stopping} stopping.")
            self.reload()

        self.app.push_screen(ConfirmDialog(f"Cancel sweep {sweep_id}? Its finished runs are kept."), answered)

    def action_back(self) -> None:
        self.app.pop_screen()
