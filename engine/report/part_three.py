"""Part Three's answers in words: the goal with its noise, Part Three beside each Part One net (learning
rate, epochs, parameters, time, overfitting gap), the best net on test and the epochs question."""

from __future__ import annotations

from engine.answers import GOAL, QUESTION_EPOCH, Answers, PartThreeAnswer
from engine.report.format import (
    cell_mean_sd,
    epoch_seconds,
    gap_text,
    layers_phrase,
    mean_sd,
    missing_line,
    nm,
    notes_block,
    pp,
    table,
    title,
)
from engine.stats import gap_between


def part_three_section(ans: Answers) -> list[str]:
    p = ans.part_three
    lines = ["## Part Three: three hidden layers or more, over 92%", ""]
    if p.net is None:
        lines += [missing_line("part3"), ""]
    else:
        n = p.net
        lines += [f"### {title(n)}: {layers_phrase(n)}", ""]
        lines += [
            f"- **Trainable parameters:** {n.params.total:,} "
            f"({n.params.weights:,} weights, {n.params.biases:,} biases)",
            f"- **Validation accuracy:** {mean_sd(n.accuracy('val'))}: {goal_words(p.val_margin, p.val_margin_noise)}",
            f"- **Test accuracy:** {mean_sd(n.accuracy('test'))}: {goal_words(p.test_margin, p.test_margin_noise)}",
        ]
        met = bool(p.val_ok and p.test_ok)
        close = any(
            m is not None and z is not None and abs(m) <= z
            for m, z in ((p.val_margin, p.val_margin_noise), (p.test_margin, p.test_margin_noise))
        )
        verdict = "met by the means" if met else "not met by the means"
        goal = f"- **Goal (better than {GOAL:.0%} on validation and test):** {verdict}"
        if close:
            goal += ", but not settled: at least one margin is inside its noise band, so more runs could tip it"
        lines.append(goal + ".")
        firsts = p.first_epoch_over_goal
        if any(firsts):
            per = ", ".join("never" if e is None else f"epoch {e}" for e in firsts)
            whose = "run by run" if n.n > 1 else "its run"
            lines.append(f"  - Validation accuracy first beat {GOAL:.0%} after: {per} ({whose}).")
        else:
            which = "any run" if n.n > 1 else "the run"
            lines.append(f"  - Validation accuracy never beat {GOAL:.0%} after any epoch of {which}.")
        lines.append(f"- **Time per epoch:** {epoch_seconds(n)}")
        lines.append("")
        lines += against_part_one(p) + [""]
    lines += ["### Which network achieved the best accuracy on test data after training?", ""]
    lines += best_on_test(p) + [""]
    lines += ["### Did the networks train for a similar number of epochs?", ""]
    lines += epochs_compared(p) + [""]
    return lines + notes_block(ans, "part3")


def goal_words(margin: float | None, noise: float | None) -> str:
    if margin is None:
        return "n/a"
    side = "above" if margin > 0 else "not above"
    text = f"{side} the {GOAL:.0%} goal ({'+' if margin > 0 else '-'}{pp(margin)} pp"
    if noise is not None:
        inside = abs(margin) <= noise
        text += f"; {'inside' if inside else 'outside'} the noise band of ±{noise * 100:.2f} pp"
    return text + ")"


def against_part_one(p: PartThreeAnswer) -> list[str]:
    """Part Three beside each Part One net: what differs in the setup, and in the results."""
    n = p.net
    if not p.against:
        return ["No Part One net to compare with yet."]
    nets = [n, *(a.part_one for a in p.against)]
    overfit = {n.run_id: p.against[0].overfit_p3, **{a.part_one.run_id: a.overfit_p1 for a in p.against}}
    rows = []
    for x in nets:
        g = overfit.get(x.run_id)
        spe = x.later_epoch_seconds
        rows.append(
            [
                title(x),
                f"{x.params.total:,}",
                f"{x.learning_rate:g}" if x.learning_rate is not None else "?",
                x.epochs_completed,
                f"{spe.median:.2f}" if spe else "n/a",
                cell_mean_sd(x.accuracy("test")),
                "n/a" if g is None else f"{'+' if g.diff >= 0 else '-'}{pp(g.diff)} (±{g.noise * 100:.2f})",
            ]
        )
    lines = ["**Part Three beside Part One** (test in %, mean ± sd; train - validation in pp with its noise band):", ""]
    lines += table(["Network", "Params", "Learning rate", "Epochs", "s/epoch", "Test", "Train - validation"], rows)
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
            text += f" On test it is {gap_text(a.test_gap, nm(b))}."
        if a.overfit_p3 is not None and a.overfit_p1 is not None:
            diff = gap_between(a.overfit_p3, a.overfit_p1)
            text += (
                f" Its train - validation gap is {pp(a.overfit_p3.diff)} pp against {pp(a.overfit_p1.diff)} pp: "
                + (
                    "no measurable difference in overfitting"
                    if diff.within_noise
                    else f"{pp(diff.diff)} pp {'more' if diff.diff > 0 else 'less'} overfitting, beyond the noise "
                    f"band of ±{diff.noise * 100:.2f} pp"
                )
                + "."
            )
        lines.append(text)
    return lines


def best_on_test(p: PartThreeAnswer) -> list[str]:
    if not p.best_on_test:
        return ["Cannot say: no run has a test accuracy yet."]
    names = " and ".join(f"**{n.name}** ({title(n).split(' (')[-1]}" for n in p.best_on_test)
    best = p.best_on_test[0]
    lines = [f"{names}, with {mean_sd(best.accuracy('test'))} on test (the best mean)."]
    if p.runner_up:
        other, g = p.runner_up
        if g.within_noise:
            lines.append(
                f"Next is {nm(other)} at {mean_sd(other.accuracy('test'))}: {gap_text(g, nm(other))}, so the two "
                "cannot be ranked on this test set."
            )
        else:
            lines.append(f"It is {gap_text(g, nm(other))}, the next best.")
    b = p.part_one_best
    if p.net and p.net not in p.best_on_test and p.net.test_accuracy is not None:
        lines.append(f"The Part Three net, {nm(p.net)}, reached {mean_sd(p.net.accuracy('test'))}.")
    if b and b not in p.best_on_test and (not p.runner_up or p.runner_up[0] is not b):
        lines.append(f"The best Part One net, {nm(b)}, reached {mean_sd(b.accuracy('test'))}.")
    if p.net is None:
        lines.append("Part Three has not run, so this is the best of the other nets only.")
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
