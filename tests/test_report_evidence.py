"""The answers document against known stores, on what a strict reader checks first: signs kept, ranges over
what they say, t intervals and one Holm family named once, correlations that say "inconclusive" when the
interval allows, no fixed text the data never wrote, no placeholders, no ranking on one run; confusion
matrices and McNemar's paired test from stored predictions; learning curves that judge over- or
underfitting; and which runs answer (Home's rule, Compare's picks)."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pytest
from known_runs import (
    NARROW_GRADS,
    ONE_DIGIT,
    add_repeats,
    add_run,
    fill_controls,
    fill_exercise,
    labelled_test_set,
    predictions_with_accuracy,
)

from engine.answers import build_answers
from engine.answers.curves import curve_facts
from engine.report import render

DAY = date(2025, 3, 14)
LABELS = np.arange(2000) % 10  # 200 of each digit
LABELS[:30] = 1  # digit 1 the most common: 227 images (11.35%)


def section(md: str, heading: str) -> str:
    start = md.index(heading)
    nxt = md.find("\n## ", start + 1)
    return md[start : nxt if nxt > 0 else None]


def doc(store, run_ids=None) -> str:
    return render(build_answers(store, run_ids), today=DAY)


# -- wrong figures ----------------------------------------------------------------------------------------
def test_a_negative_generalisation_gap_keeps_its_sign(store):
    add_run(store, "part1-large", [384], train=0.8865, val=0.8927, test=0.8920)  # train 0.62 below validation
    add_run(store, "part3", [256, 128, 64], train=0.9877, val=0.9370, test=0.9365, epochs=20, learning_rate=0.5)
    text = doc(store)
    assert "train minus validation (the generalisation gap): no measurable difference from validation (-0.62 pp" in text
    assert "Its generalisation gap is +5.07 pp against -0.62 pp: 5.69 pp wider" in text
    assert "against 0.62 pp" not in text


def test_the_shallow_gradient_range_covers_every_part_one_run(store):
    add_repeats(store, "part1-large", [384], [(0.9, 0.89, 0.89)] * 3, grads=[2e-4, 1e-2])  # 50x
    ids = add_repeats(store, "part1-small", [48], [(0.9, 0.89, 0.89)] * 3, grads=[5e-4, 5e-3])  # 10x
    store.delete_run(ids[2])
    add_run(store, "part1-small", [48], train=0.9, val=0.89, test=0.89, grads=[1e-4, 2.8e-3], seed=99)  # 28x
    add_run(store, "part2-narrow", [8] * 10, train=0.11, val=0.11, test=0.1135, grads=NARROW_GRADS)
    p2 = section(doc(store), "## Part Two")
    assert "over all 6 runs of the one-hidden-layer nets of Part One it is 10.0x to 50.0x" in p2
    assert "in the only run of the deep nets" in p2 and "over all 1 runs" not in p2


# -- statistics -------------------------------------------------------------------------------------------
def test_t_intervals_and_one_holm_family_named_once(store):
    fill_exercise(store)
    add_repeats(store, "part1-small", [48], [(0.95, 0.90, 0.901), (0.951, 0.901, 0.899), (0.949, 0.899, 0.90)])
    ans = build_answers(store)
    text = render(ans, today=DAY)
    assert text.count("Holm's method") == 1
    assert f"The document makes {ans.family.size} such comparisons" in text
    assert "at n = 3 the 95% factor is 4.30, not 2" in text
    assert "nothing is estimated" not in text and "noise band" not in text
    assert "Holm-adjusted p" in section(text, "## Part One")


def test_a_gap_that_passes_alone_fails_after_holm(store):
    """Part Three 1.98 pp above Part One large over three seeds each: Welch p = 0.02 before the correction,
    but not measurable among the document's comparisons."""
    add_repeats(store, "part1-large", [384], [(0.9, 0.89, 0.883), (0.9, 0.89, 0.890), (0.9, 0.89, 0.897)])
    add_repeats(
        store,
        "part3",
        [256, 128, 64],
        [(0.97, 0.93, 0.9028), (0.97, 0.93, 0.9098), (0.97, 0.93, 0.9168)],
        epochs=20,
        learning_rate=0.5,
    )
    add_repeats(store, "part1-small", [48], [(0.9, 0.89, 0.905), (0.9, 0.89, 0.8930), (0.9, 0.89, 0.90)])
    ans = build_answers(store)
    g = next(a.test_gap for a in ans.part_three.against if a.part_one.slot == "part1-large")
    assert g.test == "Welch t" and g.p < 0.05
    assert g.adjusted_p >= 0.05 and not g.measurable
    p3 = section(render(ans, today=DAY), "## Part Three")
    assert "On test, Part Three against it: no measurable difference from *part1-large* (+1.98 pp" in p3
    assert "a measurable gap" not in p3


