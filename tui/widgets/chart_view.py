"""A chart of series by epoch, drawn by engine.line_charts at the widget's size.

The drawing is kept until the series, the size or the zoom change: switching screens mid-epoch repaints
without rebuilding (`builds` counts the real rebuilds).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from engine.line_charts import NO_EPOCH_YET, Kind, Series, line_chart


class ChartView(Widget):
    DEFAULT_CSS = """
    ChartView {
        width: 1fr;
        height: 1fr;
    }
    """

    def __init__(self, kind: Kind = "percent", empty: str = NO_EPOCH_YET, title: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.kind: Kind = kind
        self.title = title  # leads the legend line (for a chart without a border title)
        self.empty = empty  # shown while there is no point to draw
        self.series_shown: list[Series] = []
        self.epochs = 10
        self.zoom = False
        self.builds = 0
        self.version = 0
        self.drawn: tuple[tuple, Text] | None = None
        self.plain_text = ""  # the last drawing without colour (tests and snapshots read it)
        self.beside_percent = False  # a loss chart beside an accuracy chart: same plot height when it can

    def plot(self, series: Sequence[Series], epochs: int, kind: Kind | None = None, empty: str | None = None) -> None:
        self.series_shown, self.epochs = list(series), max(1, epochs)
        if kind is not None:
            self.kind = kind
        if empty is not None:
            self.empty = empty
        self.version += 1
        self.refresh()

    def set_zoom(self, zoom: bool) -> None:
        self.zoom = zoom
        self.version += 1
        self.refresh()

    def render(self) -> RenderResult:
        key = (self.version, self.size)
        if self.drawn is None or self.drawn[0] != key:
            chart = line_chart(
                self.series_shown,
                self.size.width,
                self.size.height,
                self.epochs,
                self.kind,
                self.zoom,
                self.empty,
                self.title,
                self.beside_percent and self.kind == "loss",
            )
            self.builds += 1
            self.plain_text = chart.plain()
            self.drawn = (key, chart.text())
        return self.drawn[1]
