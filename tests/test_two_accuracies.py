"""Two training accuracies are never shown unlabelled side by side: an epoch's running mean over its batches
(the charts' legend, the per-epoch lines and table) and the final model evaluated on the whole split (the
summary and the end line). Both say which they are, on the screens and in the CLI."""

from __future__ import annotations

from known_runs import add_run

from engine.events import EpochEnd
from engine.line_charts import history_series
from tui.cli import main
from tui.commands.common import end_line, epoch_line
from tui.run_view import RunView


def test_the_chart_legend_says_epoch_mean_and_the_result_says_evaluated(store):
    run_id = add_run(store, "part1-small", [48], train=0.9913, val=0.97, test=0.968, epochs=3)
    run = store.get_run(run_id)
    train, _ = history_series(run.history, "accuracy")
    assert train.name == "train (epoch mean)"
    assert "evaluated train 99.13%" in RunView(None, run, None).result_text()


def test_the_cli_labels_both(store, capsys):
    run_id = add_run(store, "part1-small", [48], train=0.9913, val=0.97, test=0.968, epochs=3)
    assert main(["show", str(run_id), "--store", str(store.path)]) == 0
    out = capsys.readouterr().out
    assert "train (epoch mean)" in out  # the chart's legend
    assert "evaluated accuracy" in out and "train 99.13%" in out and "(final model)" in out
    assert "mean acc" in out  # the per-epoch table's header
    e = EpochEnd(1, 0.1, 0.986, 0.2, 0.97, 1.0)
    assert "acc 98.60% (epoch mean)" in epoch_line(e, 10)
    assert "final model evaluated: train 99.13%" in end_line(5, "completed", 10, 0.9913, 0.97, 0.968)
