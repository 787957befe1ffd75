"""One run described for a person: its spec and every hyperparameter, data, environment, status and why,
final accuracies, the per-epoch table and the per-layer gradients over epochs.

Rich renderables only (no Textual), so the run screen and `mnist-tui show` print the same thing. Stored
text (labels, notes, names, errors, paths) goes in through tui.text.literal, never as markup.
"""

from __future__ import annotations

from pydantic import BaseModel
from rich.table import Table
from rich.text import Text

from engine.part_filter import PartFilter, resolve_part
from engine.percent import pct
from engine.spec import NetworkSpec, count_params, format_layers, settings_of, shape_text
from engine.status import RunStatus
from engine.store import RunRecord
from tui.text import literal

# lists hide these unless asked to show all
HIDDEN_BY_DEFAULT = (RunStatus.FAILED, RunStatus.CANCELLED, RunStatus.INTERRUPTED)


def filter_runs(
    runs: list[RunRecord], part: str | PartFilter | None, status: RunStatus | None, show_all: bool
) -> list[RunRecord]:
    """The runs a list shows (Compare, `mnist-tui runs`): one part (an exercise part 1-3 or its name, a preset
    part or id, 'own': runs of no part; engine/part_filter.py), one status, and the failed, cancelled and
    interrupted ones only when asked for (or when their status is asked for). An unknown part: SpecError."""
    wanted = part
    if isinstance(part, str):
        wanted = resolve_part(part, {r.preset for r in runs} | {r.part for r in runs if r.part})
    out = []
    for r in runs:
        if wanted is not None and not wanted.matches(r.part, r.preset):
            continue
        if status is not None and r.status != status:
            continue
        if status is None and not show_all and r.status in HIDDEN_BY_DEFAULT:
            continue
        out.append(r)
    return out


STATUS_STYLE = {
    RunStatus.COMPLETED: "green",
    RunStatus.RUNNING: "bold",
    RunStatus.CANCELLED: "yellow",
    RunStatus.INTERRUPTED: "yellow",
}


def spec_rows(model: type[BaseModel] = NetworkSpec) -> tuple[tuple[str, str], ...]:
    """The settings in the spec's own order, each with its title as the row's label."""
    return tuple((name, (model.model_fields[name].title or name).lower()) for name in settings_of(model))


SPEC_FIELDS = spec_rows()


def spec_value(run: RunRecord, field: str) -> str:
    value = run.spec_json.get(field)
    if field == "hidden_layers":
        layers = value or []
        return f"{len(layers)}: {format_layers(layers)}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return "-" if value is None else str(value)


def params_text(run: RunRecord) -> str:
    layers = run.spec_json.get("hidden_layers", [])
    c = count_params(layers)
    return f"{shape_text(layers)}   {c.total:,} params = {c.weights:,} weights + {c.biases:,} biases"


def title_text(run: RunRecord) -> Text:
    text = Text.assemble((f"Run {run.run_id} ", "bold"), literal(run.name, "bold"))
    text.append("  ")
    text.append(run.status, style=STATUS_STYLE.get(run.status, "red"))
    text.append(f"  · {run.part or 'own'} · preset ", style="dim")
    text.append_text(literal(run.preset, "dim"))
    return text


def _line(text: Text, label: str, value: object) -> None:
    text.append(f"{label:<20}", style="bold")
    text.append_text(value if isinstance(value, Text) else literal(value))
    text.append("\n")