def test_correlation_is_inconclusive_when_its_interval_allows(store):
    fill_exercise(store)
    p2 = section(doc(store), "## Part Two")
    assert "**Inconclusive:** the data allow anything from r = " in p2
    assert "No clear correlation" not in p2
    assert "on log parameters" in p2 and "What it cannot:" in p2


def test_controls_at_n_3_say_the_test_has_no_power(store):
    fill_exercise(store)
    add_repeats(
        store,
        "part2-narrow",
        [8] * 10,
        [(0.11, 0.11, 0.1135)] * 2 + [(0.11, 0.11, 0.1150)],
        learning_rate=0.01,
        predicted=ONE_DIGIT,
    )
    fill_controls(store, stuck=("part2-narrow",))
    for run in store.runs(kind="control"):
        if run.part == "part2-narrow" and run.spec_json.get("activation") == "relu":
            store.delete_run(run.run_id)
    for i, t in enumerate((0.3055, 0.1725, 0.1135)):
        add_run(
            store,
            "part2-narrow",
            [8] * 10,
            train=t,
            val=t,
            test=t,
            seed=42 + i,
            repeat_group="relu-n",
            kind="control",
            activation="relu",
            learning_rate=0.01,
        )
    p2 = section(doc(store), "## Part Two")
    assert "With ReLU, *part2-narrow*'s runs ended at 30.55%, 17.25%, 11.35% on test" in p2
    assert "With n = 3 and a seed sd of 9.83 pp the test has no power here" in p2
    assert "what holds it back then is not a vanishing gradient" not in p2


def test_one_run_is_never_ranked(store):
    fill_exercise(store)
    text = doc(store)
    assert "the best mean" not in text and "measurable gap" not in text
    assert "With one run of a net this is the highest figure, not a ranking" in text
    assert "the two networks cannot be ranked on it" in section(text, "## Part One")


def test_part_one_wide_against_narrow_has_a_sentence_of_its_own(store):
    add_repeats(store, "part1-large", [384], [(0.95, 0.92, 0.921), (0.95, 0.92, 0.922), (0.95, 0.92, 0.920)])
    add_repeats(store, "part1-small", [48], [(0.92, 0.90, 0.901), (0.92, 0.90, 0.899), (0.92, 0.90, 0.900)])
    p1 = section(doc(store), "## Part One")
    assert "### The wide net against the narrow one" in p1
    assert "The wide net is better on test: *part1-large* is 2.10 pp higher than *part1-small*" in p1


# -- fixed text and placeholders --------------------------------------------------------------------------
def test_the_chance_baseline_is_measured_not_about_ten_percent(store):
    confusion = np.zeros((10, 10), int)
    for d, count in enumerate(np.bincount(LABELS, minlength=10)):
        confusion[d][1] = count  # predicts 1 for everything
    add_run(store, "part2-narrow", [8] * 10, train=0.11, val=0.11, test=0.1135, confusion=confusion.tolist())
    p2 = section(doc(store), "## Part Two")
    assert "always answering 1, the test set's most common digit, would score 11.35%" in p2
    assert "about 10%" not in p2


def test_no_placeholder_is_written_to_the_file(store):
    fill_exercise(store)
    text = doc(store)
    assert "none yet" not in text.lower() and "yet." not in text
    assert "layers above see noise" not in text


# -- predictions: confusion and McNemar -------------------------------------------------------------------
def test_confusion_matrices_and_a_paired_test_from_stored_predictions(store, tmp_path):
    source = labelled_test_set(tmp_path / "labelled.npz", LABELS)
    large = predictions_with_accuracy(LABELS, 0.95)  # wrong on images 0-99
    small = predictions_with_accuracy(LABELS, 0.96, wrong_from=50)  # wrong on images 50-129
    add_run(store, "part1-large", [384], train=0.96, val=0.95, test=0.95, data_source=source, predictions=large)
    add_run(store, "part1-small", [48], train=0.97, val=0.96, test=0.96, data_source=source, predictions=small)
    ans = build_answers(store)
    g = ans.wide_vs_narrow.test_gap
    assert g.test == "McNemar chi-square" and g.discordant == (30, 50)  # large alone right on 100-129, small on 0-49
    large_part = ans.part_one[0]
    assert sum(map(sum, large_part.confusion.matrix)) == 2000
    assert large_part.confusion.matrix[1][2] == sum(1 for i in range(100) if LABELS[i] == 1)
    p1 = section(render(ans, today=DAY), "## Part One")
    assert "Confusion matrix of run 1 on the test set (rows: the true digit" in p1
    assert "| **1** | 0 | 190 | 37 | 0 |" in p1  # 227 ones, the 37 among the first 100 answered 2
    assert "McNemar chi-square on the same test images (30 vs 50 images only one of them got right)" in p1


