"""The sweep's scatter of accuracy against parameters, drawn at the widget's size (engine/sweep_chart.py)."""

from __future__ import annotations

from rich.text import Text
from textual.app import RenderResult
from textual.widget import Widget

from engine.sweep_chart import Group, scatter_chart


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
