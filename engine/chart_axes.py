"""Where a text chart's ticks go, so a chart never misleads: a y axis whose every canvas row is an exact
value with labels on round values at least two rows apart (a flat 11% curve is flat and sits between the
0 and 20 labels), and epoch labels that fit the width, always the first and the last. Drawn by
engine/line_charts.py and engine/sweep_chart.py."""

from __future__ import annotations

import math
from dataclasses import dataclass

NICE = (1.0, 2.0, 2.5, 5.0)  # a tick step is one of these times a power of ten


@dataclass(frozen=True)
class Axis:
    low: float
    high: float
    step: float  # between labelled ticks
    intervals: int  # canvas rows - 1: every row is high-low / intervals apart

    @property
    def ticks(self) -> list[float]:
        n = round((self.high - self.low) / self.step)
        return [self.low + i * self.step for i in range(n + 1)]


def choose_axis(low: float, high: float, rows: int, fixed: bool = False, intervals: int | None = None) -> Axis:
    """The y axis for data between low and high on at most `rows` canvas rows: ticks on round values at
    least two rows apart, and a canvas height (intervals + 1 <= rows) that puts every row on an exact value.
    fixed=True keeps low and high as given (accuracy 0-100). intervals: prefer a canvas of exactly that
    many intervals when one exists (a chart drawn beside another keeps its height)."""
    rows = max(rows, 2)
    if high <= low:
        high = low + (abs(low) * 0.1 or 1.0)
    best: tuple[tuple, Axis] | None = None
    magnitude = 10 ** math.floor(math.log10(high - low))
    for scale in (magnitude / 10, magnitude, magnitude * 10):
        for nice in NICE:
            step = nice * scale
            bottom = low if fixed else math.floor(low / step + 1e-9) * step
            top = high if fixed else math.ceil(high / step - 1e-9) * step
            ticks = (top - bottom) / step
            if fixed and abs(ticks - round(ticks)) > 1e-6:
                continue
            ticks = max(1, round(ticks))
            if ticks > 10:
                continue
            gap = (rows - 1) // ticks if ticks > 1 else rows - 1
            if gap < 2 and ticks > 1:
                continue
            # most canvas rows (finer rows put a value nearer its true height), yet a middle label is worth
            # half a row (up to three of them); then the tightest range, then more labels
            score = (ticks * gap + 0.5 * min(ticks, 4), -(top - bottom), ticks)
            axis = Axis(bottom, top, step, ticks * gap)
            if intervals is not None:
                score = (axis.intervals == intervals, *score)
            if best is None or score > best[0]:
                best = (score, axis)
    if best is None:  # too few rows for two labels: just the ends
        return Axis(low, high, high - low, rows - 1)
    return best[1]


def x_ticks(last: int, width: int) -> list[int]:
    """Epoch labels that fit, always the first and the last (planned) epoch: every epoch when there is
    room, else 1 and every 2nd, 5th, 10th... epoch."""
    label = len(str(last)) + 2
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        ticks = [1, *range(step, last + 1, step)] if step > 1 else list(range(1, last + 1))
        ticks = sorted(set(ticks))
        if ticks[-1] != last:
            if last - ticks[-1] < step / 2 and len(ticks) > 1:
                ticks[-1] = last  # too close to squeeze both in
            else:
                ticks.append(last)
        if len(ticks) * label <= max(width, label):
            return ticks
    return [1, last]


def tick_label(value: float) -> str:
    return f"{value:g}" if abs(value) >= 0.01 or value == 0 else f"{value:.1e}"
