"""The training charts of the export, drawn by engine/charts.py (the same rules as every chart in the app:
accuracy on a fixed 0-100% axis, x over the planned epochs, every series visible, legend above the plot),
as plain text with no terminal codes."""

from __future__ import annotations

from engine.answers import Answers, Net
from engine.charts import history_series, line_chart
from engine.report.format import ANSI_ESCAPE, pct, title

CHART_WIDTH, CHART_HEIGHT = 66, 18  # fits an 80-column terminal with the Markdown widget's margins


def training_chart(net: Net, width: int = CHART_WIDTH, height: int = CHART_HEIGHT) -> str:
    """Train vs validation accuracy per epoch of the net's first run, as plain text."""
    history = net.run.history
    epochs = net.epochs_planned or (history[-1].epoch if history else 1)
    chart = line_chart(history_series(history, "accuracy"), width, height, epochs=epochs, kind="percent")
    return "\n".join(line.rstrip() for line in ANSI_ESCAPE.sub("", chart.plain()).splitlines())


def charts_section(ans: Answers) -> list[str]:
    lines = ["## Training charts (accuracy per epoch, train and validation)", ""]
    if not ans.all_nets:
        return lines + ["No runs to chart yet.", ""]
    for n in ans.all_nets:
        run = n.run
        which = f"run {run.run_id}, seed {run.spec_json.get('seed')}"
        if n.n > 1:
            which += f"; the other {n.n - 1} repeat{'s' * (n.n > 2)} are in the tables"
        lines += [f"### {title(n)}", "", f"Chart of {which}.", "", "```text", training_chart(n), "```", ""]
        last = run.history[-1] if run.history else None
        if last:
            lines += [
                f"After epoch {last.epoch}: train {pct(last.accuracy)}, validation {pct(last.val_accuracy)} "
                "(train is the running mean over the epoch, as Keras reports it).",
                "",
            ]
    return lines
