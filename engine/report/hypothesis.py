"""Part Two's "why", written from the results: what happened, the hypothesis, the gradient probe at the
first and last epoch, the controls (one change each) and a verdict that claims only what they show."""

from __future__ import annotations

import math

from engine.answers import BEAT_THRESHOLD, ControlResult, GradientEvidence, PartTwoAnswer
from engine.report.format import cell_mean_sd, gap_text, mean_sd, nm, p_is, pp, run_ids_text, table, times


def hypothesis(p: PartTwoAnswer) -> list[str]:
    if not p.nets:
        return ["Nothing to explain yet: no Part Two run has finished."]
    failed = [n for n in p.nets if n.test_accuracy is not None and n.test_accuracy <= BEAT_THRESHOLD]
    learned = [n for n in p.nets if n.test_accuracy is not None and n.test_accuracy > BEAT_THRESHOLD]
    lines = ["**What happened.** " + what_happened(p, failed, learned), ""]
    if failed:
        lines += [
            "**Hypothesis: vanishing gradients.** The sigmoid's slope is at most 0.25, and backpropagation "
            "multiplies the error signal by one such slope (and one weight matrix) for every layer it passes back "
            "through. After ten sigmoid layers the gradient reaching the first layers would be orders of magnitude "
            "smaller than at the output, so plain SGD would barely move them away from their random start. "
            "A rival explanation: these nets use a learning rate of "
            + _lr_list(failed)
            + _part_one_lr(p)
            + ", so their steps may simply be too small. The gradient probe and the controls below test both.",
            "",
        ]
    else:
        lines += [
            "**No failure to explain:** every Part Two net beat the 20% mark. The gradient probe below shows how "
            "much of the error signal reached their first layers.",
            "",
        ]
    lines += gradients_text(p) + [""]
    lines += controls_text(p) + [""]
    if failed:
        lines.append(verdict(p, failed))
    return lines


def what_happened(p: PartTwoAnswer, failed, learned) -> str:
    parts = []
    if failed:
        preds = {pred.net.run_id: pred for pred in p.predictions}
        single = [n for n in failed if preds.get(n.run_id) and preds[n.run_id].single_digit]
        names = _names(failed)
        figures = ", ".join(mean_sd(n.accuracy("test"), with_n=False) for n in failed)
        counts = sorted({n.n for n in failed})
        runs = f"n = {counts[0]}{' each' if len(failed) > 1 else ''}" if len(counts) == 1 else "n as in the table"
        text = f"{names} ended at or below 20% on test ({figures}; {runs})"
        if single and len(single) == len(failed):
            text += (
                ": every one of their runs predicts a single digit for every test image, so none of them "
                "tells one digit from another"
            )
        elif single:
            text += f"; {_names(single)} predict{'s' * (len(single) == 1)} a single digit for every test image"
        parts.append(text + ".")
    if learned:
        parts.append(
            f"{_names(learned)} learned: "
            + ", ".join(f"{nm(n)} {mean_sd(n.accuracy('test'))} on test" for n in learned)
            + "."
        )
    return " ".join(parts)


def _names(nets) -> str:
    names = [nm(n) for n in nets]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _lr_list(nets) -> str:
    lrs = sorted({n.learning_rate for n in nets if n.learning_rate is not None})
    return " and ".join(f"{lr:g}" for lr in lrs) or "unknown"


def _part_one_lr(p: PartTwoAnswer) -> str:
    lrs = sorted({e.net.learning_rate for e in p.shallow_evidence if e.net.learning_rate is not None})
    return f" (Part One's nets use {' and '.join(f'{lr:g}' for lr in lrs)})" if lrs else ""


# -- gradients ------------------------------------------------------------------------------------------
def gradients_text(p: PartTwoAnswer) -> list[str]:
    if not p.deep_evidence:
        why = "the Part Two runs recorded no per-layer gradients"
        return [f"**Gradients:** none measured ({why}), so the vanishing-gradient part is untested here."]
    lines = [
        "**Measured: gradients.** The mean absolute gradient of the loss with respect to each Dense layer's "
        "weights (mean |dL/dW|), on one fixed batch of training images, after the first epoch and after the "
        "last, in the first run of each net:",
        "",
        *evidence_table(p.deep_first, p.deep_evidence),
        "",
    ]
    deep = orders_range(p.deep_all_runs or p.deep_evidence)
    runs = len(p.deep_all_runs or p.deep_evidence)
    over = "in the only run of the deep nets" if runs == 1 else f"over all {runs} runs of the deep nets"
    line = f"At the last epoch, {over}, the first hidden layer's gradient is {deep} smaller than the output layer's"
    if p.shallow_evidence:
        k = len(p.shallow_evidence)
        where = "in the only run" if k == 1 else f"over all {k} runs"
        line += f"; {where} of the one-hidden-layer nets of Part One it is {orders_range(p.shallow_evidence)} smaller"
    lines.append(line + ".")
    return lines


