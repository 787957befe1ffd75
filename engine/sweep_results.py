"""A sweep's runs gathered by point: each point's parameters, depth and accuracies (mean, sd, n over its
seeds), the best point so far, and how long the rest should take. The sweep screen, `mnist-tui sweeps`
and the answers all read a sweep through here, so they agree on every figure.

A run counts towards its point once it has completed with a final evaluation; a failed, diverged,
cancelled or running run is counted in the progress but gives no accuracy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from engine.spec import NetworkSpec, count_params
from engine.stats import Summary, summarize
from engine.status import RunStatus
from engine.store import RunRecord, Store
from engine.store.sweeps import SweepRecord
from engine.sweep import point_of_group, value_text

Metric = Literal["val", "test"]
METRIC_KEY = {"val": "val_accuracy", "test": "test_accuracy"}
METRIC_NAME = {"val": "validation", "test": "test"}


@dataclass(frozen=True)
class PointResult:
    index: int
    label: str
    values: dict
    hidden_layers: tuple[int, ...]
    runs: tuple[RunRecord, ...]  # its completed runs, oldest first

    @property
    def params(self) -> int:
        return count_params(self.hidden_layers).total

    @property
    def depth(self) -> int:
        return len(self.hidden_layers)

    @property
    def n(self) -> int:
        return len(self.runs)

    def accuracies(self, metric: Metric) -> list[float]:
        return [v for r in self.runs if (v := r.metrics.get(METRIC_KEY[metric])) is not None]

    def summary(self, metric: Metric) -> Summary | None:
        return summarize(self.accuracies(metric))

    def mean(self, metric: Metric) -> float | None:
        s = self.summary(metric)
        return s.mean if s else None

    def group(self, by: str) -> str:
        """What tells this point's marks apart on the chart: its depth, or its value of a swept field."""
        if by == "depth":
            return str(self.depth)
        return value_text(by, self.values.get(by, "?"))


@dataclass(frozen=True)
class SweepResults:
    sweep: SweepRecord
    points: tuple[PointResult, ...]
    runs: tuple[RunRecord, ...]  # every run of the sweep, any status

    def measured(self, metric: Metric) -> list[PointResult]:
        """Points with at least one accuracy."""
        return [p for p in self.points if p.accuracies(metric)]

    def best(self, metric: Metric) -> PointResult | None:
        done = self.measured(metric)
        return max(done, key=lambda p: (p.mean(metric), -p.index)) if done else None

    @property
    def group_fields(self) -> list[str]:
        """Ways to tell marks apart: depth, then every swept field but the layers themselves."""
        return ["depth", *(f for f in self.sweep.swept if f not in ("hidden_layers", "depth"))]

    def run_seconds(self) -> float | None:
        """Mean wall time of a finished run of this sweep (start to end, compile included)."""
        spans = [s for r in self.runs if r.status == RunStatus.COMPLETED and (s := _span(r)) is not None]
        return sum(spans) / len(spans) if spans else None

    def eta_seconds(self) -> float | None:
        """The runs still to go at the pace so far, as many at once as run now."""
        prog = self.sweep.progress
        per_run = self.run_seconds()
        if per_run is None or prog.finished:
            return None
        return per_run * (prog.queued + prog.running) / max(1, prog.running)


def sweep_results(store: Store, sweep_id: int) -> SweepResults | None:
    sweep = store.sweeps.get(sweep_id)
    if sweep is None:
        return None
    return results_of(sweep, store.runs(sweep=sweep_id))


def results_of(sweep: SweepRecord, runs: list[RunRecord]) -> SweepResults:
    runs = sorted(runs, key=lambda r: r.run_id)
    by_point: dict[int, list[RunRecord]] = {}
    for run in runs:
        index = point_of_group(run.repeat_group, sweep.sweep_id)
        if index is not None and run.status == RunStatus.COMPLETED:
            by_point.setdefault(index, []).append(run)
    points = []
    for p in sweep.point_list:
        layers = _layers(p)
        if layers is None:
            continue
        points.append(
            PointResult(
                p["index"],
                str(p.get("label", "")),
                dict(p.get("values", {})),
                layers,
                tuple(by_point.get(p["index"], [])),
            )
        )
    return SweepResults(sweep, tuple(points), tuple(runs))


def _layers(point: dict) -> tuple[int, ...] | None:
    try:
        return tuple(NetworkSpec(**point["spec"]).hidden_layers)
    except Exception:  # a point stored by another version: left out rather than breaking the sweep
        return None


def _span(run: RunRecord) -> float | None:
    try:
        return (datetime.fromisoformat(run.finished_at) - datetime.fromisoformat(run.started_at)).total_seconds()
    except (TypeError, ValueError):
        return None


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = round(seconds)
    if seconds < 90:
        return f"{seconds}s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"
