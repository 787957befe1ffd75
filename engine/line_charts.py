"""Line charts of metrics by epoch, as text: the training screen, the run screen, Compare and the markdown
export all draw through here so every chart follows the same rules.

The rules, so a chart never misleads:
- accuracy sits on a fixed 0-100% axis (zoom=True fits the data instead; callers keep it off by default),
  loss starts at 0;
- the y axis uses only rows whose value is exact (the plot height is trimmed so each row is a whole step),
  and labelled rows are never adjacent, so a flat 11% curve is flat and sits between the 0 and 20 labels;
- the x axis spans the planned epochs, so curves grow left to right as training goes;
- every series has its own marker and colour; plotext draws each series alone and the layers are merged
  here, so where two series share a cell the cell shows OVERLAP instead of one hiding the other;
- the legend (with each series' last value) is a line above the plot, never on top of the curves;
- with no data yet the chart says so ("waiting for epoch 1").

plotext keeps one global figure, so building is serialised with a lock (the answers screen builds its
markdown in a thread). No Textual here: `Chart.text()` is a rich Text a widget can show, `plain()` is for
markdown.

Where the ticks go (a y axis of exact rows, epoch labels that fit) is engine/chart_axes.py.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import plotext
from rich.text import Text

from engine.chart_axes import Axis, choose_axis, tick_label, x_ticks

# plain characters so a chart reads over any terminal and font, in colour or not
MARKERS = ("o", "x", "+", "*", "~", "^", "%", "&")
COLOURS = ("cyan", "dark_orange", "green", "magenta", "red", "dodger_blue1", "yellow", "white")
OVERLAP = "#"  # two or more series in the same cell
OVERLAP_STYLE = "bold bright_white"
NO_EPOCH_YET = "waiting for epoch 1"
TRAIN_SERIES = "train (epoch mean)"  # an epoch's running mean over its batches, not the final evaluation
Kind = Literal["percent", "loss", "points"]  # points: a signed difference in percentage points
FRAME_AND_LABELS = 3  # plotext's top and bottom frame lines and the x tick labels around the canvas

_lock = threading.Lock()
PLOTEXT_LOCK = _lock  # held by every module that draws with plotext's one global figure (engine/sweep_chart.py)


class EpochLike(Protocol):
    epoch: int
    loss: float | None
    accuracy: float | None
    val_loss: float | None
    val_accuracy: float | None


@dataclass(frozen=True)
class Series:
    name: str
    x: Sequence[float]
    y: Sequence[float | None]  # None (or NaN): no value at that epoch, the point is left out
    marker: str | None = None
    colour: str | None = None

    def points(self) -> tuple[list[float], list[float]]:
        pairs = [(x, y) for x, y in zip(self.x, self.y, strict=False) if y is not None and math.isfinite(y)]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    @property
    def last(self) -> float | None:
        _, ys = self.points()
        return ys[-1] if ys else None


@dataclass
class Chart:
    """The chart as rows of characters and, per cell, which series drew it (None: axes or blank, -1: overlap)."""

    lines: list[str]
    owners: list[list[int | None]]
    styles: list[str]  # colour per series
    legend: list[tuple[str, str]] = field(default_factory=list)  # (text, style) pieces of the legend line(s)

    def plain(self) -> str:
        return "\n".join(line.rstrip() for line in self.lines)

    def text(self) -> Text:
        out = Text()
        for n, (line, owners) in enumerate(zip(self.lines, self.owners, strict=True)):
            if n:
                out.append("\n")
            start = 0
            while start < len(line):  # runs of cells with one owner become one styled span
                owner, end = owners[start], start + 1
                while end < len(line) and owners[end] == owner:
                    end += 1
                style = "" if owner is None else OVERLAP_STYLE if owner == -1 else self.styles[owner]
                out.append(line[start:end], style=style)
                start = end
        return out


def history_series(history: Sequence[EpochLike], metric: Literal["accuracy", "loss"]) -> list[Series]:
    """Training and validation ("val", short so a legend fits a small chart) of one metric from a run's
    epochs (accuracy in percent). The training value of an epoch is the mean over its batches as the weights
    moved (what Keras logs), not an evaluation of the final model: the legend says so, since screens that
    show this chart also show the final evaluation."""
    x = [e.epoch for e in history]
    if metric == "accuracy":
        train = [None if e.accuracy is None else 100 * e.accuracy for e in history]
        val = [None if e.val_accuracy is None else 100 * e.val_accuracy for e in history]
    else:
        train = [e.loss for e in history]
        val = [e.val_loss for e in history]
    return [Series(TRAIN_SERIES, x, train, "*", "cyan"), Series("val", x, val, "o", "dark_orange")]


def gap_series(history: Sequence[EpochLike]) -> list[Series]:
    """Train minus validation accuracy per epoch, in percentage points (the generalisation gap)."""
    x = [e.epoch for e in history]
    gaps = [
        None if e.accuracy is None or e.val_accuracy is None else 100 * (e.accuracy - e.val_accuracy) for e in history
    ]
    return [Series("train - val", x, gaps, "*", "magenta")]


def _number(value: float, kind: Kind) -> str:
    if kind == "points":
        return f"{value:+.2f} pp"
    return f"{value:.1f}%" if kind == "percent" else f"{value:.4g}"


def line_chart(
    series: Sequence[Series],
    width: int,
    height: int,
    epochs: int,
    kind: Kind = "percent",
    zoom: bool = False,
    empty: str = NO_EPOCH_YET,
    title: str = "",
    beside_percent: bool = False,
) -> Chart:
    """Draw the series into width x height cells; x runs over epochs 1..epochs (the planned count).
    `empty` is the line shown while no series has a point; `title` leads the legend line. beside_percent: a
    loss chart drawn beside an accuracy chart of the same size takes its plot height when it can, so the
    two frames line up."""
    width, height = max(width, 20), max(height, 6)
    styles = [s.colour or COLOURS[i % len(COLOURS)] for i, s in enumerate(series)]
    markers = [s.marker or MARKERS[i % len(MARKERS)] for i, s in enumerate(series)]
    drawn = [(i, *s.points()) for i, s in enumerate(series)]
    drawn = [(i, xs, ys) for i, xs, ys in drawn if xs]
    legend = _legend(series, markers, styles, kind, bool(drawn), empty)
    if title:  # what the chart shows, first on the legend line
        legend = [(f"{title}: " if drawn else f"{title} · ", "bold"), *legend]
    overlap_note = [("  ", ""), (OVERLAP, OVERLAP_STYLE), (" overlap", "dim")]
    # room for the overlap note is kept whenever two series are drawn, so the plot never outgrows the height
    legend_lines = wrap_legend(legend + overlap_note if len(drawn) > 1 else legend, width)
    last_epoch = max([epochs, 1, *(max(xs) for _, xs, _ in drawn)])
    values = [y for _, _, ys in drawn for y in ys]
    rows = height - len(legend_lines) - FRAME_AND_LABELS
    if kind == "percent" and not zoom:
        axis = choose_axis(0.0, 100.0, rows, fixed=True)
    elif kind == "percent":
        axis = choose_axis(max(0.0, min(values, default=0.0)), min(100.0, max(values, default=100.0)), rows)
    elif kind == "points":  # a signed gap: the axis spans zero and the data, at the data's own scale
        axis = choose_axis(min(0.0, min(values, default=0.0)), max(0.0, max(values, default=1.0)), rows)
    else:
        like = choose_axis(0.0, 100.0, rows, fixed=True).intervals if beside_percent else None
        axis = choose_axis(0.0, max(values, default=1.0), rows, intervals=like)
    plot_height = axis.intervals + 1 + FRAME_AND_LABELS
    x_max = max(2, last_epoch)

    with _lock:
        base = _build(width, plot_height, axis, x_max, None)
        layers = [(i, _build(width, plot_height, axis, x_max, (xs, ys, markers[i]))) for i, xs, ys in drawn]
    lines = [line.ljust(width)[:width] for line in base]
    owners: list[list[int | None]] = [[None] * width for _ in lines]
    chars = [list(line) for line in lines]
    for i, layer in layers:
        for r, line in enumerate(layer[: len(lines)]):
            line = line.ljust(width)[:width]
            for c, ch in enumerate(line):
                if ch != lines[r][c]:
                    owners[r][c] = i if owners[r][c] is None else -1
                    chars[r][c] = ch if owners[r][c] == i else OVERLAP
    if any(-1 in row for row in owners):
        legend = legend + overlap_note
    legend_lines = wrap_legend(legend, width)
    pad = max(0, height - len(legend_lines) - len(lines))  # rows the exact axis left unused go on top
    head = [("".join(t for t, _ in line), line) for line in legend_lines]
    all_lines = [h[0].ljust(width)[:width] for h in head] + [" " * width] * pad + ["".join(row) for row in chars]
    all_owners: list[list[int | None]] = []
    legend_styles = list(styles)
    for _, pieces in head:
        row: list[int | None] = []
        for piece, style in pieces:
            if style:
                legend_styles.append(style)
                row.extend([len(legend_styles) - 1] * len(piece))
            else:
                row.extend([None] * len(piece))
        all_owners.append((row + [None] * width)[:width])
    all_owners += [[None] * width for _ in range(pad)] + owners
    return Chart(all_lines, all_owners, legend_styles, legend)


def _legend(series, markers, styles, kind: Kind, has_data: bool, empty: str) -> list[tuple[str, str]]:
    if not has_data:
        return [(empty, "italic")]
    pieces: list[tuple[str, str]] = []
    for i, s in enumerate(series):
        if pieces:
            pieces.append(("  ", ""))
        last = s.last
        pieces.append((markers[i], f"bold {styles[i]}"))
        pieces.append((f" {s.name}" + ("" if last is None else f" {_number(last, kind)}"), styles[i]))
    return pieces


def wrap_legend(pieces: list[tuple[str, str]], width: int) -> list[list[tuple[str, str]]]:
    """Legend pieces on as many lines as the width needs; a marker stays with its name (every chart's legend,
    the sweep's scatter too). A group wider than the chart is cut at its width."""
    lines: list[list[tuple[str, str]]] = [[]]
    used = 0
    groups: list[list[tuple[str, str]]] = []
    for piece in pieces:
        if piece[0] == "  " or not groups:
            groups.append([])
        groups[-1].append(piece)
    for group in groups:
        size = sum(len(t) for t, _ in group)
        if used and used + size > width:
            lines.append([])
            used = 0
            group = [p for p in group if p[0] != "  "]
            size = sum(len(t) for t, _ in group)
        lines[-1].extend(group)
        used += size
    return [_clip(line, width) for line in lines]


def _clip(pieces: list[tuple[str, str]], width: int) -> list[tuple[str, str]]:
    out, used = [], 0
    for text, style in pieces:
        text = text[: max(0, width - used)]
        if text:
            out.append((text, style))
            used += len(text)
    return out


def _build(width: int, height: int, axis: Axis, x_max: int, data) -> list[str]:
    plotext.clear_figure()
    plotext.limitsize(False, False)  # else plotext shrinks the chart to the terminal it runs in
    plotext.plotsize(width, height)
    plotext.theme("clear")
    # an invisible point makes plotext draw the frame and ticks even with no series
    plotext.plot([1], [axis.low], marker=" ")
    if data is not None:
        xs, ys, marker = data
        plotext.plot(list(xs), list(ys), marker=marker)
    plotext.ylim(axis.low, axis.high)
    plotext.xlim(1, x_max)
    ticks = axis.ticks
    plotext.yticks(ticks, [tick_label(t) for t in ticks])
    plotext.xticks(x_ticks(x_max, width - 6))
    return plotext.uncolorize(plotext.build()).splitlines()
