"""Answers -> markdown (SPEC §6): every exercise question answered in words, with the numbers behind it,
plain-text training charts, an environment block, the date and the user's notes.

The file is meant to be read in a terminal, a pager or a markdown viewer alike, so it holds no terminal
colour codes: charts are built by plotext with colour turned off and stripped of any escape left over.
"""

from __future__ import annotations

import math
import os
import re
import threading
from datetime import date
from pathlib import Path

from engine import __version__
from engine.answers import (
    BEAT_THRESHOLD,
    GOAL,
    NOTE_KEYS,
    PART_THREE,
    PART_TWO,
    QUESTION_EPOCH,
    Answers,
    Correlation,
    GradientEvidence,
    Net,
    PartOneAnswer,
    PartThreeAnswer,
    PartTwoAnswer,
    answers,
    slot_title,
)
from engine.fileio import write_text
from engine.spec import format_layers

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
CHART_WIDTH, CHART_HEIGHT = 66, 18  # fits an 80-column terminal with the Markdown widget's margins
_plotext_lock = threading.Lock()  # plotext draws on one global figure


# -- small formatters -------------------------------------------------------------------------------
def pct(x: float | None) -> str:
    """An accuracy exactly as stored, as a percentage with two decimals."""
    return "n/a" if x is None else f"{x * 100:.2f}%"


def points(diff: float, other: str) -> str:
    """0.0108 -> '1.08 percentage points higher than validation'."""
    if round(diff * 100, 2) == 0:
        return f"the same as {other}"
    return f"{abs(diff) * 100:.2f} percentage points {'higher' if diff > 0 else 'lower'} than {other}"


def nm(net: Net) -> str:
    """A net's name in running text: italic, since names like 'Part One, small' carry commas."""
    return f"*{net.name}*"


def seconds(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f} s"


def times(ratio: float) -> str:
    return f"{ratio:,.1f}x" if ratio < 100 else f"{ratio:,.0f}x" if ratio < 1e5 else f"{ratio:.1e}x"


def cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def layers_phrase(net: Net) -> str:
    h = net.hidden_layers
    if len(h) == 1:
        return f"1 hidden layer of {h[0]} units"
    return f"{len(h)} hidden layers ({format_layers(h)})"


def title(net: Net) -> str:
    return f"{net.name} (run {net.run_id})"


def missing_line(slot: str) -> str:
    return f"**Missing:** no completed run of `{slot}` yet. Train it: `mnist-tui train {slot}`."


def table(header: list[str], rows: list[list]) -> list[str]:
    right = {"Run", "Params", "Weights", "Biases", "Epochs", "Train", "Validation", "Test", "s/epoch"}
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if h in right else "---" for h in header) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines


def notes_block(ans: Answers, key: str) -> list[str]:
    text = ans.notes.get(key, "").strip()
    if not text:
        return [f"*{NOTE_KEYS[key]}: none yet. Write yours on the Answers screen (`mnist-tui`, `a`, then `n`).*", ""]
    return [f"**{NOTE_KEYS[key]}:**", "", *(f"> {line}" if line else ">" for line in text.splitlines()), ""]


