"""engine.stats against hand computation: summaries, binomial SE, gaps and their noise, correlations."""

from __future__ import annotations

import math

import pytest

from engine.stats import CorrelationTest, Gap, binomial_se, correlate, gap, gap_between, summarize


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


def test_unpaired_gap_counts_both_noises():
    g = gap([0.90, 0.91, 0.92], [0.80, 0.80, 0.80], 2000, 2000)
    sampling = math.sqrt(0.91 * 0.09 / 2000 + 0.8 * 0.2 / 2000)
    assert g.diff == pytest.approx(0.11) and g.sampling_se == pytest.approx(sampling)
    assert g.seed_se == pytest.approx(math.sqrt(0.0001 / 3))
    assert g.within_noise is False and g.seeds_measured


def test_paired_gap_uses_per_run_differences():
    g = gap([0.95, 0.96], [0.90, 0.91], 6000, 1333, paired=True)
    assert g.seed_se == pytest.approx(0.0, abs=1e-12)  # the difference is 5 points in both runs
    assert g.diff == pytest.approx(0.05)


def test_one_run_has_sampling_noise_only():
    g = gap([0.892], [0.8927], 2000, 1333)
    assert g.seed_se is None and not g.seeds_measured
    assert g.within_noise is True and g.noise == pytest.approx(2 * g.sampling_se)


def test_a_gap_at_the_band_edge():
    assert Gap(0.02, 0.01, None).within_noise is True  # exactly 2 SE: still inside
    assert Gap(0.0201, 0.01, None).within_noise is False


def test_gap_between_two_gaps():
    g = gap_between(Gap(0.05, 0.01, 0.002), Gap(0.01, 0.01, None))
    assert g.diff == pytest.approx(0.04) and g.sampling_se == pytest.approx(math.sqrt(2) * 0.01)
    assert g.seed_se is None


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
