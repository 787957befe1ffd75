"""Training curves: one plotext chart of a metric by epoch, training vs validation, with a legend."""

from __future__ import annotations

from typing import Literal

from rich.text import Text
from textual.app import RenderResult
from textual_plotext import PlotextPlot

from engine.events import EpochEnd

Metric = Literal["accuracy", "loss"]
# plain characters so the chart reads over any SSH terminal and font; the two lines differ without colour
MARKERS = {"train": "*", "validation": "o"}


class CurvesPlot(PlotextPlot):
    def __init__(self, metric: Metric, **kwargs) -> None:
        super().__init__(**kwargs)
        self.metric = metric
        self.history: list[EpochEnd] = []
        self.epochs = 10
        self._version = 0  # bumped by replot(): the cached drawing below is stale
        self._drawn: tuple[tuple, Text] | None = None

    def on_mount(self) -> None:
        super().on_mount()
        self.replot()

    def show(self, history: list[EpochEnd], epochs: int) -> None:
        if history == self.history and max(1, epochs) == self.epochs:
            return  # progress ticks and screen switches re-send the same curves
        self.history, self.epochs = list(history), max(1, epochs)
        if self.is_mounted:
            self.replot()

    def render(self) -> RenderResult:
        """plotext rebuilds the whole chart in Python on every paint (tens of ms): reuse the last drawing
        until the data, the size or the theme changes, so switching screens mid-epoch stays quick."""
        key = (self._version, self.size, self.app.theme, self.theme)
        if self._drawn is None or self._drawn[0] != key:
            self._drawn = (key, super().render())
        return self._drawn[1]

    def series(self) -> tuple[list[int], list[float], list[float]]:
        x = [e.epoch for e in self.history]
        if self.metric == "accuracy":
            return x, [100 * e.accuracy for e in self.history], [100 * e.val_accuracy for e in self.history]
        return x, [e.loss for e in self.history], [e.val_loss for e in self.history]

    def replot(self) -> None:
        self._version += 1
        plt = self.plt
        plt.clear_figure()
        plt.title("accuracy (%) by epoch" if self.metric == "accuracy" else "loss by epoch")
        x, train, val = self.series()
        if x:
            plt.plot(x, train, label="train", marker=MARKERS["train"], color="cyan")
            plt.plot(x, val, label="validation", marker=MARKERS["validation"], color="orange")
            values = [v for v in train + val if v == v]  # NaN-free
            if values:
                lo, hi = min(values), max(values)
                span = (hi - lo) or max(abs(hi) * 0.1, 1e-3)  # a single point still gets an axis with height
                # headroom at the top keeps the legend (top left) off the lines
                top = hi + 0.35 * span
                if self.metric == "accuracy":
                    top = min(top, 100.0)  # nothing is more accurate than 100%
                plt.ylim(lo - 0.05 * span, top)
        plt.xlim(1, max(2, self.epochs))
        step = max(1, self.epochs // 10)
        plt.xticks(list(range(1, self.epochs + 1, step)))
        self.refresh()