# -- charts -----------------------------------------------------------------------------------------
def training_chart(net: Net, width: int = CHART_WIDTH, height: int = CHART_HEIGHT) -> str:
    """Train vs validation accuracy per epoch as plain text (no colour codes)."""
    import plotext as plt

    rows = [e for e in net.run.history if e.accuracy is not None and e.val_accuracy is not None]
    if not rows:
        return "(no finished epoch to chart)"
    epochs = [e.epoch for e in rows]
    with _plotext_lock:
        plt.clear_figure()
        plt.plotsize(width, height)
        plt.clear_color()
        plt.plot(epochs, [e.accuracy * 100 for e in rows], label="train", marker="*")
        plt.plot(epochs, [e.val_accuracy * 100 for e in rows], label="validation", marker="o")
        # from a round 10 below the lowest point to 100: a flat line at chance still reads as flat
        low = max(0, int(min(min(e.accuracy, e.val_accuracy) for e in rows) * 10 - 0.5) * 10)
        plt.ylim(low, 100)
        plt.yticks(list(range(100, low - 1, -10 if 100 - low <= 50 else -20))[::-1])  # 100 always labelled
        step = max(1, len(epochs) // 20 + (len(epochs) % 20 > 0))
        plt.xticks(epochs[::step])
        plt.xlabel("epoch")
        plt.ylabel("accuracy %")
        text = plt.build()
        plt.clear_figure()
    return "\n".join(line.rstrip() for line in ANSI_ESCAPE.sub("", text).splitlines())


# -- sections ---------------------------------------------------------------------------------------
def header(ans: Answers, store_path: str | None, today: date) -> list[str]:
    lines = [
        "# MNIST exercise: answers",
        "",
        f"Written on {today.isoformat()} by mnist-tui {__version__}"
        + (f" from the run store `{store_path}`." if store_path else "."),
        "Every figure is read from a stored run; nothing is estimated. Training, validation and test accuracies",
        "are the final model evaluated on each split, unless a line says otherwise.",
        "",
    ]
    if ans.missing:
        names = ", ".join(f"`{s}`" for s in ans.missing)
        lines += [
            f"**Missing runs:** {names}. The answers that need them say so; train them with "
            f"`mnist-tui train PRESET`, or everything with `mnist-tui train --all`.",
            "",
        ]
    return lines


def results_section(ans: Answers) -> list[str]:
    """Two narrow tables rather than one wide one: each fits an 80-column terminal and a pager."""
    lines = ["## Results of every network", ""]
    nets = ans.all_nets
    if not nets:
        return lines + ["No runs yet: every question below is unanswered. Train them all: `mnist-tui train --all`.", ""]

    def name(n: Net) -> str:
        return title(n) if n.slot else f"{n.name} (run {n.run_id}, your own net)"

    shape = [
        [
            name(n),
            format_layers(n.hidden_layers),
            f"{n.params.total:,}",
            f"{n.params.weights:,}",
            f"{n.params.biases:,}",
            "ok" if not n.outside_rules else "outside: " + "; ".join(n.outside_rules),
        ]
        for n in nets
    ]
    trained = [
        [
            name(n),
            n.epochs_completed,
            pct(n.train_accuracy),
            pct(n.val_accuracy),
            pct(n.test_accuracy),
            f"{n.run.seconds_per_epoch:.2f}" if n.run.seconds_per_epoch is not None else "n/a",
        ]
        for n in nets
    ]
    lines += table(["Network", "Hidden layers", "Params", "Weights", "Biases", "Rules"], shape) + [""]
    lines += table(["Network", "Epochs", "Train", "Validation", "Test", "s/epoch"], trained) + [""]
    return lines


def part_one_net(a: PartOneAnswer) -> list[str]:
    if a.net is None:
        return [f"### {slot_title(a.slot)}", "", missing_line(a.slot), ""]
    n, c, run = a.net, a.net.params, a.net.run
    lines = [f"### {title(n)}: {layers_phrase(n)}", ""]
    lines += [
        f"- **Total trainable parameters:** {c.total:,}",
        f"  - **Weights:** {c.weights:,}",
        f"  - **Biases:** {c.biases:,}",
    ]
    if a.val_at_question_epoch is not None:
        lines.append(f"- **Validation accuracy after {QUESTION_EPOCH} epochs:** {pct(a.val_at_question_epoch)}")
    else:
        last = run.history[-1] if run.history else None
        seen = f" (after epoch {last.epoch}: {pct(last.val_accuracy)})" if last else ""
        lines.append(
            f"- **Validation accuracy after {QUESTION_EPOCH} epochs:** not measured: this run trained only "
            f"{n.epochs_completed} epoch{'s' * (n.epochs_completed != 1)}{seen}"
        )
    if n.epochs_completed != QUESTION_EPOCH and n.val_accuracy is not None:
        lines.append(
            f"  - The comparisons below are of the final model after {n.epochs_completed} epochs, whose "
            f"validation accuracy is {pct(n.val_accuracy)}."
        )
    if a.train_gap is not None:
        lines.append(f"  - **Training data:** {pct(n.train_accuracy)}, {points(a.train_gap, 'validation')}")
    else:
        lines.append("  - **Training data:** n/a (the run has no final evaluation)")
    if a.test_gap is not None:
        lines.append(f"  - **Test data:** {pct(n.test_accuracy)}, {points(a.test_gap, 'validation')}")
    else:
        lines.append("  - **Test data:** n/a (the run has no final evaluation)")
    lines.append(f"- **Time per epoch:** {epoch_time(n)}")
    return lines + [""]


def epoch_time(n: Net) -> str:
    run = n.run
    where = f"on {run.device or 'an unknown device'} with the {run.backend or 'unknown'} backend"
    size = f", {run.sizes['train']:,} training examples" if run.sizes.get("train") else ""
    batch = run.spec_json.get("batch_size")
    batch_text = f", batch size {batch}" if batch else ""
    if n.epochs_completed >= 2 and run.seconds_per_epoch is not None:
        return (
            f"about {seconds(run.seconds_per_epoch)} (mean of epochs 2-{n.epochs_completed}); the first epoch took "
            f"{seconds(run.first_epoch_seconds)}, as it includes building the model's compiled graph. "
            f"Measured {where}{size}{batch_text}."
        )
    return f"{seconds(run.first_epoch_seconds)} for its only epoch (includes compilation), {where}{size}{batch_text}."


def part_one_section(ans: Answers) -> list[str]:
    lines = ["## Part One: one hidden layer", ""]
    for a in ans.part_one:
        lines += part_one_net(a)
    return lines + notes_block(ans, "part1")


def evidence_table(evidence: tuple[GradientEvidence, ...]) -> list[str]:
    depth = max(len(e.per_layer) for e in evidence)
    rows = []
    for i in range(depth):
        is_output = [i == len(e.per_layer) - 1 for e in evidence]
        label = "hidden 1 (first)" if i == 0 else f"hidden {i + 1}"
        if all(is_output):
            label = "output"
        rows.append([label] + [f"{e.per_layer[i]:.2e}" if i < len(e.per_layer) else "" for e in evidence])
    rows.append(["**first is smaller by**"] + [ratio_text(e) for e in evidence])
    return table(["Layer"] + [f"{e.net.name} (epoch {e.epoch})" for e in evidence], rows)


def ratio_text(e: GradientEvidence) -> str:
    if e.ratio is None:
        return "first layer's gradient is 0"
    return f"{times(e.ratio)} ({e.orders:.1f} orders of magnitude)"


def part_two_section(ans: Answers) -> list[str]:
    p = ans.part_two
    lines = ["## Part Two: ten hidden layers or more", ""]
    for s in p.missing:
        lines += [missing_line(s), ""]
    if p.nets:
        rows = [
            [
                title(n),
                format_layers(n.hidden_layers),
                f"{n.params.total:,}",
                f"{n.params.weights:,}",
                f"{n.params.biases:,}",
                pct(n.val_accuracy),
                pct(n.test_accuracy),
            ]
            for n in p.nets
        ]
        lines += ["### How many trainable parameters does each model have?", ""]
        lines += table(["Network", "Hidden layers", "Params", "Weights", "Biases", "Validation", "Test"], rows)
        lines += [""]
    lines += ["### Did any model beat 20% accuracy on validation or test data?", ""]
    lines += beat_20(p) + [""]
    lines += ["### Why did they perform this way? A hypothesis, with evidence", ""]
    lines += hypothesis(p) + [""]
    lines += notes_block(ans, "part2-hypothesis")
    lines += ["### Is there a clear correlation between parameter count and accuracy?", ""]
    lines += correlation_text(p.correlation) + [""]
    return lines + notes_block(ans, "part2-correlation")


def beat_20(p: PartTwoAnswer) -> list[str]:
    if p.best is None:
        return ["Cannot say: no Part Two run has a final evaluation yet."]
    b = p.best
    verdict = "Yes" if p.beat_20 else "No"
    holders = [
        (n, split)
        for n in p.nets
        for split, v in (("validation", n.val_accuracy), ("test", n.test_accuracy))
        if v == b.value
    ]
    if len({split for _, split in holders}) == 1:
        who = f"all {len(p.nets)} nets" if len(holders) == len(p.nets) > 1 else " and ".join(nm(n) for n, _ in holders)
        where = f"{pct(b.value)} on {b.split} ({who})"
    else:
        where = f"{pct(b.value)} ({'; '.join(f'{nm(n)} on {split}' for n, split in holders)})"
    line = f"**{verdict}.** The best figure of the Part Two nets is {where}"
    line += f", {'above' if p.beat_20 else 'below'} the {BEAT_THRESHOLD:.0%} mark"
    if not p.beat_20:
        line += "; random guessing among 10 digits scores about 10%"
    if p.missing:
        line += f". Only {len(p.nets)} of the {len(PART_TWO)} nets have run"
    return [line + "."]


def hypothesis(p: PartTwoAnswer) -> list[str]:
    lines = [
        "**Hypothesis: vanishing gradients.** The sigmoid's slope is at most 0.25, and backpropagation multiplies "
        "the error signal by one such slope (and one weight matrix) for every layer it passes back through. "
        "After ten sigmoid layers the gradient reaching the first layers is orders of magnitude smaller than at "
        "the output, so plain SGD barely moves the early layers: they keep their random start, the layers above "
        "them see noise, and accuracy stays near chance.",
        "",
    ]
    if not p.deep_evidence:
        why = "no Part Two run yet" if not p.nets else "the Part Two runs recorded no per-layer gradients"
        return lines + [f"**Evidence:** none measured ({why}), so the hypothesis is untested here."]
    lines += [
        "**Measured:** the mean absolute gradient of the loss with respect to each Dense layer's weights "
        "(mean |dL/dW|), on one fixed batch of training examples at the last epoch of each run:",
        "",
        *evidence_table(p.deep_evidence),
        "",
    ]
    if p.shallow_evidence:
        lines += [
            "For contrast, the same ratio in the one-hidden-layer nets of Part One (also at their last epoch):",
            "",
        ]
        lines += [f"- {nm(e.net)}: {ratio_text(e)}" for e in p.shallow_evidence] + [""]
    deep = ratio_range(p.deep_evidence)
    shallow = ratio_range(p.shallow_evidence)
    against = f", against {shallow} in the shallow nets" if shallow else ""
    if p.vanishing_supported:
        lines.append(
            f"**Verdict:** the measurements support the hypothesis. In the deep nets the first hidden layer's "
            f"gradient is {deep} smaller than the output layer's{against}: with SGD, the first layers' "
            "weights move that many times less per step."
        )
    else:
        lines.append(
            f"**Verdict:** the measurements do not clearly support it. In the deep nets the first hidden layer's "
            f"gradient is {deep} smaller than the output layer's{against}, not orders of magnitude apart."
        )
    return lines


def ratio_range(evidence: tuple[GradientEvidence, ...]) -> str:
    """'5.1e+06x to 5.8e+06x (6.7 to 6.8 orders of magnitude)', or one figure when they agree."""
    ratios = sorted(e.ratio for e in evidence if e.ratio is not None)
    if not ratios:
        return "infinitely (a first-layer gradient of 0)" if evidence else ""
    lo, hi = ratios[0], ratios[-1]
    span = times(lo) if times(lo) == times(hi) else f"{times(lo)} to {times(hi)}"
    olo, ohi = f"{math.log10(lo):.1f}", f"{math.log10(hi):.1f}"
    return f"{span} ({olo if olo == ohi else f'{olo} to {ohi}'} orders of magnitude)"


def correlation_text(c: Correlation) -> list[str]:
    if not c.nets:
        return ["Cannot say: no Part One or Part Two run has a final evaluation yet."]
    rows = [
        [title(n), f"{n.params.total:,}", pct(n.test_accuracy)] for n in sorted(c.nets, key=lambda n: n.params.total)
    ]
    lines = table(["Network", "Params", "Test"], rows) + [""]
    example = ""
    if c.counterexample:
        small, big = c.counterexample
        example = (
            f" {nm(small)} has {small.params.total:,} parameters and scored {pct(small.test_accuracy)} on test, "
            f"while {nm(big)} has {big.params.total / small.params.total:.1f} times as many "
            f"({big.params.total:,}) and scored {pct(big.test_accuracy)}."
        )
        if len(big.hidden_layers) > len(small.hidden_layers):
            example += " How the parameters are arranged (the depth of a sigmoid net) mattered more than how many."
    if c.pearson is None:
        return lines + [f"**No coefficient:** {c.reason}.{example}"]
    n = len(c.nets)
    coeffs = f"Across these {n} nets (Part One and Part Two), test accuracy against parameter count gives "
    coeffs += f"Pearson r = {c.pearson:.2f} and Spearman rho = {c.spearman:.2f}."
    if c.clear:
        verdict = f"**Yes, a clear {'positive' if c.pearson > 0 else 'negative'} correlation.**"
    else:
        verdict = "**No clear correlation.**"
    caution = f" With only {n} nets, treat any coefficient with care." if n < 8 else ""
    return lines + [coeffs, "", verdict + example + caution]


def part_three_section(ans: Answers) -> list[str]:
    p = ans.part_three
    lines = ["## Part Three: three hidden layers or more, over 92%", ""]
    if p.net is None:
        lines += [missing_line(PART_THREE), ""]
    else:
        n = p.net
        lines += [f"### {title(n)}: {layers_phrase(n)}", ""]
        lines += [
            f"- **Trainable parameters:** {n.params.total:,} "
            f"({n.params.weights:,} weights, {n.params.biases:,} biases)",
            f"- **Validation accuracy:** {pct(n.val_accuracy)}: {goal_word(p.val_ok)}",
            f"- **Test accuracy:** {pct(n.test_accuracy)}: {goal_word(p.test_ok)}",
        ]
        met = p.val_ok and p.test_ok
        lines.append(f"- **Goal (better than {GOAL:.0%} on validation and test):** {'met' if met else 'not met'}.")
        if p.first_epoch_over_goal:
            lines.append(f"  - Validation accuracy first beat {GOAL:.0%} after epoch {p.first_epoch_over_goal}.")
        lines.append(f"- **Time per epoch:** {epoch_time(n)}")
        lines.append("")
    lines += ["### Which network achieved the best accuracy on test data after training?", ""]
    lines += best_on_test(p) + [""]
    lines += ["### Did the networks train for a similar number of epochs?", ""]
    lines += epochs_compared(p) + [""]
    return lines + notes_block(ans, "part3")


def goal_word(ok: bool | None) -> str:
    return "n/a" if ok is None else f"above the {GOAL:.0%} goal" if ok else f"not above the {GOAL:.0%} goal"


def best_on_test(p: PartThreeAnswer) -> list[str]:
    if not p.best_on_test:
        return ["Cannot say: no run has a test accuracy yet."]
    names = " and ".join(f"**{n.name}** (run {n.run_id})" for n in p.best_on_test)
    lines = [f"{names}, with {pct(p.best_on_test[0].test_accuracy)} on test."]
    b = p.part_one_best
    if p.net and p.net not in p.best_on_test and p.net.test_accuracy is not None:
        lines.append(f"The Part Three net, {nm(p.net)}, reached {pct(p.net.test_accuracy)}.")
    if b and b not in p.best_on_test:
        lines.append(f"The best Part One net, {nm(b)} (run {b.run_id}), reached {pct(b.test_accuracy)}.")
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
    at_n, at_b = n.epoch(QUESTION_EPOCH), b.epoch(QUESTION_EPOCH)
    if at_n and at_b and at_n.val_accuracy is not None and at_b.val_accuracy is not None:
        line += (
            f" After epoch {QUESTION_EPOCH}, the same point in training, their validation accuracies were "
            f"{pct(at_n.val_accuracy)} and {pct(at_b.val_accuracy)}."
        )
    return [line]


def charts_section(ans: Answers) -> list[str]:
    lines = ["## Training charts (accuracy per epoch: * train, o validation)", ""]
    if not ans.all_nets:
        return lines + ["No runs to chart yet.", ""]
    for n in ans.all_nets:
        lines += [f"### {title(n)}", "", "```text", training_chart(n), "```", ""]
        last = n.run.history[-1] if n.run.history else None
        if last:
            lines += [
                f"After epoch {last.epoch}: train {pct(last.accuracy)}, validation {pct(last.val_accuracy)} "
                "(train is the running mean over the epoch, as Keras reports it).",
                "",
            ]
    return lines


def environment_section(ans: Answers) -> list[str]:
    lines = ["## Environment", ""]
    if not ans.environment:
        return lines + ["No runs, so no environment recorded yet.", ""]
    return lines + table(["Item", "Value"], [[k, v] for k, v in ans.environment]) + [""]


def other_notes(ans: Answers) -> list[str]:
    extra = {k: v for k, v in ans.notes.items() if k not in NOTE_KEYS and v.strip()}
    if not extra:
        return []
    lines = ["## Your other notes", ""]
    for key, text in sorted(extra.items()):
        lines += [f"**{key}:**", "", *(f"> {line}" if line else ">" for line in text.strip().splitlines()), ""]
    return lines


def render(ans: Answers, store_path: str | None = None, today: date | None = None) -> str:
    """The whole answers file, as markdown with no terminal escape codes."""
    parts = [
        header(ans, store_path, today or date.today()),
        results_section(ans),
        part_one_section(ans),
        part_two_section(ans),
        part_three_section(ans),
        charts_section(ans),
        environment_section(ans),
        other_notes(ans),
    ]
    text = "\n".join(line for section in parts for line in section)
    # a stray ESC (say, pasted into a note) would still make a terminal misbehave: none survives
    return ANSI_ESCAPE.sub("", text).replace("\x1b", "").rstrip() + "\n"


def export_markdown(store, chosen_run_ids: list[int] | None = None, today: date | None = None) -> str:
    """The answers file for a Store (the latest completed run of each part, or the runs picked)."""
    return render(answers(store, chosen_run_ids), store_path=str(store.path), today=today)


def write_answers(text: str, path: str | os.PathLike) -> Path:
    """Atomic for a regular file; written through for a symlink, a FIFO or /dev/stdout (engine.fileio).
    Raises MnistTuiError with one line naming the path when it cannot be written."""
    return write_text(path, text)
