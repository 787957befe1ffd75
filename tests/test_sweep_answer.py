"""The sweep's answer to the correlation question, from known stores, against figures computed here by
hand: Spearman's rho over the points (mean test accuracy per point against parameters), its bootstrap
95% interval (the points resampled with the answer's fixed seed, rho of each resample by scipy), the
partial rank correlation with depth held fixed (the textbook formula), and words that claim no more than
the interval: a sign only when the whole interval is on one side of 0."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from sweep_stores import add_point_run, add_sweep

from engine.answers.sweep import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, partial_spearman, sweep_answer
from engine.report import export_markdown
from engine.report.sweep import sweep_section

GRID = """name = "size and depth"
base = "part1-small"
seeds = 2
[grid]
hidden_layers = ["16", "32", "64", "128", "256", "2 x 16", "2 x 64", "2 x 256"]
{extra}
"""
# params: 12,730  25,450  50,890  101,770  203,530  13,002  59,210  269,322
RISING = [(0.80, 0.82), (0.85, 0.83), (0.86, 0.88), (0.90, 0.89), (0.89, 0.91), (0.78, 0.80), (0.88, 0.86), (0.92, 0.9)]
FLAT = [(0.85, 0.80), (0.79, 0.87), (0.90, 0.80), (0.78, 0.84), (0.86, 0.80), (0.83, 0.91), (0.80, 0.82), (0.87, 0.8)]


def fill(store, accuracies, extra: str = ""):
    sweep_id, plan = add_sweep(store, GRID.format(extra=extra))
    for index, pair in enumerate(accuracies, start=1):
        for seed, test in enumerate(pair):
            add_point_run(store, sweep_id, plan, index, test, seed=seed)
    return sweep_id, plan


def by_hand(plan, accuracies):
    x = np.array([math.log10(p.spec.param_counts().total) for p in plan.points])
    y = np.array([sum(pair) / 2 for pair in accuracies])
    z = np.array([len(p.spec.hidden_layers) for p in plan.points], dtype=float)
    rho = stats.spearmanr(x, y).statistic
    idx = np.random.default_rng(BOOTSTRAP_SEED).integers(0, len(x), size=(BOOTSTRAP_RESAMPLES, len(x)))
    resampled = []
    for row in idx:
        if len(set(x[row])) > 1 and len(set(y[row])) > 1:
            resampled.append(stats.spearmanr(x[row], y[row]).statistic)
    low, high = np.percentile(resampled, [2.5, 97.5])
    r_xy, r_xz, r_yz = (stats.spearmanr(a, b).statistic for a, b in ((x, y), (x, z), (y, z)))
    partial = (r_xy - r_xz * r_yz) / math.sqrt((1 - r_xz**2) * (1 - r_yz**2))
    return rho, low, high, partial


@pytest.mark.parametrize("accuracies", [RISING, FLAT], ids=["rising", "flat"])
def test_rho_its_interval_and_the_partial_correlation_match_the_hand_computation(store, accuracies):
    _, plan = fill(store, accuracies)
    ans = sweep_answer(store)
    rho, low, high, partial = by_hand(plan, accuracies)
    assert ans.rho.value == pytest.approx(rho, abs=1e-12)
    assert (ans.rho.low, ans.rho.high) == (pytest.approx(low, abs=1e-12), pytest.approx(high, abs=1e-12))
    assert ans.partial.value == pytest.approx(partial, abs=1e-12)
    assert ans.rho_p == pytest.approx(
        stats.spearmanr([p.params for p in ans.points], [p.mean("test") for p in ans.points]).pvalue
    )
    assert (len(ans.points), ans.runs) == (8, 16)


def test_the_partial_correlation_formula_on_numbers_checkable_by_eye():
    # size and accuracy in the same order, depth splitting them in halves: holding depth fixed leaves rho 1
    assert partial_spearman(np.array([1.0, 2, 3, 4]), np.array([1.0, 2, 3, 4]), np.array([1.0, 1, 2, 2])) == 1.0
    # 1 - 6 sum(d^2) / (n (n^2 - 1)) with n = 5: d^2 sums to 8, 2 and 16, so 0.6, 0.9 and 0.2
    x, y, z = np.array([1.0, 2, 3, 4, 5]), np.array([2.0, 1, 5, 3, 4]), np.array([1.0, 3, 2, 4, 5])
    r = [stats.spearmanr(a, b).statistic for a, b in ((x, y), (x, z), (y, z))]
    assert r == [pytest.approx(0.6), pytest.approx(0.9), pytest.approx(0.2)]
    expected = (0.6 - 0.9 * 0.2) / math.sqrt((1 - 0.81) * (1 - 0.04))  # 0.42 / 0.427 = 0.98
    assert partial_spearman(x, y, z) == pytest.approx(expected)


def test_a_rising_sweep_claims_the_sign_and_no_more(store):
    fill(store, RISING)
    ans = sweep_answer(store)
    assert ans.rho.low > 0  # the hand computation above agrees on these numbers
    text = "\n".join(sweep_section(ans))
    assert f"Spearman's rho = {ans.rho.value:.2f}" in text
    assert f"95% interval {ans.rho.low:.2f} to {ans.rho.high:.2f}" in text
    assert "bigger nets rank higher in test accuracy" in text and "the sign holds for these 8 points" in text
    assert "n = 8 points from 16 runs" in text and f"{BOOTSTRAP_RESAMPLES:,} resamples, seed {BOOTSTRAP_SEED}" in text
    assert f"the partial rank correlation of size and test accuracy is {ans.partial.value:.2f}" in text


def test_a_flat_sweep_says_the_interval_includes_zero(store):
    fill(store, FLAT)
    ans = sweep_answer(store)
    assert ans.rho.low < 0 < ans.rho.high
    text = "\n".join(sweep_section(ans))
    assert "does not show a clear correlation" in text and "includes 0" in text
    assert "bigger nets rank" not in text


def test_points_differing_in_another_field_are_named_as_a_confounder(store):
    _, plan = add_sweep(store, GRID.format(extra="learning_rate = [0.1, 0.5]"))
    for index in range(1, len(plan.points) + 1):
        add_point_run(store, 1, plan, index, 0.8 + 0.01 * (index % 5))
    text = "\n".join(sweep_section(sweep_answer(store)))
    assert "The points also differ in learning rate (0.1, 0.5), which neither coefficient holds fixed" in text


def test_one_depth_has_no_partial_correlation_and_too_few_points_no_rho(store):
    _, plan = add_sweep(store, 'name = "widths"\nbase = "part1-small"\n[grid]\nwidth = [8, 16, 32, 64]\n')
    add_point_run(store, 1, plan, 1, 0.7)
    add_point_run(store, 1, plan, 2, 0.8)
    text = "\n".join(sweep_section(sweep_answer(store)))
    assert "needs at least 3 points with a test accuracy, has 2" in text
    add_point_run(store, 1, plan, 3, 0.75)
    text = "\n".join(sweep_section(sweep_answer(store)))
    assert "no partial correlation: every point has 1 hidden layer" in text


def test_export_names_the_sweep_its_size_and_file_apart_from_the_six_nets(store):
    fill(store, RISING)
    text = export_markdown(store)
    head = text.index("### Is there a clear correlation between parameter count and accuracy?")
    at = text.index("#### From sweep 1, *size and depth*, kept apart from the nets above")
    assert head < at < text.index("## Part Three")
    paragraph = text[at : text.index("## Part Three")]
    assert "(file `/sweeps/known.toml`): 8 points x 2 seeds = 16 runs planned" in paragraph
    assert "1,000 training, 1,333 validation and 2,000 test images (a sample, not the full MNIST)" in paragraph
    assert "| 8 | layers 2 x 256 | 256, 256 | 269,322 | 2 | 91.00 ± 1.41 |" in paragraph
    assert "shared batch order" not in paragraph  # each seed trained on its own order


def test_a_sweep_whose_seeds_shared_a_batch_order_says_so(store):
    sweep_id, plan = add_sweep(store, GRID.format(extra=""))
    for index, pair in enumerate(RISING, start=1):
        for seed, test in enumerate(pair):
            shared = {"stacked": 2, "shared_order": True} if index <= 3 else {}
            add_point_run(store, sweep_id, plan, index, test, seed=seed, extra=shared)
    text = "\n".join(sweep_section(sweep_answer(store)))
    assert "6 of its 16 runs trained stacked with their point's other seeds on one shared batch order" in text
    assert "differ in initial weights only" in text


def test_no_sweep_no_paragraph(store):
    assert sweep_answer(store) is None and sweep_section(None) == []
    assert "From sweep" not in export_markdown(store)