def summary_text(run: RunRecord) -> Text:
    text = Text()
    _line(text, "status", Text(run.status, style=STATUS_STYLE.get(run.status, "red")))
    if run.error:
        _line(text, "reason", literal(run.error, "red"))
    if run.label:
        _line(text, "label", run.label)
    if run.note:
        _line(text, "note", run.note)
    if run.kind != "exercise":
        _line(text, "kind", f"{run.kind} (never answers the exercise)")
    m = run.metrics
    _line(
        text,
        "evaluated accuracy",
        f"train {pct(m.get('train_accuracy'), '-')} · val {pct(m.get('val_accuracy'), '-')}"
        f" · test {pct(m.get('test_accuracy'), '-')} (final model)",
    )
    losses = zip(("train", "val", "test"), (m.get(k) for k in ("train_loss", "val_loss", "test_loss")), strict=True)
    _line(text, "evaluated loss", " · ".join(f"{n} {_num(v, '.4f')}" for n, v in losses))
    epochs = f"{run.epochs_completed} of {run.epochs_planned or '?'}"
    if run.seconds_per_epoch:
        epochs += f" · {run.seconds_per_epoch:.2f} s/epoch"
    if run.first_epoch_seconds:
        epochs += f" (first {run.first_epoch_seconds:.2f} s)"
    _line(text, "epochs trained", epochs)
    text.append("\n")
    _line(text, "network", params_text(run))
    spec_name = run.spec_json.get("name")
    if spec_name:
        _line(text, "spec name", spec_name)
    if run.spec_json.get("description"):
        _line(text, "description", run.spec_json["description"])
    for field, label in SPEC_FIELDS:
        _line(text, label, spec_value(run, field))
    text.append("\n")
    _line(text, "data", run.data_source or "Keras MNIST")
    sizes = run.sizes or {}
    counts = [sizes.get(k) for k in ("train", "validation", "test")]
    _line(text, "sizes", " / ".join(f"{n:,}" if isinstance(n, int) else "?" for n in counts) + "  (train / val / test)")
    env = " · ".join(x for x in (run.backend, run.device, run.host) if x) or "-"
    _line(text, "environment", env)
    if run.versions:
        _line(text, "versions", " · ".join(f"{k} {v}" for k, v in sorted(run.versions.items())))
    _line(text, "started", run.started_at or "-")
    _line(text, "finished", run.finished_at or "-")
    return text


def _num(x: float | None, fmt: str) -> str:
    return "-" if x is None else format(x, fmt)


def epochs_table(run: RunRecord) -> Table | Text:
    if not run.history:
        return Text("No epoch finished.", style="dim")
    table = Table(box=None, header_style="bold", padding=(0, 1), title_justify="left")
    # loss and accuracy of an epoch are its running means over the batches (Keras's logs)
    for header in ("epoch", "mean loss", "mean acc", "val loss", "val acc", "seconds"):
        table.add_column(header, justify="right", no_wrap=True)
    for e in run.history:
        table.add_row(
            str(e.epoch),
            _num(e.loss, ".4f"),
            pct(e.accuracy, "-"),
            _num(e.val_loss, ".4f"),
            pct(e.val_accuracy, "-"),
            _num(e.seconds, ".2f"),
        )
    return table


def gradient_columns(width: int) -> int:
    """How many epoch columns of the gradients table fit `width` cells (a layer name, then 9 per epoch)."""
    return max(2, (width - 10) // 9)


def gradients_table(run: RunRecord, max_epochs: int = 8) -> Table | Text:
    """Mean |dL/dW| of each layer (rows) by epoch (columns): the vanishing-gradient evidence. When more
    epochs have gradients than columns fit, the first, the last and evenly spaced ones between are shown."""
    rows = [e for e in run.history if e.gradients]
    if not rows:
        return Text("No gradients recorded for this run.", style="dim")
    caption = None
    if len(rows) > max_epochs:
        step = (len(rows) - 1) / (max_epochs - 1)
        caption = f"{max_epochs} of {len(rows)} epochs shown: the first, the last and evenly between (wider: more)"
        rows = [rows[round(i * step)] for i in range(max_epochs)]
    layers = max(len(e.gradients or []) for e in rows)
    table = Table(box=None, header_style="bold", padding=(0, 1), caption=caption, caption_justify="left")
    table.add_column("layer", no_wrap=True)
    for e in rows:
        table.add_column(f"ep {e.epoch}", justify="right", no_wrap=True)
    for layer in range(layers):
        name = "output" if layer == layers - 1 else f"dense {layer + 1}"
        cells = [f"{e.gradients[layer]:.1e}" if e.gradients and layer < len(e.gradients) else "-" for e in rows]
        table.add_row(name, *cells)
    return table
