"""Part Three's answers in words: the goal with its noise, Part Three beside each Part One net (learning
rate, epochs, parameters, time, overfitting gap), the best net on test and the epochs question."""

from __future__ import annotations

from engine.answers import GOAL, PART_THREE_NOTES, QUESTION_EPOCH, Answers, PartThreeAnswer
from engine.answers.parts import GoalSplit
from engine.percent import pct
from engine.report.evidence_text import confusion_table, curves_summary, curves_table
from engine.report.format import (
    cell_mean_sd,
    epoch_seconds,
    gap_text,
    layers_phrase,
    mean_sd,
    missing_line,
    net_gap_text,
    nm,
    notes_block,
    pp,
    runs_count,
    size_pp,
    table,
    test_details,
    title,
)
from engine.rules import PART_THREE, PART_THREE_LAYERS


def part_three_section(ans: Answers) -> list[str]:
    p = ans.part_three
    lines = [f"## Part Three: {PART_THREE_LAYERS} hidden layers or more, over {GOAL:.0%}", ""]
    if p.net is None:
        lines += [missing_line(PART_THREE, ans), ""]
    else:
        n = p.net
        lines += [f"### {title(n)}: {layers_phrase(n)}", ""]
        lines.append(
            f"- **Trainable parameters:** {n.params.total:,} ({n.params.weights:,} weights, {n.params.biases:,} biases)"
        )
        for g in p.goal:
            label = "Validation accuracy" if g.split == "val" else "Test accuracy"
            lines.append(f"- **{label}:** {mean_sd(g.summary)}: {goal_words(g, n.split_size(g.split))}")
        lines.append(goal_verdict(p))
        lines += dips_text(p)
        lines.append(f"- **Time per epoch:** {epoch_seconds(n)}")
        lines.append(f"- **Learning curves:** {curves_summary(p.curves)}.")
        lines += ["", *curves_table(p.curves), "", *confusion_table(p.confusion), ""]
        lines += against_part_one(p) + [""]
    lines += ["### Which network achieved the best accuracy on test data after training?", ""]
    lines += best_on_test(p) + [""]
    lines += ["### Did the networks train for a similar number of epochs?", ""]
    lines += epochs_compared(p) + [""]
    return lines + notes_block(ans, PART_THREE_NOTES.key)


def goal_words(g: GoalSplit, images: int | None) -> str:
    """'3 of 3 runs above 92%; one-sided 95% lower bound of the mean 92.31%'."""
    runs = f"{g.runs_above} of {g.summary.n} run{'s' * (g.summary.n > 1)} above {GOAL:.0%}"
    bound = f"one-sided 95% lower bound of the mean {pct(g.lower_bound)}"
    noise = "seed spread and the sampling noise of" if g.summary.n > 1 else "the sampling noise of"
    where = f" {images:,} images" if images else " its images"
    return f"{runs}; {bound} ({noise}{where})"


def goal_verdict(p: PartThreeAnswer) -> str:
    head = f"- **Goal (better than {GOAL:.0%} on validation and test):** "
    if p.met is None:
        return head + "cannot say: a split has no final evaluation."
    n = p.net.n
    every = "its only run" if n == 1 else f"all {n} runs"
    if p.met:
        text = f"**met**: {every} cleared {GOAL:.0%} on both splits"
        low = [g for g in p.goal if g.lower_bound <= GOAL]
        if low:
            which = " and ".join("validation" if g.split == "val" else "test" for g in low)
            text += (
                f". The one-sided lower bound on {which} is not above {GOAL:.0%}, and more seeds cannot lift it "
                "past the sampling noise of those images: a larger test of the same net could still find it at "
                "or under the goal"
            )
        return head + text + "."
    short = [g for g in p.goal if not g.all_runs_above]
    parts = [
        f"{'validation' if g.split == 'val' else 'test'}: {g.runs_above} of {runs_count(g.summary.n)} above"
        for g in short
    ]
    return head + f"**not met**: not every run cleared it ({'; '.join(parts)})."


def dips_text(p: PartThreeAnswer) -> list[str]:
    firsts = p.first_epoch_over_goal
    n = p.net
    if not any(firsts):
        which = "any run" if n.n > 1 else "the run"
        return [f"  - Validation accuracy never beat {GOAL:.0%} after any epoch of {which}."]
    per = ", ".join("never" if e is None else f"epoch {e}" for e in firsts)
    whose = "run by run" if n.n > 1 else "its run"
    lines = [f"  - Validation accuracy first beat {GOAL:.0%} after: {per} ({whose})."]
    if p.dips:
        lines.append(
            "  - It did not stay there: "
            + "; ".join(
                f"run {d.run_id} fell back to {pct(d.low)} at epoch {d.low_epoch} after first clearing it at "
                f"epoch {d.first_epoch}"
                for d in p.dips
            )
            + "."
        )
    else:
        lines.append(f"  - Once above {GOAL:.0%}, validation accuracy stayed above it in every run.")
    return lines


