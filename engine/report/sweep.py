"""The sweep's paragraph under the correlation question: which sweep (name, file, size), Spearman's rho
over its points with the bootstrap interval, the partial correlation with depth held fixed, and words
that claim no more than the intervals allow. Kept apart from the six nets' answer above it."""

from __future__ import annotations

from engine.answers.sweep import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, LEVEL, Coefficient, SweepAnswer
from engine.mnist import is_sample
from engine.report.format import cell_mean_sd, table
from engine.spec import format_layers

MAX_TABLE_POINTS = 20  # a longer sweep's points are one command away instead


def sweep_section(s: SweepAnswer | None) -> list[str]:
    if s is None:
        return []
    sw = s.sweep
    where = f" (file `{sw.file}`)" if sw.file else ""
    lines = [
        f"#### From sweep {sw.sweep_id}, *{sw.name}*, kept apart from the nets above",
        "",
        f"Sweep {sw.sweep_id}{where}: {sw.points} points x {sw.seeds} seeds = {sw.runs} runs planned "
        f"({sw.progress.text()}), each point starting from `{sw.definition.get('base', '?')}`. " + _trained_on(s),
        "",
    ]
    if s.points and len(s.points) <= MAX_TABLE_POINTS:
        rows = [
            [
                p.index,
                p.label,
                format_layers(list(p.hidden_layers)),
                f"{p.params:,}",
                p.n,
                cell_mean_sd(p.summary("test")),
            ]
            for p in sorted(s.points, key=lambda p: p.params)
        ]
        lines += table(["Point", "Swept values", "Hidden layers", "Params", "n", "Test"], rows)
        lines += ["", "(test accuracy in %, mean ± sd over the point's completed runs)", ""]
    elif s.points:
        lines += [f"Its {len(s.points)} points are listed by `mnist-tui runs --sweep {sw.sweep_id}`.", ""]
    if s.shared_order_runs:
        lines += [
            f"{s.shared_order_runs} of its {s.runs} runs trained stacked with their point's other seeds on one "
            "shared batch order: those seeds differ in initial weights only, so a point's sd leaves out the batch "
            "order's share of the noise. The coefficients rest on the points' means.",
            "",
        ]
    if s.rho is None:
        return lines + [f"**No coefficient from this sweep yet:** it {s.reason}.", ""]
    lines.append(
        f"One point per setting (its mean test accuracy against its parameter count), n = {len(s.points)} points "
        f"from {s.runs} runs: Spearman's rho = {s.rho.value:.2f} (p = {_p(s.rho_p)}), 95% interval "
        f"{_interval(s.rho)} (bootstrap over the points: {BOOTSTRAP_RESAMPLES:,} resamples, seed {BOOTSTRAP_SEED})."
    )
    lines += ["", _verdict(s), ""]
    lines += [_partial_text(s), ""]
    if s.others:
        varied = "; ".join(f"{f.replace('_', ' ')} ({', '.join(v)})" for f, v in s.others.items())
        lines += [
            f"The points also differ in {varied}, which neither coefficient holds fixed: part of what goes with "
            "size may come from those.",
            "",
        ]
    return lines


def _verdict(s: SweepAnswer) -> str:
    rho = s.rho
    n = len(s.points)
    if rho.excludes_zero:
        direction = "higher" if rho.value > 0 else "lower"
        return (
            f"**In this sweep, bigger nets rank {direction} in test accuracy:** the whole {LEVEL:.0%} interval lies "
            f"{'above' if rho.value > 0 else 'below'} 0, so the sign holds for these {n} points; how strong the link "
            f"is stays anywhere from {abs(rho.low if rho.value > 0 else rho.high):.2f} to "
            f"{abs(rho.high if rho.value > 0 else rho.low):.2f} in absolute rho."
        )
    return (
        f"**This sweep does not show a clear correlation:** the {LEVEL:.0%} interval ({_interval(rho)}) includes 0, "
        f"so with these {n} points neither a link between size and test accuracy nor its absence is shown."
    )


def _partial_text(s: SweepAnswer) -> str:
    if s.partial is None:
        return f"**Depth held fixed:** no partial correlation: {s.partial_reason}."
    pc: Coefficient = s.partial
    text = (
        f"**Depth held fixed:** the partial rank correlation of size and test accuracy is {pc.value:.2f}, "
        f"95% interval {_interval(pc)}"
    )
    if pc.excludes_zero:
        direction = "better" if pc.value > 0 else "worse"
        return text + f": among nets of the same depth, bigger ones still score {direction} in this sweep."
    return text + (
        ": the interval includes 0, so once depth is accounted for this sweep cannot tell an effect of size from none."
    )


def _trained_on(s: SweepAnswer) -> str:
    parts = []
    for sizes in s.sizes:
        train, val, test = (sizes.get(k) for k in ("train", "validation", "test"))
        if train is not None:
            parts.append(f"{train:,} training, {val or 0:,} validation and {test or 0:,} test images")
    epochs = ", ".join(str(e) for e in s.epochs)
    text = f"Its runs trained on {'; '.join(parts)}" if parts else "Its runs' data sizes are not recorded"
    if parts and any(is_sample(*((sz.get(k) or 0) for k in ("train", "validation", "test"))) for sz in s.sizes):
        text += " (a sample, not the full MNIST)"
    return text + (f", for {epochs} epochs." if epochs else ".")


def _interval(c: Coefficient) -> str:
    return f"{c.low:.2f} to {c.high:.2f}"


def _p(p: float | None) -> str:
    if p is None:
        return "n/a"
    return "< 0.001" if p < 0.001 else f"{p:.3f}" if p < 0.01 else f"{p:.2f}"
