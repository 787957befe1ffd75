"""What the sweep screen shows, from a sweep's results: the head (its progress), the best point, the
points' order in the table and the scatter's groups. Plain functions of SweepResults, no widgets."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from engine.sweep import SHORT_NAMES
from engine.sweep_chart import Group
from engine.sweep_results import METRIC_NAME, Metric, PointResult, SweepResults, duration_text
from tui.format import clip
from tui.text import literal

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


def head_text(results: SweepResults | None) -> Text:
    """Which sweep, and how far it has come: done, running, queued, failed, ETA."""
    if results is None:
        return Text.assemble(
            ("No sweep yet. ", "bold"), "Queue one with `mnist-tui sweep FILE.toml` (--dry-run lists its points)."
        )
    s = results.sweep
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
    eta = results.eta_seconds()
    if eta is not None:
        text.append(f" · ETA ~{duration_text(eta)}")
    elif p.finished:
        text.append(" · finished" if not s.cancelled else " · cancelled", style="bold")
    return text


def best_text(results: SweepResults | None, metric: Metric) -> Text:
    best = results.best(metric) if results else None
    if best is None:
        return Text("Best point: none has finished yet.", style="dim")
    text = Text.assemble(("Best so far", "bold"), f" ({METRIC_NAME[metric]}): #{best.index} ")
    text.append_text(literal(clip(best.label, 34)))
    text.append(f" · {mean_sd_text(best, metric)}% (n {best.n}) · {best.params:,} params", style="bold")
    return text
