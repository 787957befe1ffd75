"""`mnist-tui show RUN`: one run in full, as the run screen shows it (text charts included), or --json, or
--csv (the per-epoch table as Keras's CSVLogger writes it)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from engine.errors import MnistTuiError
from engine.status import RunStatus

if TYPE_CHECKING:
    from engine.store import RunRecord, Store


def find_run(store: Store, run_id: int) -> RunRecord:
    run = store.get_run(run_id)
    if run is None:
        raise MnistTuiError(f"no run {run_id} in {store.path} (see mnist-tui runs --all)")
    return run


def finished_confusion(store: Store, record: RunRecord) -> list[list[int]] | None:
    """10x10 counts over the test set, rows = true digit, once the run finished with an evaluation."""
    if record.status == RunStatus.RUNNING or record.metrics.get("test_accuracy") is None:
        return None
    from engine.confusion import run_confusion

    return run_confusion(record.extra, store.predictions(record.run_id), record.data_source)


def add_arguments(parser) -> None:
    parser.add_argument("run", type=int, metavar="RUN", help="a run id (see mnist-tui runs)")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="the run with its per-epoch history as JSON")
    out.add_argument(
        "--csv", action="store_true", help="the per-epoch table with Keras CSVLogger's columns (epoch from 0)"
    )


def run(args, store: Store, console) -> int:
    record = find_run(store, args.run)
    if args.json:
        data = record.as_json()
        confusion = finished_confusion(store, record)
        if confusion is not None:
            data["confusion"] = confusion
        print(json.dumps(data, indent=2))
        return 0
    if args.csv:
        from engine.takeout.csv_table import csv_text

        sys.stdout.write(csv_text(record))
        return 0
    from rich.rule import Rule

    from tui.run_summary import epochs_table, gradient_columns, gradients_table, summary_text, title_text

    width = min(console.width, 100)
    console.print(title_text(record), width=width)
    console.print(summary_text(record), width=width)
    epochs = record.epochs_planned or record.epochs_completed or 1
    for metric, kind in (("accuracy", "percent"), ("loss", "loss")):
        console.print(Rule(f"{metric} by epoch", align="left"), width=width)
        from engine.line_charts import history_series, line_chart

        console.print(line_chart(history_series(record.history, metric), width, 14, epochs, kind).text())
    console.print(Rule("per epoch", align="left"), width=width)
    console.print(epochs_table(record), width=width)
    console.print(Rule("mean |dL/dW| per layer", align="left"), width=width)
    console.print(gradients_table(record, gradient_columns(width)), width=width)
    return 0
