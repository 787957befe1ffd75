"""The statistics the answers lean on, small enough to check by hand: a mean with its spread over repeats and
its t interval, the sampling noise of an accuracy measured on N images, tests of a gap (Welch for two seed
groups, paired t for two splits of the same runs, McNemar for two models on the same test images, a
two-proportion z test when only the sampling noise is known) and Holm's family-wise correction over every
comparison a document makes. A correlation with its p-values and interval is engine/correlation.py.

Noise, and why two sources: an accuracy measured on N images is a proportion, so even a fixed model's
figure would move by about sqrt(p(1-p)/N) on another N images (the binomial standard error); and the same
spec trained with another seed ends somewhere else (the spread over repeats). A spread from n seeds is
itself an estimate with n - 1 degrees of freedom, so its intervals use Student's t, not 2 standard errors:
at n = 3 the 95% factor is 4.30.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

ALPHA = 0.05  # a comparison is "measurable" when its Holm-adjusted p-value is below this
CONFIDENCE = 1 - ALPHA
EXACT_MCNEMAR_BELOW = 25  # discordant pairs: below this McNemar's test is the exact binomial one


def t_critical(df: float | None, confidence: float = CONFIDENCE, sides: int = 2) -> float:
    """The factor a standard error is multiplied by for an interval: Student's t with df degrees of freedom,
    or the normal's when df is None (a noise known from the binomial, not estimated from seeds)."""
    from scipy import stats

    q = 1 - (1 - confidence) / sides
    return float(stats.norm.ppf(q) if df is None else stats.t.ppf(q, df))


def _p_from(stat: float, df: float | None, sides: int = 2) -> float:
    from scipy import stats

    dist = stats.norm if df is None else stats.t(df)
    tail = float(dist.sf(abs(stat)) if sides == 2 else dist.sf(stat))
    return min(1.0, tail * sides) if sides == 2 else tail


@dataclass(frozen=True)
class Summary:
    """Values over repeats: mean, sample standard deviation (None with one value), count, range."""

    values: tuple[float, ...]

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.values)

    @property
    def sd(self) -> float | None:
        return statistics.stdev(self.values) if self.n >= 2 else None

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def df(self) -> int | None:
        return self.n - 1 if self.n >= 2 else None

    def interval(self, confidence: float = CONFIDENCE) -> tuple[float, float] | None:
        """The t interval of the mean over the seeds (None with one run: no spread to estimate)."""
        if self.sd is None:
            return None
        half = t_critical(self.df, confidence) * self.sd / math.sqrt(self.n)
        return self.mean - half, self.mean + half


def summarize(values: Sequence[float | None]) -> Summary | None:
    """None when no value is known (a run with no final evaluation counts as no value)."""
    known = tuple(float(v) for v in values if v is not None)
    return Summary(known) if known else None


def binomial_se(p: float, n_images: int | None) -> float | None:
    """Standard error of an accuracy p measured on n_images independent images."""
    if not n_images or n_images < 1:
        return None
    p = min(max(p, 0.0), 1.0)
    return math.sqrt(p * (1 - p) / n_images)


class Family:
    """Every comparison one document makes, for Holm's step-down correction: the smallest of m p-values is
    multiplied by m, the next by m - 1, ..., each kept at least as large as the one before. A gap added
    here reads its adjusted p-value from the whole family, so add them all before reading any."""

    def __init__(self) -> None:
        self._p: list[float] = []

    def add(self, g: Gap | None) -> Gap | None:
        if g is None:
            return None
        self._p.append(g.p)
        return replace(g, family=self, index=len(self._p) - 1)

    @property
    def size(self) -> int:
        return len(self._p)

    def adjusted(self, index: int) -> float:
        return holm(self._p)[index]


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values, in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    out, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        out[i] = running
    return out


@dataclass(frozen=True)
class Gap:
    """a - b with its standard error, the test that gave its p-value, and its degrees of freedom."""

    diff: float
    se: float
    df: float | None  # Student's t degrees of freedom; None: a normal (binomial) noise
    test: str  # "Welch t", "paired t", "two-proportion z", "McNemar exact", "McNemar chi-square"
    p: float  # two-sided, before any correction
    seeds_measured: bool  # the seed-to-seed spread is part of the noise (n >= 2 on each side)
    discordant: tuple[int, int] | None = None  # McNemar: images only a got right, only b got right
    family: Family | None = field(default=None, compare=False, repr=False)
    index: int = field(default=-1, compare=False, repr=False)

    @property
    def half_width(self) -> float:
        """Half the 95% interval of the difference."""
        return t_critical(self.df) * self.se

    noise = half_width

    @property
    def interval(self) -> tuple[float, float]:
        return self.diff - self.half_width, self.diff + self.half_width

    @property
    def adjusted_p(self) -> float:
        """Holm-adjusted over the document's comparisons (the raw p when the gap is in no family)."""
        return self.p if self.family is None else self.family.adjusted(self.index)

    @property
    def measurable(self) -> bool:
        return self.adjusted_p < ALPHA

    @property
    def within_noise(self) -> bool:
        return not self.measurable


