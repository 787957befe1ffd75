"""engine.stats against hand computation: summaries, binomial SE, gaps and their noise, correlations."""

from __future__ import annotations

import math

import pytest

from engine.correlation import CorrelationTest, correlate
from engine.stats import (
    Family,
    binomial_se,
    gap,
    gap_between,
    holm,
    mcnemar,
    one_sided_lower,
    summarize,
    two_proportions,
)


def test_summary_mean_sd_and_one_value():
    s = summarize([0.9, 0.92, None, 0.94])
    assert s.n == 3 and s.mean == pytest.approx(0.92) and s.sd == pytest.approx(0.02)
    assert (s.low, s.high, s.median) == (0.9, 0.94, 0.92)
    one = summarize([0.5])
    assert one.sd is None and one.n == 1
    assert summarize([None]) is None


def test_binomial_se():
    assert binomial_se(0.9, 2000) == pytest.approx(math.sqrt(0.09 / 2000))
    assert binomial_se(0.5, None) is None and binomial_se(1.0, 100) == 0.0


def test_t_interval_uses_n_minus_one_degrees_of_freedom():
    s = summarize([0.90, 0.91, 0.92])
    lo, hi = s.interval()
    assert s.df == 2
    assert hi - s.mean == pytest.approx(4.302653 * 0.01 / math.sqrt(3), rel=1e-6)  # t(0.975, 2) = 4.30, not 2
    assert lo == pytest.approx(2 * s.mean - hi)
    assert summarize([0.9]).interval() is None


def test_two_seed_groups_get_welch():
    from scipy import stats

    a, b = [0.90, 0.91, 0.92], [0.80, 0.81, 0.85]
    g = gap(a, b, 2000, 2000)
    ref = stats.ttest_ind(a, b, equal_var=False)
    assert g.test == "Welch t" and g.seeds_measured
    assert g.p == pytest.approx(ref.pvalue) and g.df == pytest.approx(ref.df)
    assert g.half_width == pytest.approx(stats.t.ppf(0.975, ref.df) * g.se)


def test_paired_gap_uses_per_run_differences_and_the_images():
    g = gap([0.95, 0.96], [0.90, 0.91], 6000, 1333, paired=True)
    sampling = math.sqrt(0.955 * 0.045 / 6000 + 0.905 * 0.095 / 1333)
    assert g.test == "paired t" and g.diff == pytest.approx(0.05)
    assert g.se == pytest.approx(sampling)  # the difference is 5 points in both runs: only the images' noise
    assert g.df is None  # a known binomial noise: the normal's factor


def test_one_run_has_sampling_noise_only():
    g = gap([0.892], [0.8927], 2000, 1333)
    assert not g.seeds_measured and g.test == "two-proportion z"
    assert g.within_noise is True and g.half_width == pytest.approx(1.959964 * g.se, rel=1e-5)


def test_holm_adjusts_the_family():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    family = Family()
    strong = family.add(two_proportions(0.95, 2000, 0.90, 2000))
    weak = family.add(two_proportions(0.91, 2000, 0.89, 2000))
    assert weak.p < 0.05  # measurable on its own ...
    assert weak.adjusted_p == pytest.approx(max(weak.p, 2 * strong.p))  # the larger p is multiplied by 1
    assert strong.measurable and family.size == 2


def test_holm_makes_one_of_many_gaps_unmeasurable():
    family = Family()
    g = family.add(two_proportions(0.91, 2000, 0.89, 2000))  # p = 0.03
    for _ in range(19):
        family.add(two_proportions(0.5, 2000, 0.5, 2000))
    assert g.p < 0.05 and not g.measurable  # 20 comparisons: 0.03 x 20 > 0.05


def test_mcnemar_exact_and_chi_square():
    from scipy import stats

    small = mcnemar(8, 2, 2000)
    assert small.test == "McNemar exact" and small.p == pytest.approx(stats.binomtest(8, 10, 0.5).pvalue)
    assert small.diff == pytest.approx(6 / 2000) and small.discordant == (8, 2)
    big = mcnemar(60, 30, 2000)
    assert big.test == "McNemar chi-square" and big.p == pytest.approx(stats.chi2.sf(29**2 / 90, 1))
    assert mcnemar(0, 0, 2000).p == 1.0


def test_gap_between_two_gaps():
    g = gap_between(two_proportions(0.95, 2000, 0.90, 1333), two_proportions(0.91, 2000, 0.90, 1333))
    assert g.diff == pytest.approx(0.04) and g.df is None and not g.seeds_measured


def test_one_sided_lower_bound():
    s = summarize([0.93, 0.935, 0.94])
    seed = s.sd / math.sqrt(3)
    sampling = math.sqrt(s.mean * (1 - s.mean) / 1333)
    assert one_sided_lower(s, 1333) == pytest.approx(s.mean - 2.919986 * math.sqrt(seed**2 + sampling**2), rel=1e-5)


def test_correlate_against_scipy_and_reasons():
    from scipy import stats

    x, y = [1, 2, 3, 4, 5], [0.1, 0.3, 0.2, 0.5, 0.4]
    c = correlate(x, y)
    assert isinstance(c, CorrelationTest)
    assert c.pearson == pytest.approx(stats.pearsonr(x, y).statistic)
    assert c.spearman_p == pytest.approx(stats.spearmanr(x, y).pvalue)
    assert "at least 3" in correlate([1, 2], [0.1, 0.2])
    assert "same test accuracy" in correlate([1, 2, 3], [0.1, 0.1, 0.1])
    assert "same parameter count" in correlate([1, 1, 1], [0.1, 0.2, 0.3])


@pytest.mark.parametrize(
    "n, p, clear",
    [
        (4, 0.001, False),  # too few points, whatever scipy's p says
        (5, 0.01, True),
        (6, 0.2, False),
    ],
)
def test_clear_needs_n_and_p(n, p, clear):
    assert CorrelationTest(n, 0.9, p, 0.9, p).clear is clear


def test_clear_needs_the_same_sign():
    assert CorrelationTest(8, 0.9, 0.001, -0.9, 0.001).clear is False
