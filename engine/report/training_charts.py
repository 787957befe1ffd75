"""The training charts of the export, drawn by engine/line_charts.py (the same rules as every chart in the app:
accuracy on a fixed 0-100% axis, x over the planned epochs, every series visible, legend above the plot),
as plain text with no terminal codes."""

from __future__ import annotations

from engine.answers import Answers, Net
from engine.line_charts import gap_series, history_series, line_chart
from engine.percent import pct
from engine.report.format import ANSI_ESCAPE, title

CHART_WIDTH, CHART_HEIGHT = 66, 18  # fits an 80-column terminal with the Markdown widget's margins


GAP_HEIGHT = 12


def training_chart(net: Net, width: int = CHART_WIDTH, height: int = CHART_HEIGHT, metric: str = "accuracy") -> str:
    """Train vs validation per epoch of the net's first run, as plain text: accuracy (0-100%), loss (from 0)
    or, for metric "gap", train minus validation accuracy in points at a scale where it shows."""
    history = net.run.history
    epochs = net.epochs_planned or (history[-1].epoch if history else 1)
    if metric == "gap":
        chart = line_chart(gap_series(history), width, height, epochs=epochs, kind="points")
    else:
        kind = "percent" if metric == "accuracy" else "loss"
        chart = line_chart(history_series(history, metric), width, height, epochs=epochs, kind=kind)
    return "\n".join(line.rstrip() for line in ANSI_ESCAPE.sub("", chart.plain()).splitlines())


def charts_section(ans: Answers) -> list[str]:
    lines = ["## Training charts (per epoch: accuracy, loss, and the train - validation gap)", ""]
    if not ans.all_nets:
        return lines + ["No runs to chart.", ""]
    for n in ans.all_nets:
        run = n.run
        which = f"run {run.run_id}, seed {run.spec_json.get('seed')}"
        if n.n > 1:
            which += f"; the other {n.n - 1} repeat{'s' * (n.n > 2)} are in the tables"
        lines += [f"### {title(n)}", "", f"Charts of {which}.", ""]
        lines += ["Accuracy (%):", "", "```text", training_chart(n), "```", ""]
        lines += ["Loss (categorical cross-entropy):", "", "```text", training_chart(n, metric="loss"), "```", ""]
        lines += [
            "Train minus validation accuracy (percentage points; its own scale, so a small gap shows):",
            "",
            "```text",
            training_chart(n, height=GAP_HEIGHT, metric="gap"),
            "```",
            "",
        ]
        last = run.history[-1] if run.history else None
        if last:
            lines += [
                f"After epoch {last.epoch}: train {pct(last.accuracy)}, validation {pct(last.val_accuracy)}; "
                f"loss {last.loss:.4f} and {last.val_loss:.4f} (train is the running mean over the epoch, as "
                "Keras reports it)."
                if last.loss is not None and last.val_loss is not None
                else f"After epoch {last.epoch}: train {pct(last.accuracy)}, validation {pct(last.val_accuracy)} "
                "(train is the running mean over the epoch, as Keras reports it).",
                "",
            ]
    return lines
