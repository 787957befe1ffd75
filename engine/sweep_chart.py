"""A sweep's scatter as text: trainable parameters (log axis) against accuracy, one small mark per run and
a larger one for each point's mean, groups (depth, or a swept field's value) told apart by marker and
colour. Drawn with plotext like every other chart (engine/line_charts.py) and by the same rules: each layer is
drawn alone and merged here, so two groups in one cell show OVERLAP instead of one hiding the other; the
legend is a line above the plot; with nothing to draw the chart says so.

The y axis fits the data by default (a sweep's points often sit within a few points of each other, which
0-100% would squash into one row); `full=True` draws 0-100%. The axis labels say which it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import plotext

from engine.chart_axes import Axis, choose_axis
from engine.line_charts import (
    COLOURS,
    FRAME_AND_LABELS,
    MARKERS,
    OVERLAP,
    OVERLAP_STYLE,
    PLOTEXT_LOCK,
    Chart,
    wrap_legend,
)

RUN_MARK = "·"
NO_RUNS = "no finished run yet"


@dataclass(frozen=True)
class Group:
    name: str
    runs: Sequence[tuple[int, float]] = field(default_factory=tuple)  # (params, accuracy in %)
    means: Sequence[tuple[int, float]] = field(default_factory=tuple)


def params_text(n: float) -> str:
    """25,450 -> '25k', 1,200,000 -> '1.2M': axis labels that fit."""
    for scale, unit in ((1e6, "M"), (1e3, "k")):
        if n >= scale:
            return f"{n / scale:.3g}{unit}"
    return f"{n:.3g}"


def log_ticks(low: float, high: float, width: int) -> list[float]:
    """Parameter counts at 1, 2 and 5 times a power of ten between 10**low and 10**high, thinned to what
    the width holds (each label takes about 7 columns); a narrow range gets its two ends as well."""
    room = max(2, width // 7)

    def at(steps) -> list[float]:
        decades = range(math.floor(low) - 1, math.ceil(high) + 1)
        return [t for k in decades for m in steps if low <= (t := math.log10(m * 10**k)) <= high]

    for steps in ((1, 2, 5), (1, 3), (1,)):
        if 2 <= len(ticks := at(steps)) <= room:
            return ticks
    inside = at((1, 2, 5))
    return [low, *inside, high] if len(inside) == 1 and room >= 3 else [low, high]


def labelled_axis(low: float, high: float, rows: int, fixed: bool) -> Axis:
    """engine.line_charts' axis, giving up a row or two when that buys a middle label: a scatter is read by its
    y labels more than a curve is."""
    axis = choose_axis(low, high, rows, fixed=fixed)
    for fewer in range(rows - 1, max(rows - 3, 2), -1):
        if len(axis.ticks) >= 3:
            break
        axis = choose_axis(low, high, fewer, fixed=fixed)
    return axis if len(axis.ticks) >= 3 else choose_axis(low, high, rows, fixed=fixed)


def scatter_chart(
    groups: Sequence[Group], width: int, height: int, full: bool = False, title: str = "", empty: str = NO_RUNS
) -> Chart:
    width, height = max(width, 24), max(height, 7)
    colours = [COLOURS[i % len(COLOURS)] for i in range(len(groups))]
    markers = [MARKERS[i % len(MARKERS)] for i in range(len(groups))]
    points = [(p, a) for g in groups for p, a in (*g.runs, *g.means)]
    legend = _legend(groups, markers, colours, bool(points), empty, title)
    lines = wrap_legend(legend, width)
    rows = height - len(lines) - FRAME_AND_LABELS
    xs = [math.log10(max(p, 1)) for p, _ in points] or [4.0, 5.0]
    ys = [a for _, a in points]
    x_low, x_high = min(xs), max(xs)
    pad = max(0.05 * (x_high - x_low), 0.08)
    x_low, x_high = x_low - pad, x_high + pad
    low, high = (0.0, 100.0) if full or not ys else (max(0.0, min(ys) - 0.5), min(100.0, max(ys) + 0.5))
    axis = labelled_axis(low, high, rows, fixed=full or not ys)
    plot_height = axis.intervals + 1 + FRAME_AND_LABELS
    frame = (width, plot_height, axis, x_low, x_high, log_ticks(x_low, x_high, width - 6))
    with PLOTEXT_LOCK:
        base = _build(*frame, None)
        run_layers = [_build(*frame, (g.runs, RUN_MARK)) if g.runs else None for g in groups]
        mean_layers = [_build(*frame, (g.means, markers[i])) if g.means else None for i, g in enumerate(groups)]
    base = [line.ljust(width)[:width] for line in base]
    chars = [list(line) for line in base]
    owners: list[list[int | None]] = [[None] * width for _ in base]
    n = len(groups)
    means_clashed: set[tuple[int, int]] = set()  # a mean covers runs, never another group's mean
    for offset, layers in ((0, run_layers), (n, mean_layers)):
        for i, layer in enumerate(layers):
            if layer is None:
                continue
            for r, line in enumerate(layer[: len(base)]):
                for c, ch in enumerate(line.ljust(width)[:width]):
                    if ch == base[r][c]:
                        continue
                    mine, there = offset + i, owners[r][c]
                    if mine < n:
                        clash = there is not None and there != mine
                    else:
                        clash = (r, c) in means_clashed or there is not None and there >= n and there != mine
                        if clash:
                            means_clashed.add((r, c))
                    owners[r][c] = -1 if clash else mine
                    chars[r][c] = OVERLAP if clash else ch
    if any(-1 in row for row in owners) and points:
        lines = wrap_legend([*legend, ("  ", ""), (OVERLAP, OVERLAP_STYLE), (" overlap", "dim")], width)
    styles = [*colours, *(f"bold {c}" for c in colours)]
    pad_rows = max(0, height - len(lines) - len(base))
    all_lines, all_owners = [], []
    for pieces in lines:
        text, row = "", []
        for piece, style in pieces:
            text += piece
            if style:
                styles.append(style)
                row += [len(styles) - 1] * len(piece)
            else:
                row += [None] * len(piece)
        all_lines.append(text.ljust(width)[:width])
        all_owners.append((row + [None] * width)[:width])
    all_lines += [" " * width] * pad_rows + ["".join(row) for row in chars]
    all_owners += [[None] * width for _ in range(pad_rows)] + owners
    return Chart(all_lines, all_owners, styles, legend)


def _legend(groups, markers, colours, has_data: bool, empty: str, title: str) -> list[tuple[str, str]]:
    pieces: list[tuple[str, str]] = [(f"{title}: " if has_data else f"{title} · ", "bold")] if title else []
    if not has_data:
        return [*pieces, (empty, "italic")]
    for i, g in enumerate(groups):
        if i:
            pieces.append(("  ", ""))
        pieces += [(markers[i], f"bold {colours[i]}"), (f" {g.name}", colours[i])]
    return [*pieces, ("  ", ""), (RUN_MARK, "dim"), (" one run", "dim")]  # the group markers are the means


def _build(width, height, axis, x_low, x_high, ticks, data) -> list[str]:
    plotext.clear_figure()
    plotext.limitsize(False, False)
    plotext.plotsize(width, height)
    plotext.theme("clear")
    plotext.plot([x_low], [axis.low], marker=" ")  # the frame and ticks even with no data
    if data is not None:
        pairs, marker = data
        plotext.scatter([math.log10(max(p, 1)) for p, _ in pairs], [a for _, a in pairs], marker=marker)
    plotext.ylim(axis.low, axis.high)
    plotext.xlim(x_low, x_high)
    plotext.yticks(axis.ticks, [f"{t:g}" for t in axis.ticks])
    plotext.xticks(ticks, [params_text(10**t) for t in ticks])
    return plotext.uncolorize(plotext.build()).splitlines()