def against_part_one(p: PartThreeAnswer) -> list[str]:
    """Part Three beside each Part One net: what differs in the setup, and in the results."""
    n = p.net
    if not p.against:
        return ["No Part One net to compare with."]
    nets = [n, *(a.part_one for a in p.against)]
    gen = {n.run_id: p.against[0].gen_gap_p3, **{a.part_one.run_id: a.gen_gap_p1 for a in p.against}}
    rows = []
    for x in nets:
        g = gen.get(x.run_id)
        spe = x.later_epoch_seconds
        rows.append(
            [
                title(x),
                f"{x.params.total:,}",
                f"{x.learning_rate:g}" if x.learning_rate is not None else "?",
                x.epochs_completed,
                f"{spe.median:.2f}" if spe else "n/a",
                cell_mean_sd(x.accuracy("test")),
                "n/a" if g is None else f"{pp(g.diff)} ({pp(g.interval[0])} to {pp(g.interval[1])})",
            ]
        )
    lines = [
        "**Part Three beside Part One** (test in %, mean ± sd; the generalisation gap is train minus validation "
        "accuracy in pp, with its 95% interval):",
        "",
    ]
    lines += table(["Network", "Params", "Learning rate", "Epochs", "s/epoch", "Test", "Generalisation gap"], rows)
    lines.append("")
    for a in p.against:
        b = a.part_one
        setup = []
        if n.learning_rate and b.learning_rate:
            ratio = n.learning_rate / b.learning_rate
            setup.append(
                f"a learning rate of {n.learning_rate:g} against {b.learning_rate:g}"
                + (f" ({ratio:g}x)" if ratio != 1 else " (the same)")
            )
        setup.append(f"{n.epochs_completed} epochs against {b.epochs_completed}")
        more = "more" if n.params.total > b.params.total else "fewer"
        setup.append(f"{n.params.total:,} parameters against {b.params.total:,} ({more})")
        text = f"- Against {nm(b)}: Part Three used {', '.join(setup)}."
        if a.test_gap is not None:
            text += f" On test, Part Three against it: {net_gap_text(a.test_gap, nm(b))}."
        if a.gen_gap_p3 is not None and a.gen_gap_p1 is not None and a.gen_gap_diff is not None:
            d = a.gen_gap_diff
            text += (
                f" Its generalisation gap is {pp(a.gen_gap_p3.diff)} pp against {pp(a.gen_gap_p1.diff)} pp: "
                + (
                    f"no measurable difference ({test_details(d)})"
                    if not d.measurable
                    else f"{size_pp(d.diff)} pp {'wider' if d.diff > 0 else 'narrower'}, a measurable difference "
                    f"({test_details(d)})"
                )
                + ". Whether either net over- or underfits is read from its learning curves, not from this gap."
            )
        lines.append(text)
    return lines


def best_on_test(p: PartThreeAnswer) -> list[str]:
    if not p.best_on_test:
        return ["Cannot say: no run has a test accuracy."]
    best = p.best_on_test[0]
    names = " and ".join(f"**{n.name}** ({title(n).split(' (')[-1]}" for n in p.best_on_test)
    lines = [f"{names} has the highest test accuracy, {mean_sd(best.accuracy('test'))}."]
    if p.runner_up:
        other, g = p.runner_up
        one_run = min(best.n, other.n) < 2
        if one_run:
            lines.append(
                f"Next is {nm(other)} at {mean_sd(other.accuracy('test'))}: {gap_text(g, nm(other))}. With one run "
                "of a net this is the highest figure, not a ranking: the seed-to-seed spread is unknown."
            )
        elif not g.measurable:
            lines.append(
                f"Next is {nm(other)} at {mean_sd(other.accuracy('test'))}: {gap_text(g, nm(other))}, so the two "
                "cannot be ranked on this test set."
            )
        else:
            lines.append(f"It is the best: {gap_text(g, nm(other))}, the next best.")
    b = p.part_one_best
    if p.net and p.net not in p.best_on_test and p.net.test_accuracy is not None:
        lines.append(f"The Part Three net, {nm(p.net)}, reached {mean_sd(p.net.accuracy('test'))}.")
    if b and b not in p.best_on_test and (not p.runner_up or p.runner_up[0] is not b):
        lines.append(f"The Part One net with the higher test accuracy, {nm(b)}, reached {mean_sd(b.accuracy('test'))}.")
    if p.net is None:
        lines.append("Part Three is not in these answers, so this is the best of the other nets only.")
    return [" ".join(lines)]


def epochs_compared(p: PartThreeAnswer) -> list[str]:
    b = p.part_one_best
    if p.net is None or b is None:
        absent = "Part Three" if p.net is None else "a Part One net"
        return [f"Cannot compare: there is no completed run of {absent}."]
    n = p.net
    verdict = "Yes" if p.similar_epochs else "No"
    line = (
        f"**{verdict}.** {nm(n)} trained {n.epochs_completed} epochs; {nm(b)} (the best Part One net on test) "
        f"trained {b.epochs_completed}."
    )
    at_n, at_b = n.val_after(QUESTION_EPOCH), b.val_after(QUESTION_EPOCH)
    if at_n and at_b:
        line += (
            f" After epoch {QUESTION_EPOCH}, the same point in training, their validation accuracies were "
            f"{mean_sd(at_n, with_n=False)} and {mean_sd(at_b, with_n=False)}."
        )
    return [line]
