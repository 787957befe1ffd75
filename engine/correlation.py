"""Whether two figures move together across nets (Part Two's parameters against accuracy): Pearson and
Spearman with their p-values, Pearson's interval by Fisher's z, and when such a result may be called clear.
The intervals' factors and the significance level are engine/stats.py's."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from engine.stats import ALPHA, CONFIDENCE, t_critical

CLEAR_P = ALPHA  # a correlation is "clear" only with both p-values below this ...
# ... and at least this many points: with 4 points even a perfect rank order happens by chance once in 12
# (two-sided exact p = 2/4! = 0.083), so below 5 no rank correlation can reach p < 0.05.
MIN_POINTS_FOR_CLEAR = 5


@dataclass(frozen=True)
class CorrelationTest:
    n: int
    pearson: float
    pearson_p: float
    spearman: float
    spearman_p: float
    pearson_interval: tuple[float, float] | None = None  # 95%, Fisher's z (needs n >= 4)

    @property
    def clear(self) -> bool:
        """Both coefficients agree in sign, both p-values are below CLEAR_P, n is large enough that a rank
        correlation could reach that p at all, and the interval (when known) excludes zero."""
        excludes_zero = self.pearson_interval is None or self.pearson_interval[0] * self.pearson_interval[1] > 0
        return (
            self.n >= MIN_POINTS_FOR_CLEAR
            and (self.pearson > 0) == (self.spearman > 0)
            and max(self.pearson_p, self.spearman_p) < CLEAR_P
            and excludes_zero
        )

    @property
    def inconclusive(self) -> bool:
        """Not clear, and the interval allows both no correlation and a strong one."""
        ci = self.pearson_interval
        return not self.clear and (ci is None or (ci[0] <= 0 <= ci[1]))


def fisher_interval(r: float, n: int, confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    if n < 4 or abs(r) >= 1:
        return None if n < 4 else (r, r)
    z, half = math.atanh(r), t_critical(None, confidence) / math.sqrt(n - 3)
    return math.tanh(z - half), math.tanh(z + half)


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
    r = float(p.statistic)
    return CorrelationTest(len(x), r, float(p.pvalue), float(s.statistic), float(s.pvalue), fisher_interval(r, len(x)))
