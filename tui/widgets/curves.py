"""Training curves: one chart of a metric by epoch, training vs validation (engine.line_charts draws it)."""

from __future__ import annotations

from typing import Literal

from engine.line_charts import history_series
from engine.store import EpochRow
from tui.widgets.chart_view import ChartView

Metric = Literal["accuracy", "loss"]


class CurvesPlot(ChartView):
    def __init__(self, metric: Metric, **kwargs) -> None:
        title = "accuracy %" if metric == "accuracy" else "loss"
        super().__init__("percent" if metric == "accuracy" else "loss", title=title, **kwargs)
        self.metric = metric
        self.beside_percent = metric == "loss"  # drawn beside the accuracy chart: the frames line up
        self.history: list[EpochRow] = []
        self.epochs = 10

    def on_mount(self) -> None:
        self.replot()

    def show(self, history: list[EpochRow], epochs: int) -> None:
        if history == self.history and max(1, epochs) == self.epochs:
            return  # progress ticks and screen switches re-send the same curves
        self.history, self.epochs = list(history), max(1, epochs)
        self.replot()

    def series(self) -> tuple[list[int], list[float], list[float]]:
        train, val = history_series(self.history, self.metric)
        return [e.epoch for e in self.history], list(train.y), list(val.y)

    def replot(self) -> None:
        self.plot(history_series(self.history, self.metric), self.epochs)
