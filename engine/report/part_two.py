"""Part Two's answers in words: parameters, the 20% question, what each net predicts, and whether
parameters and accuracy correlate (with p-values and n, and "clear" only when they allow it)."""

from __future__ import annotations

from engine.answers import (
    BEAT_THRESHOLD,
    CORRELATION_NOTES,
    HYPOTHESIS_NOTES,
    PART_TWO,
    Answers,
    Correlation,
    PartTwoAnswer,
    Predictions,
)
from engine.correlation import CLEAR_P, MIN_POINTS_FOR_CLEAR
from engine.percent import pct
from engine.report.format import (
    cell_mean_sd,
    mean_sd,
    missing_line,
    nm,
    notes_block,
    p_is,
    p_text,
    pp,
    table,
    test_details,
    title,
)
from engine.report.hypothesis import hypothesis
from engine.rules import PART_TWO_LAYERS
from engine.spec import format_layers


def part_two_section(ans: Answers) -> list[str]:
    p = ans.part_two
    lines = [f"## Part Two: {PART_TWO_LAYERS} hidden layers or more", ""]
    for s in p.missing:
        lines += [missing_line(s, ans), ""]
    if p.nets:
        rows = [
            [
                title(n),
                format_layers(n.hidden_layers),
                f"{n.params.total:,}",
                f"{n.params.weights:,}",
                f"{n.params.biases:,}",
                n.n,
                cell_mean_sd(n.accuracy("val")),
                cell_mean_sd(n.accuracy("test")),
            ]
            for n in p.nets
        ]
        lines += ["### How many trainable parameters does each model have?", ""]
        lines += table(["Network", "Hidden layers", "Params", "Weights", "Biases", "n", "Validation", "Test"], rows)
        lines += ["", "(accuracies in %, mean ± sd over the n runs)", ""]
    lines += ["### Did any model beat 20% accuracy on validation or test data?", ""]
    lines += beat_20(p, ans) + [""]
    if p.predictions:
        lines += ["### What do the deep nets predict?", ""]
        lines += predictions_text(p) + [""]
    lines += ["### Why did they perform this way? A hypothesis, tested", ""]
    lines += hypothesis(p) + [""]
    lines += notes_block(ans, HYPOTHESIS_NOTES.key)
    lines += ["### Is there a clear correlation between parameter count and accuracy?", ""]
    lines += correlation_text(p.correlation, p) + [""]
    return lines + notes_block(ans, CORRELATION_NOTES.key)


def beat_20(p: PartTwoAnswer, ans: Answers | None = None) -> list[str]:
    if p.best is None:
        return ["Cannot say: no Part Two run has a final evaluation yet."]
    b = p.best
    verdict = "Yes" if p.beat_20 else "No"
    holders = [
        (n, split)
        for n in p.nets
        for split, key in (("validation", "val"), ("test", "test"))
        if (s := n.accuracy(key)) is not None and s.mean == b.value
    ]
    if len({split for _, split in holders}) == 1:
        who = f"all {len(p.nets)} nets" if len(holders) == len(p.nets) > 1 else " and ".join(nm(n) for n, _ in holders)
        where = f"{pct(b.value)} on {b.split} ({who})"
    else:
        where = f"{pct(b.value)} ({'; '.join(f'{nm(n)} on {split}' for n, split in holders)})"
    line = f"**{verdict}.** The best mean figure of the Part Two nets is {where}"
    line += f", {'above' if p.beat_20 else 'below'} the {BEAT_THRESHOLD:.0%} mark"
    if not p.beat_20 and p.baseline:
        digit, share = p.baseline
        line += f"; always answering {digit}, the test set's most common digit, would score {pct(share)}"
    line += "."
    if not p.beat_20 and p.any_run_beat_20:
        best_single = max(p.nets, key=lambda n: max(n.accuracies("val") + n.accuracies("test")))
        top = max(best_single.accuracies("val") + best_single.accuracies("test"))
        line += f" One run of {nm(best_single)} did reach {pct(top)}, but its mean over its runs did not."
    elif not p.beat_20:
        runs = sum(n.n for n in p.nets)
        line += " Its only run did not beat it either." if runs == 1 else f" None of the {runs} runs beat it either."
    if p.missing:
        unpicked = [s for s in p.missing if ans is not None and s in ans.unpicked]
        if unpicked:
            line += f" Only {len(p.nets)} of the {len(PART_TWO)} nets were picked."
        else:
            line += f" Only {len(p.nets)} of the {len(PART_TWO)} nets have run."
    return [line]


def predictions_text(p: PartTwoAnswer) -> list[str]:
    """Each net's test predictions from the final model's histogram, run by run."""
    lines = []
    for pred in p.predictions:
        lines.append(f"- {nm(pred.net)}: {prediction_phrase(pred)}")
    if any(not pred.known for pred in p.predictions):
        lines.append("")
        lines.append("(A run made before the app counted predictions has no histogram: train it again to see one.)")
    return lines


def prediction_phrase(pred: Predictions) -> str:
    known = pred.known
    if not known:
        return "no prediction histogram recorded"
    tops = [pred.top(c) for c in known]
    runs = f"{len(known)} run{'s' * (len(known) > 1)}"
    if all(share == 1.0 for _, share in tops):
        digits = sorted({d for d, _ in tops})
        if len(digits) == 1:
            each = "in each of its " + runs if len(known) > 1 else "in its run"
            return f"predicts {digits[0]} for 100% of test images {each}"
        per = ", ".join(str(d) for d, _ in tops)
        return f"predicts one digit for 100% of test images in each of its {runs} (digits {per}, run by run)"
    parts = [f"{d} for {share:.1%}" for d, share in tops]
    return f"its most predicted digit, run by run: {'; '.join(parts)} of test images"


