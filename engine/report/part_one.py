"""Part One's answers in words: parameters, validation after 10 epochs, how train and test differ from
validation (sized, or no measurable difference), and the time per epoch."""

from __future__ import annotations

from engine.answers import QUESTION_EPOCH, Answers, PartOneAnswer, slot_title
from engine.report.format import (
    epoch_seconds,
    gap_text,
    layers_phrase,
    mean_sd,
    missing_line,
    notes_block,
    pct,
    sampling_se,
    title,
)


def part_one_section(ans: Answers) -> list[str]:
    lines = ["## Part One: one hidden layer", ""]
    for a in ans.part_one:
        lines += part_one_net(a)
    return lines + notes_block(ans, "part1")


def part_one_net(a: PartOneAnswer) -> list[str]:
    if a.net is None:
        return [f"### {slot_title(a.slot)}", "", missing_line(a.slot), ""]
    n, c = a.net, a.net.params
    lines = [f"### {title(n)}: {layers_phrase(n)}", ""]
    lines += [
        f"- **Total trainable parameters:** {c.total:,}",
        f"  - **Weights:** {c.weights:,}",
        f"  - **Biases:** {c.biases:,}",
    ]
    at10 = a.val_at_question_epoch
    if at10 is not None and at10.n == n.n:
        lines.append(
            f"- **Validation accuracy after {QUESTION_EPOCH} epochs:** {mean_sd(at10)}; "
            f"{sampling_se(at10, n.split_size('val'))}"
        )
    else:
        last = n.run.history[-1] if n.run.history else None
        seen = f" (after epoch {last.epoch}: {pct(last.val_accuracy)})" if last else ""
        lines.append(
            f"- **Validation accuracy after {QUESTION_EPOCH} epochs:** not measured: "
            f"{'a run' if n.n > 1 else 'this run'} trained only {n.epochs_completed} "
            f"epoch{'s' * (n.epochs_completed != 1)}{seen}"
        )
    val = n.accuracy("val")
    if n.epochs_completed != QUESTION_EPOCH and val is not None:
        lines.append(
            f"  - The comparisons below are of the final model after {n.epochs_completed} epochs, whose "
            f"validation accuracy is {mean_sd(val)}."
        )
    for split, label, g in (("train", "Training data", a.train_gap), ("test", "Test data", a.test_gap)):
        s = n.accuracy(split)
        if g is None or s is None:
            lines.append(f"  - **{label}:** n/a (the run has no final evaluation)")
            continue
        lines.append(f"  - **{label}:** {mean_sd(s)}: {gap_text(g, 'validation')}")
    lines.append(f"- **Time per epoch:** {epoch_seconds(n)}")
    return lines + [""]
