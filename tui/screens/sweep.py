"""Sweep: one sweep as it trains. Its progress (done, running, queued, failed, ETA), a scatter of trainable
parameters (log axis) against validation or test accuracy (v) with a mark per run and a larger one per
point's mean, told apart by depth or a swept field (g); the points in a table sorted by mean accuracy
(o) with n and sd; and the best point so far.

The screen follows the app's snapshot of the store (its `live` reactive: a sweep's runs are trained by the
worker, perhaps queued from another terminal) and rebuilds only when the lineup of queued and training
runs changed, which is when a sweep's numbers can; it never imports TensorFlow. n and p step through
the sweeps, x cancels this one (its queued runs leave the queue, its running ones stop).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from engine.errors import MnistTuiError
from engine.store import Store
from engine.sweep import SHORT_NAMES
from engine.sweep_results import METRIC_NAME, Metric, SweepResults, sweep_results
from tui.format import clip
from tui.keys import BACK
from tui.screens.stored_runs import StoredRunsScreen
from tui.sweep_view import ORDERS, best_text, chart_groups, head_text, mean_sd_text, order_points
from tui.text import literal, notify_literal
from tui.widgets.footer import KeyFooter
from tui.widgets.sweep_plot import SweepPlot

LABEL_WIDTH = 26


class SweepScreen(StoredRunsScreen):
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
        BACK,
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
        self.follow_store()

    # -- reading the store --------------------------------------------------------------------------------
    def reload(self) -> None:
        try:
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
        self.query_one("#sweep-head", Static).update(head_text(self.results))
        self.query_one("#best", Static).update(best_text(self.results, self.metric))
        plot = self.query_one(SweepPlot)
        if self.results is None:
            plot.show([], "no sweep", self.full)
        else:
            by = "depth" if self.group_by == "depth" else SHORT_NAMES.get(self.group_by, self.group_by)
            title = f"{METRIC_NAME[self.metric]} % vs params (log) · means by {by}"
            plot.show(chart_groups(self.results, self.metric, self.group_by), title, self.full)
        self.fill_table()

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