def correlation_text(c: Correlation, p: PartTwoAnswer) -> list[str]:
    """Parts One and Two: log10(parameters) against mean test accuracy, what it can and cannot show."""
    if not c.nets:
        return ["Cannot say: no run of Parts One and Two has a final evaluation."]
    rows = [
        [title(n), f"{n.params.total:,}", n.n, cell_mean_sd(n.accuracy("test"))]
        for n in sorted(c.nets, key=lambda n: n.params.total)
    ]
    lines = [
        f"The question is about the nets of Parts One and Two: {', '.join(nm(n) for n in c.nets)}, one point "
        "per net (its mean test accuracy) against the logarithm of its parameter count (the counts span two "
        "orders of magnitude).",
        "",
    ]
    lines += table(["Network", "Params", "n", "Test"], rows) + [""]
    for n in c.apart:
        lines += [
            f"{nm(n)} ({n.params.total:,} parameters, {mean_sd(n.accuracy('test'))} on test) is kept apart: it was "
            "built to clear 92% with its own learning rate and epochs, so it would tell about those choices, not "
            "about size.",
            "",
        ]
    facts = within_part_two(p)
    example = ""
    if c.counterexample:
        small, big = c.counterexample
        example = (
            f" {nm(small)} has {small.params.total:,} parameters and scored {pct(small.test_accuracy)} on test, "
            f"while {nm(big)} has {big.params.total / small.params.total:.1f} times as many "
            f"({big.params.total:,}) and scored {pct(big.test_accuracy)}."
        )
        if len(big.hidden_layers) > len(small.hidden_layers):
            lrs = f"{small.learning_rate:g} vs {big.learning_rate:g}"
            also = f" and in learning rate ({lrs})" if small.learning_rate != big.learning_rate else ""
            example += (
                f" The two differ in depth ({len(small.hidden_layers)} vs {len(big.hidden_layers)} hidden layers)"
                f"{also}, not only in size; the controls in the hypothesis above test which change matters."
            )
    if c.test is None:
        return lines + [f"**No coefficient:** {c.reason}.{example}", *facts]
    t = c.test
    ci = t.pearson_interval
    ci_text = f", 95% interval {ci[0]:.2f} to {ci[1]:.2f}" if ci else ""
    lines.append(
        f"n = {t.n} nets: Pearson r = {t.pearson:.2f} on log parameters (p {p_is(t.pearson_p)}{ci_text}) and "
        f"Spearman rho = {t.spearman:.2f} (p {p_is(t.spearman_p)})."
    )
    lines.append("")
    if t.clear:
        verdict = (
            f"**Yes, a clear {'positive' if t.pearson > 0 else 'negative'} correlation:** both coefficients agree, "
            f"both p-values are below {CLEAR_P:g} with n = {t.n}" + (" and the interval excludes zero." if ci else ".")
        )
    elif t.n < MIN_POINTS_FOR_CLEAR:
        verdict = (
            f"**Inconclusive with n = {t.n}:** with fewer than {MIN_POINTS_FOR_CLEAR} nets even a perfect rank "
            "order has a two-sided p of 0.08 or more."
        )
    elif t.inconclusive:
        verdict = (
            f"**Inconclusive:** the data allow anything from r = {ci[0]:.2f} to r = {ci[1]:.2f}, so neither a "
            "correlation nor its absence is shown"
            if ci
            else "**Inconclusive:** no interval could be computed"
        ) + f" (n = {t.n})."
    else:
        why = (
            "the two coefficients disagree in sign"
            if (t.pearson > 0) != (t.spearman > 0)
            else f"Pearson's p = {p_text(t.pearson_p)} and Spearman's p = {p_text(t.spearman_p)} are not both "
            f"below {CLEAR_P:g}"
        )
        verdict = f"**Not clear:** {why}, with n = {t.n}."
    limits = (
        " What the test can show: whether accuracy rises or falls with size across these nets. What it cannot: "
        "these nets differ in depth and learning rate as well as in size, and each is one point however many "
        "runs it rests on, so a correlation here would not say that size causes it."
    )
    return lines + [verdict + example + limits, *facts]


def within_part_two(p: PartTwoAnswer) -> list[str]:
    """The plain fact inside Part Two: equal accuracy across parameter counts, and why, when it holds."""
    if len(p.nets) < 2 or p.all_within_noise is not True:
        return []
    lo = min(p.nets, key=lambda n: n.params.total)
    hi = max(p.nets, key=lambda n: n.params.total)
    widest = max(p.within_gaps, key=lambda t: abs(t[2].diff))[2]
    text = (
        f"Within Part Two, from {lo.params.total:,} to {hi.params.total:,} parameters, test accuracy shows no "
        f"measurable difference (largest gap {pp(widest.diff)} pp; {test_details(widest)}): "
        + ", ".join(f"{nm(n)} {mean_sd(n.accuracy('test'))}" for n in p.nets)
        + "."
    )
    if all(pred.single_digit for pred in p.predictions):
        text += (
            " Every run of them predicts a single digit for every test image (above), so its accuracy is that "
            "digit's share of the test set whatever its size."
        )
    return ["", text]
