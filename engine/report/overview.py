"""The document's frame: the header (what was measured on which data, and how to read a figure), the
results tables with every hyperparameter, the environment and the user's other notes."""

from __future__ import annotations

from datetime import date

from engine import __version__
from engine.answers import NOTE_KEYS, Answers, Net
from engine.report.format import cell_mean_sd, quote, table, title
from engine.spec import format_layers
from engine.stats import ALPHA, t_critical


def header(ans: Answers, store_path: str | None, today: date) -> list[str]:
    source = "runs picked by you" if ans.picked else "the stored runs"
    lines = [
        "# MNIST exercise: answers",
        "",
        f"Written on {today.isoformat()} by mnist-tui {__version__}"
        + (f" from the run store `{store_path}`" if store_path else "")
        + f", from {source}.",
        f"**Which runs answer:** {ans.rule}.",
        "",
        "Training, validation and test accuracies are the final model evaluated on each split, read from the",
        "stored runs, unless a line says otherwise; the spreads, intervals and p-values below are estimates",
        "from those runs.",
        "",
        *statistics_note(ans),
        "",
    ]
    data = _data_line(ans)
    if data:
        lines += [data, ""]
    if ans.missing:
        absent = [s for s in ans.missing if s not in ans.unpicked]
        if absent:
            names = ", ".join(f"`{s}`" for s in absent)
            lines += [
                f"**Missing runs:** {names}. The answers that need them say so; train them with "
                f"`mnist-tui train PRESET --repeats 3`, or everything with `mnist-tui train --all --repeats 3`.",
                "",
            ]
        if ans.unpicked:
            names = ", ".join(f"`{s}`" for s in ans.unpicked)
            lines += [f"**Not picked:** {names} (their runs exist but were not among the runs picked).", ""]
    return lines


def statistics_note(ans: Answers) -> list[str]:
    """The statistics, named once for the whole document."""
    m = ans.family.size if ans.family else 0
    return [
        "**How to read a figure.** A net trained several times with different seeds (its repeats) is given as",
        "mean ± standard deviation over its n runs. An accuracy measured on N images also carries sampling",
        "noise, its binomial standard error sqrt(p(1 - p) / N). An interval of a mean over n seeds uses",
        f"Student's t with n - 1 degrees of freedom (at n = 3 the 95% factor is {t_critical(2):.2f}, not 2).",
        "Two nets with at least two runs each are compared by Welch's t test over their seeds; two splits of",
        "the same runs by a paired t test on the per-run differences, widened by the sampling noise of the",
        "images; two nets with one run each, measured on the same test images, by McNemar's test on their",
        "stored predictions (exact binomial below 25 discordant images), which says whether those two trained",
        "models differ, not which network is better; otherwise (predictions missing, or one run against",
        f"several) by a two-proportion z test on the sampling noise alone. The document makes {m} such comparison"
        + ("s" if m != 1 else "")
        + "; their p-values are corrected together by Holm's method, and a difference is called measurable only",
        f"when its Holm-adjusted p is below {ALPHA:g}. Nothing is ranked on one run of a net.",
    ]


def _data_line(ans: Answers) -> str | None:
    sources = sorted({r.data_source or "unknown" for n in [*ans.all_nets, *ans.controls] for r in n.runs})
    if not sources:
        return None
    text = f"**Data:** {', '.join(f'`{s}`' for s in sources)}"
    note = ans.sample_note
    return text + (f": {note}." if note else ", the full MNIST.")


def _name(n: Net) -> str:
    if n.slot:
        return title(n)
    what = "another run of " + n.part if n.part else "your own net"
    return f"{title(n)}, {what}"


def results_section(ans: Answers) -> list[str]:
    """Three narrow tables rather than one wide one: each fits an 80-column terminal and a pager."""
    lines = ["## Results of every network", ""]
    nets = ans.all_nets
    if not nets:
        return lines + [
            "No runs yet: every question below is unanswered. Train them all: `mnist-tui train --all --repeats 3`.",
            "",
        ]
    shape = [
        [
            _name(n),
            format_layers(n.hidden_layers),
            f"{n.params.total:,}",
            f"{n.params.weights:,}",
            f"{n.params.biases:,}",
            "ok" if not n.outside_rules else "outside: " + "; ".join(n.outside_rules),
        ]
        for n in nets
    ]
    lines += table(["Network", "Hidden layers", "Params", "Weights", "Biases", "Rules"], shape) + [""]
    lines += ["Hyperparameters (the same for every run of a net but its seed):", ""]
    lines += table(
        ["Network", "Activation", "Loss", "Optimizer", "Learning rate", "Batch", "Epochs", "Seeds"],
        [hyper_row(n) for n in nets],
    ) + [""]
    lines += shared_order_lines(nets)
    trained = [
        [
            _name(n),
            n.n,
            n.epochs_completed,
            cell_mean_sd(n.accuracy("train")),
            cell_mean_sd(n.accuracy("val")),
            cell_mean_sd(n.accuracy("test")),
            f"{n.later_epoch_seconds.median:.2f}" if n.later_epoch_seconds else "n/a",
        ]
        for n in nets
    ]
    lines += ["Accuracies in %, mean ± sd over the n runs; s/epoch is the median of the epochs after the first:", ""]
    lines += table(["Network", "n", "Epochs", "Train", "Validation", "Test", "s/epoch"], trained) + [""]
    return lines


def hyper_row(n: Net) -> list:
    momentum = n.hyper("momentum") or 0
    optimizer = str(n.hyper("optimizer", "?")) + (f" (momentum {momentum:g})" if momentum else "")
    fraction = n.hyper("validation_fraction")
    loss = str(n.hyper("loss", "?"))
    if fraction:
        loss += f"; validation {fraction:.3g} of train"
    return [
        _name(n),
        n.hyper("activation", "?"),
        loss,
        optimizer,
        f"{n.learning_rate:g}" if n.learning_rate is not None else "?",
        n.hyper("batch_size", "?"),
        n.epochs_planned or "?",
        seeds_text(n),
    ]


def shared_order_lines(nets: list[Net]) -> list[str]:
    """Nets whose seeds trained stacked on one batch order (engine/stacked.py, extra["shared_order"]): their
    spread over seeds is the initial weights' alone, which a reader of the sd must know."""
    shared = [n for n in nets if any(r.shared_order for r in n.runs)]
    if not shared:
        return []
    names = ", ".join(_name(n) for n in shared)
    return [
        f"The seeds of {names} trained stacked on one shared batch order: they differ in initial weights only,"
        " so their spread leaves out the batch order's share of the noise.",
        "",
    ]


def seeds_text(n: Net) -> str:
    seeds = [s for s in n.seeds if s is not None]
    if not seeds:
        return "?"
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}-{seeds[-1]}"
    return ", ".join(map(str, seeds))


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
        lines += [f"**{key}:**", "", *quote(text), ""]
    return lines