def _gap_from(diff: float, se: float, df: float | None, test: str, seeds: bool) -> Gap:
    if se <= 0:
        return Gap(diff, 0.0, df, test, 1.0 if diff == 0 else 0.0, seeds)
    return Gap(diff, se, df, test, _p_from(diff / se, df), seeds)


def two_proportions(pa: float, na: int | None, pb: float, nb: int | None) -> Gap:
    """Two accuracies measured on separate images, only their binomial noise known: a z test."""
    sa, sb = binomial_se(pa, na) or 0.0, binomial_se(pb, nb) or 0.0
    return _gap_from(pa - pb, math.sqrt(sa**2 + sb**2), None, "two-proportion z", False)


def welch(a: Sequence[float], b: Sequence[float]) -> Gap:
    """Two independent seed groups (n >= 2 each): Welch's t with Welch-Satterthwaite degrees of freedom."""
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    se = math.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if se > 0 else len(a) + len(b) - 2
    return _gap_from(statistics.fmean(a) - statistics.fmean(b), se, df, "Welch t", True)


def gap(
    a: Sequence[float],
    b: Sequence[float],
    images_a: int | None,
    images_b: int | None,
    paired: bool = False,
) -> Gap:
    """The gap between two accuracies over repeats.

    paired=True: a[i] and b[i] come from the same run (train vs validation of one net): a paired t on the
    per-run differences, its standard error widened by the sampling noise of the images (the same
    validation images in every run, so more seeds do not average it away); the degrees of freedom by
    Satterthwaite, n - 1 for the seed part and unlimited for the known binomial part.
    Otherwise two nets: Welch's t over their seeds when each has at least 2 runs that differ; with one run
    on a side the seed spread is unknown and only the sampling noise is tested (seeds_measured False).
    """
    ma, mb = statistics.fmean(a), statistics.fmean(b)
    sa, sb = binomial_se(ma, images_a) or 0.0, binomial_se(mb, images_b) or 0.0
    sampling = math.sqrt(sa**2 + sb**2)
    if paired and len(a) == len(b) and len(a) >= 2:
        diffs = [x - y for x, y in zip(a, b, strict=True)]
        seed = statistics.stdev(diffs) / math.sqrt(len(diffs))
        se = math.sqrt(seed**2 + sampling**2)
        # Satterthwaite: only the seed part is estimated (n - 1 df); the binomial part is known
        df = se**4 / (seed**4 / (len(diffs) - 1)) if seed > 0 else None
        return _gap_from(ma - mb, se, df, "paired t", True)
    if not paired and len(a) >= 2 and len(b) >= 2 and (statistics.variance(a) + statistics.variance(b)) > 0:
        return welch(a, b)
    return two_proportions(ma, images_a, mb, images_b)


def gap_between(a: Gap, b: Gap) -> Gap:
    """a.diff - b.diff for two gaps measured on different nets (say, two nets' train-validation gaps);
    degrees of freedom by Welch-Satterthwaite when both carry some."""
    se = math.sqrt(a.se**2 + b.se**2)
    df = None
    if a.df is not None and b.df is not None and se > 0:
        parts = [(g.se**4 / g.df) for g in (a, b) if g.df > 0]
        df = se**4 / sum(parts) if parts else None
    test = "Welch t" if df is not None else "z"
    return _gap_from(a.diff - b.diff, se, df, test, a.seeds_measured and b.seeds_measured)


def mcnemar(only_a: int, only_b: int, images: int) -> Gap:
    """Two models on the same test images: only_a images only a got right, only_b only b got right.
    Exact binomial test below EXACT_MCNEMAR_BELOW discordant images, else chi-square with continuity
    correction. diff is a's accuracy minus b's; se the paired standard error of that difference."""
    from scipy import stats

    n = only_a + only_b
    diff = (only_a - only_b) / images
    se = math.sqrt(max(n - (only_a - only_b) ** 2 / images, 0.0)) / images
    if n == 0:
        p, test = 1.0, "McNemar exact"
    elif n < EXACT_MCNEMAR_BELOW:
        p, test = float(stats.binomtest(only_a, n, 0.5).pvalue), "McNemar exact"
    else:
        chi = (abs(only_a - only_b) - 1) ** 2 / n
        p, test = float(stats.chi2.sf(chi, 1)), "McNemar chi-square"
    return Gap(diff, se, None, test, p, False, discordant=(only_a, only_b))


def one_sided_lower(s: Summary, images: int | None, confidence: float = CONFIDENCE) -> float:
    """The one-sided lower confidence bound of a mean accuracy: seed spread (t, n - 1 df) and the sampling
    noise of its images together; the images' part stays however many seeds are added."""
    sampling = binomial_se(s.mean, images) or 0.0
    seed = s.sd / math.sqrt(s.n) if s.sd is not None else 0.0
    return s.mean - t_critical(s.df, confidence, sides=1) * math.sqrt(sampling**2 + seed**2)
