"""The statistics the answers lean on, small enough to check by hand: a mean with its spread over repeats,
the sampling noise of an accuracy measured on N images, whether a gap is larger than that noise, and a
correlation with its p-values.

Noise, and why two sources: an accuracy measured on N images is a proportion, so even a fixed model's
figure would move by about sqrt(p(1-p)/N) on another N images (the binomial standard error); and the
same spec trained with another seed ends somewhere else (the spread over repeats). A gap counts as
measurable only when it is larger than NOISE_Z standard errors of both together; with one run per net
the seed part is unknown and only the sampling part is counted, which the answers then say.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

NOISE_Z = 2.0  # a gap within 2 standard errors (about a 95% interval) is "no measurable difference"
CLEAR_P = 0.05  # a correlation is "clear" only with both p-values below this ...
# ... and at least this many points: with 4 points even a perfect rank order happens by chance once in 12
# (two-sided exact p = 2/4! = 0.083), so below 5 no rank correlation can reach p < 0.05.
MIN_POINTS_FOR_CLEAR = 5


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


@dataclass(frozen=True)
class Gap:
    """a - b, with the standard error of that difference and where it came from."""

    diff: float
    sampling_se: float  # from the images each figure was measured on
    seed_se: float | None  # from the spread over repeats; None when a side has one run

    @property
    def se(self) -> float:
        return math.sqrt(self.sampling_se**2 + (self.seed_se or 0.0) ** 2)

    @property
    def noise(self) -> float:
        """Half-width of the band a gap must leave to count as measurable."""
        return NOISE_Z * self.se

    @property
    def within_noise(self) -> bool:
        return abs(self.diff) <= self.noise

    @property
    def seeds_measured(self) -> bool:
        return self.seed_se is not None


def gap(
    a: Sequence[float],
    b: Sequence[float],
    images_a: int | None,
    images_b: int | None,
    paired: bool = False,
) -> Gap:
    """The gap between two accuracies over repeats.

    paired=True: a[i] and b[i] come from the same run (train vs validation of one net), so the seed noise
    is the spread of the per-run differences. Otherwise they are different nets and each side's spread
    counts. The sampling part treats the two figures as measured on independent images; for two nets on
    the same test images that overstates the noise a little, so a gap called measurable is safely so.
    """
    ma, mb = statistics.fmean(a), statistics.fmean(b)
    sa, sb = binomial_se(ma, images_a) or 0.0, binomial_se(mb, images_b) or 0.0
    sampling = math.sqrt(sa**2 + sb**2)
    seed: float | None = None
    if paired and len(a) == len(b) and len(a) >= 2:
        diffs = [x - y for x, y in zip(a, b, strict=True)]
        seed = statistics.stdev(diffs) / math.sqrt(len(diffs))
    elif not paired and len(a) >= 2 and len(b) >= 2:
        seed = math.sqrt(statistics.variance(a) / len(a) + statistics.variance(b) / len(b))
    return Gap(ma - mb, sampling, seed)


def gap_between(a: Gap, b: Gap) -> Gap:
    """a.diff - b.diff for two gaps measured on different nets (say, two nets' train-validation gaps)."""
    seed = None
    if a.seed_se is not None and b.seed_se is not None:
        seed = math.sqrt(a.seed_se**2 + b.seed_se**2)
    return Gap(a.diff - b.diff, math.sqrt(a.sampling_se**2 + b.sampling_se**2), seed)


@dataclass(frozen=True)
class CorrelationTest:
    n: int
    pearson: float
    pearson_p: float
    spearman: float
    spearman_p: float

    @property
    def clear(self) -> bool:
        """Both coefficients agree in sign, both p-values are below CLEAR_P, and n is large enough that
        a rank correlation could reach that p at all."""
        return (
            self.n >= MIN_POINTS_FOR_CLEAR
            and (self.pearson > 0) == (self.spearman > 0)
            and max(self.pearson_p, self.spearman_p) < CLEAR_P
        )


def correlate(x: Sequence[float], y: Sequence[float]) -> CorrelationTest | str:
    """Pearson and Spearman with their two-sided p-values (scipy), or why there is no coefficient."""
    if len(x) < 3:
        return f"needs at least 3 nets with a test accuracy, has {len(x)}"
    if len(set(y)) == 1:
        return "every net has the same test accuracy"
    if len(set(x)) == 1:
        return "every net has the same parameter count"
    from scipy import stats  # imported here: only an export needs it

    p = stats.pearsonr(x, y)
    s = stats.spearmanr(x, y)
    return CorrelationTest(len(x), float(p.statistic), float(p.pvalue), float(s.statistic), float(s.pvalue))