def test_no_confusion_matrix_says_why(store):
    add_run(store, "part1-large", [384], train=0.9, val=0.89, test=0.89, predictions=LABELS)
    p1 = section(doc(store), "## Part One")
    assert "No confusion matrix: the test labels could not be read (mnist-sample.npz: no such file" in p1


# -- learning curves --------------------------------------------------------------------------------------
def _curve(store, val_losses, train_losses=None):
    n = len(val_losses)
    train_losses = train_losses or [1.0 / (e + 1) for e in range(n)]
    hist = [(train_losses[e], 0.9, val_losses[e], 0.9 - 0.01 * abs(e - 4)) for e in range(n)]
    rid = add_run(store, "part1-large", [384], train=0.9, val=0.9, test=0.9, epochs=n, history=hist)
    return curve_facts(store.get_run(rid))


@pytest.mark.parametrize(
    "val_losses, judgement",
    [
        ([0.9, 0.6, 0.45, 0.40, 0.38, 0.37, 0.36, 0.35, 0.34, 0.33], "still learning"),
        ([0.9, 0.6, 0.45, 0.40, 0.38, 0.37, 0.36, 0.36, 0.36, 0.36], "plateaued"),
        ([0.9, 0.6, 0.45, 0.40, 0.38, 0.39, 0.41, 0.43, 0.45, 0.47], "overfitting"),
    ],
)
def test_learning_curve_judgement(store, val_losses, judgement):
    f = _curve(store, val_losses)
    assert f.judgement == judgement
    assert f.val_loss_min == min(val_losses) and f.last_val_losses == tuple(val_losses[-3:])
    assert f.best_val_epoch == 5  # the validation accuracy peaks at epoch 5


def test_curves_are_in_the_document_and_overfitting_is_not_the_gap(store):
    fill_exercise(store)
    text = doc(store)
    assert "| Run | Best validation epoch (%) | Validation-loss minimum | Last 3 epochs' validation loss |" in text
    assert "- **Learning curves:** still learning in 1 of 1 run." in section(text, "## Part One")
    assert "more overfitting" not in text and "less overfitting" not in text


def test_part_three_dip_after_first_clearing_the_goal(store):
    vals = [0.85, 0.89, 0.921, 0.90, 0.925, 0.93, 0.931, 0.932, 0.933, 0.934]
    hist = [(1.0 / (e + 1), v + 0.01, 1.1 / (e + 1), v) for e, v in enumerate(vals)]
    add_repeats(store, "part3", [256, 128, 64], [(0.95, 0.934, 0.93)] * 3, history=hist)
    p3 = section(doc(store), "## Part Three")
    assert "**met**: all 3 runs cleared 92% on both splits" in p3
    assert "run 1 fell back to 90.00% at epoch 4 after first clearing it at epoch 3" in p3


def test_loss_and_the_gap_are_charted(store):
    fill_exercise(store)
    charts = section(doc(store), "## Training charts")
    assert "Loss (categorical cross-entropy):" in charts
    assert "Train minus validation accuracy (percentage points; its own scale" in charts


# -- which runs answer ------------------------------------------------------------------------------------
def test_a_later_single_run_joins_the_repeats_with_the_same_settings(store):
    ids = add_repeats(store, "part1-small", [48], [(0.91, 0.90, 0.905), (0.92, 0.89, 0.895), (0.93, 0.91, 0.90)])
    later = add_run(store, "part1-small", [48], train=0.9, val=0.9, test=0.9, seed=7)
    ans = build_answers(store)
    assert ans.nets["part1-small"].run_ids == [*ids, later]
    assert "every completed run of its preset with the same settings as its latest completed run" in doc(store)
    other = add_run(store, "part1-small", [40], train=0.9, val=0.9, test=0.9)  # other settings: a new group
    assert build_answers(store).nets["part1-small"].run_ids == [other]


def test_unpicked_parts_are_not_called_missing(store):
    ids = fill_exercise(store)
    text = doc(store, [ids["part1-large"], ids["part2-narrow"]])
    assert f"**Not picked:** `part2-medium` has completed run ({ids['part2-medium']})" in text
    assert "Missing: no completed run of `part2-medium`" not in text and "not run" not in text
    assert "Only 1 of the 3 nets were picked." in text
    assert re.search(r"\*\*Not picked:\*\* `part1-small`, `part2-medium`, `part2-wide`, `part3`", text)