def evidence_table(first: tuple[GradientEvidence, ...], last: tuple[GradientEvidence, ...]) -> list[str]:
    columns: list[GradientEvidence] = []
    for e in last:
        start = next((f for f in first if f.net.run_id == e.net.run_id), None)
        if start is not None and start.epoch != e.epoch:
            columns.append(start)
        columns.append(e)
    depth = max(len(e.per_layer) for e in columns)
    rows = []
    for i in range(depth):
        is_output = [i == len(e.per_layer) - 1 for e in columns]
        label = "output" if all(is_output) else "hidden 1 (first)" if i == 0 else f"hidden {i + 1}"
        rows.append([label] + [f"{e.per_layer[i]:.2e}" if i < len(e.per_layer) else "" for e in columns])
    rows.append(["**first is smaller by**"] + [ratio_text(e) for e in columns])
    return table(["Layer"] + [f"{e.net.name}, epoch {e.epoch}" for e in columns], rows)


def ratio_text(e: GradientEvidence) -> str:
    if e.ratio is None:
        return "first layer's gradient is 0"
    return f"{times(e.ratio)} ({e.orders:.1f} orders)"


def orders_range(evidence) -> str:
    """'5.1e+06x to 5.8e+06x (6.7 to 6.8 orders of magnitude)', or one figure when they agree."""
    ratios = sorted(e.ratio for e in evidence if e.ratio is not None)
    if not ratios:
        return "infinitely (a first-layer gradient of 0)" if evidence else ""
    lo, hi = ratios[0], ratios[-1]
    span = times(lo) if times(lo) == times(hi) else f"{times(lo)} to {times(hi)}"
    olo, ohi = f"{math.log10(lo):.1f}", f"{math.log10(hi):.1f}"
    return f"{span} ({olo if olo == ohi else f'{olo} to {ohi}'} orders of magnitude)"


# -- controls -------------------------------------------------------------------------------------------
def controls_text(p: PartTwoAnswer) -> list[str]:
    if not p.controls:
        return [
            "**Controls:** none in these answers. `mnist-tui controls --repeats 3` trains each Part Two net again "
            "with one change at a time (ReLU instead of sigmoid; a 10x learning rate), outside the exercise rules."
        ]
    rows = []
    for c in p.controls:
        vs = "n/a"
        if c.vs_base is not None:
            g = c.vs_base
            lo, hi = g.interval
            vs = f"{pp(g.diff)} pp ({pp(lo)} to {pp(hi)}; Holm p {p_is(g.adjusted_p)})"
        rows.append(
            [
                f"{c.base.name if c.base else c.control.run.preset} ({run_ids_text(c.control)})",
                c.change or "more than one change: not a control",
                c.control.n,
                cell_mean_sd(c.control.accuracy("test")),
                vs,
                orders_span(c.gradients),
                {True: "yes", False: "no", None: "n/a"}[c.learns if c.change else None],
            ]
        )
    lines = [
        "**Controls** (outside the exercise rules, never used as its answers): each deep net trained again with "
        "exactly one change. A control *learns* when its mean test accuracy is above 20% and measurably above "
        "its sigmoid net's (Holm-adjusted p below 0.05; the interval is 95%). *First/output* is how many "
        "orders of magnitude the first hidden layer's gradient sits below the output layer's at the last "
        "epoch, over the control's runs:",
        "",
        *table(["Control", "Change", "n", "Test", "vs the exercise net", "First/output", "Learns"], rows),
    ]
    return lines


def orders_span(evidence) -> str:
    """'0.4 to 1.0 orders', or 'n/a' without a probe."""
    orders = sorted(e.orders for e in evidence if e.orders is not None)
    if not orders:
        return "n/a"
    lo, hi = f"{orders[0]:.1f}", f"{orders[-1]:.1f}"
    return f"{lo} orders" if lo == hi else f"{lo} to {hi} orders"


def _gradient_flows(p: PartTwoAnswer, evidence: list[GradientEvidence]) -> list[GradientEvidence]:
    """The evidence itself when every probe is within the shallow nets' range plus one order (the gradient
    reaches the first layer about as well as in a one-hidden-layer net), else an empty list."""
    shallow = [e.orders for e in p.shallow_evidence if e.orders is not None]
    orders = [e.orders for e in evidence]
    if not shallow or not orders or any(o is None for o in orders):
        return []
    return evidence if max(orders) <= max(shallow) + 1 else []


def _by_change(p: PartTwoAnswer) -> dict[str, list[ControlResult]]:
    out: dict[str, list[ControlResult]] = {}
    for c in p.controls:
        if c.change:
            key = c.change.split(" instead of ")[0] if "learning rate" not in c.change else "learning rate"
            out.setdefault(key, []).append(c)
    return out


