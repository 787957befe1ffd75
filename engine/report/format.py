"""Small formatters every section shares: percentages, mean ± sd, gaps with their noise, tables, names.

One notation across the document (the header explains it): an accuracy over repeats is
"mean% ± sd (n = runs)", a gap is in percentage points with the band it must leave to count.
"""

from __future__ import annotations

import re

from engine.answers import NOTE_KEYS, Answers, Net
from engine.percent import pct
from engine.spec import format_layers
from engine.stats import Gap, Summary, binomial_se

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
RIGHT_ALIGNED = {
    *map(str, range(10)),
    "images",
    "recall %",
    "Run",
    "Runs",
    "n",
    "Params",
    "Weights",
    "Biases",
    "Epochs",
    "Train",
    "Validation",
    "Test",
    "s/epoch",
}


def pp(x: float) -> str:
    """A signed fraction as signed percentage points with two decimals: 0.0108 -> '+1.08', -0.0062 -> '-0.62'."""
    return f"{x * 100:+.2f}"


def size_pp(x: float) -> str:
    """A size (never signed) in percentage points: 0.0108 -> '1.08'."""
    return f"{abs(x) * 100:.2f}"


def p_text(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}" if p < 0.01 else f"{p:.2f}"


def p_is(p: float) -> str:
    """'p = 0.02' or 'p < 0.001'."""
    text = p_text(p)
    return text if text.startswith("<") else f"= {text}"


def test_details(g: Gap) -> str:
    """'95% interval -0.27 to +4.23 pp; Welch t on 3.2 df, p = 0.021, Holm-adjusted p = 0.31'."""
    lo, hi = g.interval
    if g.test.startswith("McNemar"):
        only_a, only_b = g.discordant or (0, 0)
        how = f"{g.test} on the same test images ({only_a:,} vs {only_b:,} images only one of them got right)"
    else:
        how = g.test + ("" if g.df is None else f" on {g.df:.1f} df" if g.df < 100 else " on over 100 df")
    text = f"95% interval {pp(lo)} to {pp(hi)} pp; {how}, p {p_is(g.p)}"
    if g.family is not None:
        text += f", Holm-adjusted p {p_is(g.adjusted_p)}"
    return text


def mean_sd(s: Summary | None, with_n: bool = True) -> str:
    """'88.37% ± 0.32 (n = 3)'; one run: '88.37% (n = 1)'."""
    if s is None:
        return "n/a"
    text = pct(s.mean) + (f" ± {s.sd * 100:.2f}" if s.sd is not None else "")
    return text + (f" (n = {s.n})" if with_n else "")


def cell_mean_sd(s: Summary | None) -> str:
    """In a table: '88.37 ± 0.32' (the column says %)."""
    if s is None:
        return "n/a"
    return f"{s.mean * 100:.2f}" + (f" ± {s.sd * 100:.2f}" if s.sd is not None else "")


def sampling_se(s: Summary | None, images: int | None) -> str:
    """'sampling SE 0.72 pp on 2,000 images'."""
    if s is None or not images:
        return "sampling SE unknown (split size not recorded)"
    return f"sampling SE {binomial_se(s.mean, images) * 100:.2f} pp on {images:,} images"


def gap_text(g: Gap, other: str) -> str:
    """A gap worded by its Holm-adjusted test: sized when measurable, 'no measurable difference' if not."""
    if g.measurable:
        return (
            f"{size_pp(g.diff)} pp {'higher' if g.diff > 0 else 'lower'} than {other}, a measurable difference "
            f"({test_details(g)})"
        )
    return f"no measurable difference from {other} ({pp(g.diff)} pp; {test_details(g)})"


def net_gap_text(g: Gap, other: str) -> str:
    """A gap between two nets; with one run on a side it says what the test cannot show: a ranking."""
    text = gap_text(g, other)
    if not g.seeds_measured:
        text += (
            "; with one run of a net the seed-to-seed spread is unknown, so this compares two trained models "
            "and does not rank the networks"
        )
    return text


def seconds(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f} s"


def times(ratio: float) -> str:
    return f"{ratio:,.1f}x" if ratio < 100 else f"{ratio:,.0f}x" if ratio < 1e5 else f"{ratio:.1e}x"


def cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(header: list[str], rows: list[list]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---:" if h in RIGHT_ALIGNED else "---" for h in header) + "|")
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return lines


def nm(net: Net) -> str:
    """A net's name in running text: italic, since names like 'Part One, small' carry commas."""
    return f"*{net.name}*"


def run_ids_text(net: Net) -> str:
    """'run 4' or 'runs 4-6' or 'runs 4, 7'."""
    ids = net.run_ids
    if len(ids) == 1:
        return f"run {ids[0]}"
    if ids == list(range(ids[0], ids[-1] + 1)):
        return f"runs {ids[0]}-{ids[-1]}"
    return "runs " + ", ".join(map(str, ids))


def title(net: Net) -> str:
    return f"{net.name} ({run_ids_text(net)})"


def runs_count(n: int) -> str:
    """'1 run', '3 runs'."""
    return f"{n} run{'s' * (n != 1)}"


def layers_phrase(net: Net) -> str:
    h = net.hidden_layers
    if len(h) == 1:
        return f"1 hidden layer of {h[0]} units"
    return f"{len(h)} hidden layers ({format_layers(h)})"


def missing_line(slot: str, ans: Answers | None = None) -> str:
    """A part with no net: not picked (its runs exist) or not run, said as it is."""
    ids = ans.unpicked.get(slot) if ans is not None else None
    if ids:
        which = ", ".join(map(str, ids))
        return (
            f"**Not picked:** `{slot}` has completed run{'s' * (len(ids) > 1)} ({which}) that were not among "
            "the runs picked in Compare; pick them to answer this part."
        )
    return f"**Missing:** no completed run of `{slot}`. Train it: `mnist-tui train {slot} --repeats 3`."


def notes_block(ans: Answers, key: str) -> list[str]:
    """The user's note under its heading; nothing at all when there is none (no placeholder in the file)."""
    text = ans.notes.get(key, "").strip()
    if not text:
        return []
    return [f"**{NOTE_KEYS[key]}:**", "", *quote(text), ""]


def quote(text: str) -> list[str]:
    return [f"> {line}" if line else ">" for line in text.strip().splitlines()]


def epoch_seconds(net: Net) -> str:
    """Median and range of the epochs after the first, the first (compiling) epoch apart."""
    run = net.run
    where = f"on {run.device or 'an unknown device'} with the {run.backend or 'unknown'} backend"
    size = f", {run.sizes['train']:,} training examples" if run.sizes.get("train") else ""
    batch = net.hyper("batch_size")
    where += size + (f", batch size {batch}" if batch else "")
    first, later = net.first_epoch_seconds, net.later_epoch_seconds
    runs = f"{net.n} run{'s' * (net.n > 1)}"
    first_text = "n/a"
    if first is not None and first.n == 1:
        first_text = seconds(first.mean)
    elif first is not None:
        first_text = f"median {seconds(first.median)}, range {first.low:.2f}-{first.high:.2f} s"
    if later is None:
        return f"{first_text} for its only epoch (includes building the compiled graph), {where}."
    return (
        f"median {seconds(later.median)} per epoch, range {later.low:.2f}-{later.high:.2f} s over the "
        f"{later.n} epochs after the first ({runs}); the first epoch, which also builds the compiled graph, "
        f"took {first_text}. Measured {where}."
    )
