"""Part One's answers in words: parameters, validation after 10 epochs, how train and test differ from
validation (the generalisation gap, tested), the time per epoch, the learning curves that judge over- or
underfitting, each net's confusion matrix, and the wide net against the narrow one in a sentence of its own."""

from __future__ import annotations

from engine.answers import PART_ONE_NOTES, QUESTION_EPOCH, Answers, PartOneAnswer, slot_title
from engine.percent import pct
from engine.report.evidence_text import confusion_table, curves_summary, curves_table
from engine.report.format import (
    epoch_seconds,
    gap_text,
    layers_phrase,
    mean_sd,
    missing_line,
    nm,
    notes_block,
    runs_count,
    sampling_se,
    title,
)


def part_one_section(ans: Answers) -> list[str]:
    lines = ["## Part One: one hidden layer", ""]
    for a in ans.part_one:
        lines += part_one_net(a, ans)
    lines += wide_or_narrow(ans)
    return lines + notes_block(ans, PART_ONE_NOTES.key)


def part_one_net(a: PartOneAnswer, ans: Answers) -> list[str]:
    if a.net is None:
        return [f"### {slot_title(a.slot)}", "", missing_line(a.slot, ans), ""]
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
        what = " (the generalisation gap)" if split == "train" else ""
        lines.append(f"  - **{label}:** {mean_sd(s)}; {split} minus validation{what}: {gap_text(g, 'validation')}")
    lines.append(f"- **Time per epoch:** {epoch_seconds(n)}")
    lines.append(f"- **Learning curves:** {curves_summary(a.curves)}.")
    lines += ["", *curves_table(a.curves), "", *confusion_table(a.confusion, _no_matrix_why(ans, n)), ""]
    return lines


def _no_matrix_why(ans: Answers, net) -> str | None:
    why = ans.labels_missing.get(net.run.data_source or "")
    return f"the test labels could not be read ({why})" if why else None


def wide_or_narrow(ans: Answers) -> list[str]:
    """The Part One question set as one: which of the two one-hidden-layer nets did better on test."""
    v = ans.wide_vs_narrow
    lines = ["### The wide net against the narrow one", ""]
    if v is None:
        return lines + ["Cannot compare: Part One needs a run of both nets.", ""]
    w, s = v.wide, v.narrow
    lead = (
        f"{nm(w)} ({w.hidden_layers[0]} units, {w.params.total:,} parameters) scored "
        f"{mean_sd(w.accuracy('test'))} on test and {nm(s)} ({s.hidden_layers[0]} units, {s.params.total:,} "
        f"parameters) {mean_sd(s.accuracy('test'))}"
    )
    if v.test_gap is None:
        return lines + [lead + "; no test accuracy to compare.", ""]
    g = v.test_gap
    if not g.seeds_measured and (w.n < 2 or s.n < 2):
        verdict = (
            f"On test the wide net shows {gap_text(g, 'the narrow one')}. With {runs_count(min(w.n, s.n))} of a "
            "net the seed-to-seed spread is unknown, so this compares two trained models, and the two networks "
            "cannot be ranked on it: train both with `--repeats 3`."
        )
    elif g.measurable:
        better, worse = (w, s) if g.diff > 0 else (s, w)
        shown = g if better is w else _flip(g)
        which = "wide" if better is w else "narrow"
        verdict = f"The {which} net is better on test: {nm(better)} is {gap_text(shown, nm(worse))}."
    else:
        verdict = f"Neither is measurably better on test: the wide net shows {gap_text(g, 'the narrow one')}."
    return lines + [f"{lead}. {verdict}", ""]


def _flip(g):
    from dataclasses import replace

    return replace(g, diff=-g.diff, discordant=tuple(reversed(g.discordant)) if g.discordant else None)