def verdict(p: PartTwoAnswer, failed) -> str:
    """What the gradients and the controls show together, claiming no more than they do."""
    grads = p.vanishing_supported
    points = []
    if grads is True:
        points.append(
            "Gradients: the deep nets' first layers get orders of magnitude less gradient than their output layer, "
            "far more so than the one-hidden-layer nets' (figures above), as the hypothesis predicts."
        )
    elif grads is False:
        points.append(
            "Gradients: the deep nets' first-layer gradients are not orders of magnitude further below the output's "
            "than in the one-hidden-layer nets, so the probe does not support the hypothesis."
        )
    failed_ids = {n.run_id for n in failed}
    outcome: dict[str, list[ControlResult]] = {}
    tried_any: dict[str, list[ControlResult]] = {}
    for change, results in _by_change(p).items():
        tried = [c for c in results if c.base is not None and c.base.run_id in failed_ids]
        if not tried:
            continue
        ok = [c for c in tried if c.learns]
        detail = "; ".join(
            f"{nm(c.base)} {mean_sd(c.control.accuracy('test'), with_n=False)} on test, "
            f"{gap_text(c.vs_base, 'the sigmoid net') if c.vs_base else 'no sigmoid net to compare'}"
            for c in tried
        )
        what = results[0].change[0].upper() + results[0].change[1:]
        grads_after = orders_span([e for c in tried for e in c.gradients])
        probe = ""
        if grads_after != "n/a":
            probe = f" With it, the first hidden layer's gradient ends {grads_after} of magnitude below the output's."
        points.append(f"{what} (one change): lets {len(ok)} of {len(tried)} failed nets learn ({detail}).{probe}")
        outcome[change], tried_any[change] = ok, tried
    relu, lr = outcome.get("ReLU"), outcome.get("learning rate")
    shown = _what_was_shown(tried_any)
    if relu and lr is not None and not lr:
        rescued = [c.base for c in relu]
        conclusion = (
            f"For {_names(rescued)}, changing only the activation let the net learn and a tenfold learning rate "
            f"alone did not ({shown}). That fits the vanishing-gradient hypothesis"
            + (", as the gradient probe does" if grads else "")
            + "; it does not rule out step sizes or epoch counts that were not tried."
        )
        stuck_controls = [c for c in tried_any["ReLU"] if not c.learns]
        for c in stuck_controls:
            conclusion += " " + _stuck_text(p, c)
    elif relu and lr:
        conclusion = (
            f"Both single changes rescued some nets ({shown}), so neither explanation excludes the other: a larger "
            "step can partly make up for the sigmoid's shrinking gradient."
        )
    elif relu is not None and not relu:
        conclusion = (
            f"ReLU alone rescued none of them ({shown}), so the sigmoid's slope does not explain the failure by "
            "itself." + "".join(" " + _stuck_text(p, c) for c in tried_any["ReLU"])
        )
    elif lr:
        conclusion = (
            f"A larger learning rate alone rescued some ({shown}): the step size is at least part of the failure."
        )
    else:
        conclusion = (
            "Without controls for both changes it stays untested whether the activation or the step size is to "
            "blame: run `mnist-tui controls --repeats 3`."
        )
    return "\n".join(["**Verdict.**", "", *(f"- {x}" for x in points), "", conclusion])


def _what_was_shown(tried: dict[str, list[ControlResult]]) -> str:
    """'one learning rate (0.1) and 10 epochs': what the controls tried, so no more is claimed."""
    controls = [c for results in tried.values() for c in results]
    lrs = sorted({c.control.learning_rate for c in controls if "learning rate" in (c.change or "")} - {None})
    epochs = sorted({c.control.epochs_completed for c in controls})
    if not epochs:
        return "no control to show it"
    lr_text = (
        f"one larger learning rate ({lrs[0]:g})" if len(lrs) == 1 else f"learning rates {', '.join(map(str, lrs))}"
    )
    ep_text = f"{epochs[0]} epochs" if len(epochs) == 1 else f"{epochs[0]}-{epochs[-1]} epochs"
    return f"tried with {lr_text} and {ep_text}" if lrs else f"tried over {ep_text}"


def _stuck_text(p: PartTwoAnswer, c: ControlResult) -> str:
    """A control that did not measurably learn: its runs, and whether the test could have seen a rescue."""
    name = nm(c.base) if c.base else nm(c.control)
    values = ", ".join(f"{v * 100:.2f}%" for v in c.control.accuracies("test"))
    base = f" against the sigmoid net's {mean_sd(c.base.accuracy('test'), with_n=False)}" if c.base else ""
    text = f"With ReLU, {name}'s runs ended at {values} on test{base}"
    flowing = _gradient_flows(p, c.gradients)
    if flowing:
        text += f", with the gradient reaching the first layer ({orders_span(flowing)} below the output's)"
    s = c.control.accuracy("test")
    g = c.vs_base
    if g is not None and s is not None and s.sd is not None and not g.measurable:
        seeds = f"With n = {s.n} and a seed sd of {s.sd * 100:.2f} pp" if g.seeds_measured else "With one sigmoid run"
        text += (
            f". {seeds} the test has no power here: its 95% interval runs from {pp(g.interval[0])} to "
            f"{pp(g.interval[1])} pp, so a partial rescue can be neither shown nor ruled out"
        )
    elif g is not None and not g.measurable:
        text += ": no measurable difference from the sigmoid net, and what holds it back is not shown by these controls"
    return text + "."
