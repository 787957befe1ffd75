"""What Compare shows of the runs picked with space: one metric of each overlaid in one chart, or their
layers and settings side by side. Plain functions of the picked records (in the order they were picked),
so the screen keeps only the picks and which metric."""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

from engine.line_charts import COLOURS, MARKERS, Series
from engine.percent import pct
from engine.spec import format_layers
from engine.store import RunRecord
from tui.compare_table import params_of
from tui.format import clip
from tui.run_summary import SPEC_FIELDS, spec_value
from tui.text import literal

# (title, attribute of an epoch, chart kind): m cycles through them
METRICS = (
    ("validation accuracy", "val_accuracy", "percent"),
    ("training accuracy", "accuracy", "percent"),
    ("validation loss", "val_loss", "loss"),
    ("training loss", "loss", "loss"),
)
EMPTY_OVERLAY = "space picks runs to overlay their curves"


def marker_of(index: int) -> str:
    return MARKERS[index % len(MARKERS)]


@dataclass(frozen=True)
class Overlay:
    series: list[Series]  # one per picked run, its marker and colour by pick order
    epochs: int  # the x axis: the longest run, planned or done
    plotted: list[int]  # run ids with at least one point of the metric


def overlay(runs: list[RunRecord], metric: int) -> Overlay:
    """The picked runs' curves of METRICS[metric], accuracies in percent."""
    _, attribute, kind = METRICS[metric]
    scale = 100 if kind == "percent" else 1
    series, plotted, epochs = [], [], 1
    for i, run in enumerate(runs):
        y = [None if v is None else scale * v for v in (getattr(e, attribute) for e in run.history)]
        series.append(
            Series(f"#{run.run_id}", [e.epoch for e in run.history], y, marker_of(i), COLOURS[i % len(COLOURS)])
        )
        if any(v is not None for v in y):
            plotted.append(run.run_id)
        epochs = max(epochs, run.epochs_planned or 0, run.epochs_completed)
    return Overlay(series, epochs if runs else 10, plotted)


def overlay_title(metric: int, drawn: Overlay, zoomed: bool) -> str:
    """The chart's border title: the metric, the range a zoomed accuracy axis was fitted to, the key."""
    title, _, kind = METRICS[metric]
    zoom = ""
    if zoomed and kind == "percent":  # say the range the axis was fitted to, or that nothing was
        shown = [v for s in drawn.series for v in s.points()[1]]
        zoom = f" fitted to {min(shown):.1f}-{max(shown):.1f}" if shown else " (zoom: no points to fit yet)"
    return f"{title.capitalize()}{' (%)' if kind == 'percent' else ''}{zoom} · m: next metric"


def layers_diff(runs: list[RunRecord]) -> Table | Text:
    """The picked runs side by side: shape, params and every setting, the settings that differ first
    (marked) and the ones they share after."""
    if not runs:
        return Text("Pick runs with space to set their layers and settings side by side.", style="italic")
    table = Table(box=None, header_style="bold", padding=(0, 1), show_edge=False)
    table.add_column("", no_wrap=True)
    for i, run in enumerate(runs):
        table.add_column(Text.assemble(f"{marker_of(i)} #{run.run_id} ", literal(clip(run.name, 14))), overflow="fold")
    table.add_row("network", *(Text(format_layers(r.spec_json.get("hidden_layers", []))) for r in runs))
    table.add_row("params", *(f"{params_of(r).total:,}" for r in runs))
    table.add_row("weights", *(f"{params_of(r).weights:,}" for r in runs))
    table.add_row("biases", *(f"{params_of(r).biases:,}" for r in runs))
    rows = [(label, [spec_value(r, field) for r in runs]) for field, label in SPEC_FIELDS if field != "hidden_layers"]
    differ = [(label, values) for label, values in rows if len(set(values)) > 1]
    same = [(label, values) for label, values in rows if len(set(values)) == 1]
    for label, values in differ:
        table.add_row(Text(f"≠ {label}", style="bold yellow"), *(Text(v, style="yellow") for v in values))
    for label, values in same:
        table.add_row(Text(label, style="dim"), *(Text(v, style="dim") for v in values))
    table.add_row("data", *(literal(r.data_source or "Keras MNIST") for r in runs))
    table.add_row("val acc", *(pct(r.metrics["val_accuracy"], "-") for r in runs))
    table.add_row("test acc", *(pct(r.metrics["test_accuracy"], "-") for r in runs))
    return table
