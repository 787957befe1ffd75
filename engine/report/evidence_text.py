"""Evidence every part shows the same way: each run's learning-curve facts with the judgement they carry,
and a net's confusion matrix with its per-class recall."""

from __future__ import annotations

from engine.answers.curves import FALL, RISE, CurveFacts
from engine.answers.paired import NetConfusion
from engine.report.format import cell_mean_sd, table


def curves_table(curves: tuple[CurveFacts, ...]) -> list[str]:
    if not curves:
        return ["No learning curve to judge: the runs recorded fewer than three epochs."]
    rows = [
        [
            f.run_id,
            f"{f.best_val_epoch} ({f.best_val_accuracy * 100:.2f})",
            f"{f.val_loss_min:.4f} (epoch {f.val_loss_min_epoch})",
            " → ".join(f"{v:.4f}" for v in f.last_val_losses),
            f"{f.trend * 100:+.1f}%",
            f.judgement,
        ]
        for f in curves
    ]
    lines = table(
        [
            "Run",
            "Best validation epoch (%)",
            "Validation-loss minimum",
            "Last 3 epochs' validation loss",
            "Trend",
            "Judgement",
        ],
        rows,
    )
    return lines + ["", judgement_rule()]


def judgement_rule() -> str:
    return (
        f"(*Overfitting*: the validation loss ended over {RISE:.0%} above its minimum, reached before the last "
        f"three epochs, while the training loss kept falling; *still learning*: it fell by over {FALL:.0%} over "
        "the last three epochs; *plateaued*: neither.)"
    )


def curves_summary(curves: tuple[CurveFacts, ...]) -> str:
    """'still learning in 3 of 3 runs' or 'plateaued in 2 of 3 runs, still learning in 1'."""
    if not curves:
        return "not judged (fewer than three epochs)"
    counts: dict[str, int] = {}
    for f in curves:
        counts[f.judgement] = counts.get(f.judgement, 0) + 1
    parts = sorted(counts.items(), key=lambda kv: -kv[1])
    first, *rest = parts
    text = f"{first[0]} in {first[1]} of {len(curves)} run{'s' * (len(curves) > 1)}"
    return text + "".join(f", {j} in {k}" for j, k in rest)


def confusion_table(c: NetConfusion | None, missing_why: str | None = None) -> list[str]:
    if c is None:
        why = missing_why or "its runs kept no test predictions (made before the app stored them)"
        return [f"No confusion matrix: {why}."]
    rows = []
    for d, row in enumerate(c.matrix):
        rows.append([f"**{d}**", *row, sum(row), cell_mean_sd(c.recall[d])])
    totals = [sum(col) for col in zip(*c.matrix, strict=True)]
    rows.append(["all", *totals, sum(totals), ""])
    over = "" if c.runs_with_matrix == 1 else f", mean ± sd over {c.runs_with_matrix} runs"
    head = (
        f"Confusion matrix of run {c.run_id} on the test set (rows: the true digit, columns: the digit predicted) "
        f"and per-class recall in % (the share of each digit's images predicted right{over}):"
    )
    return [head, "", *table(["true / predicted", *map(str, range(10)), "images", "recall %"], rows)]
