"""engine.answers against hand-computed values on a store filled with known runs (tests/known_runs.py)."""

from __future__ import annotations

import math
import statistics

import pytest
from known_runs import add_run, fill_exercise

from engine.answers import answers


@pytest.fixture
def filled(store):
    return store, fill_exercise(store)


def test_latest_completed_run_of_each_part_is_chosen(filled):
    store, ids = filled
    ans = answers(store)
    assert {slot: net.run_id for slot, net in ans.nets.items()} == ids  # the newer cancelled part3 is skipped
    assert ans.missing == ()


def test_a_newer_completed_run_replaces_the_older(filled):
    store, ids = filled
    newer = add_run(store, "part1-small", [40], train=0.95, val=0.94, test=0.93)
    assert answers(store).nets["part1-small"].run_id == newer


def test_part_one_numbers(filled):
    store, _ = filled
    large, small = answers(store).part_one
    assert (large.net.params.total, large.net.params.weights, large.net.params.biases) == (305_290, 304_896, 394)
    assert (small.net.params.total, small.net.params.weights, small.net.params.biases) == (38_170, 38_112, 58)
    assert large.val_at_question_epoch == 0.8927  # the epoch-10 history row
    assert large.train_gap == pytest.approx(0.9035 - 0.8927)
    assert large.test_gap == pytest.approx(0.8920 - 0.8927)
    assert small.test_gap == pytest.approx(0.9085 - 0.9040)
    assert (large.net.run.seconds_per_epoch, large.net.run.first_epoch_seconds) == (0.38, 0.84)


def test_part_one_run_with_fewer_than_ten_epochs_has_no_epoch_ten_figure(store):
    add_run(store, "part1-small", [48], train=0.9, val=0.88, test=0.87, epochs=8)
    small = answers(store).part_one[1]
    assert small.net.epochs_completed == 8
    assert small.val_at_question_epoch is None


def test_part_one_missing_net_is_none(store):
    add_run(store, "part1-large", [384], train=0.9, val=0.89, test=0.88)
    ans = answers(store)
    assert ans.part_one[1].net is None and ans.part_one[1].val_at_question_epoch is None
    assert "part1-small" in ans.missing and "part1-large" not in ans.missing


def test_twenty_percent_verdict_and_best_figure(filled):
    store, ids = filled
    p2 = answers(store).part_two
    assert p2.beat_20 is False
    assert (p2.best.net.run_id, p2.best.split, p2.best.value) == (ids["part2-medium"], "validation", 0.1250)


def test_twenty_percent_yes_when_one_net_beats_it(store):
    add_run(store, "part2-wide", [64] * 10, train=0.3, val=0.2101, test=0.19)
    p2 = answers(store).part_two
    assert p2.beat_20 is True and p2.best.value == 0.2101
    assert p2.missing == ("part2-narrow", "part2-medium")


def test_gradient_ratio_uses_the_last_epoch(filled):
    store, _ = filled
    p2 = answers(store).part_two
    narrow, medium, wide = p2.deep_evidence
    assert narrow.epoch == 10 and narrow.first == 1e-9 and narrow.last == 1e-2
    assert narrow.ratio == pytest.approx(1e7) and narrow.orders == pytest.approx(7.0)
    assert medium.ratio == pytest.approx(1e6) and wide.ratio == pytest.approx(1e6)
    large, small = p2.shallow_evidence
    assert large.ratio == pytest.approx(50.0) and large.orders == pytest.approx(math.log10(50))
    assert small.ratio == pytest.approx(10.0)
    assert p2.vanishing_supported is True  # 6 orders >= 1.7 + 2


def test_vanishing_not_supported_when_deep_ratios_are_like_shallow(store):
    add_run(store, "part1-large", [384], train=0.9, val=0.89, test=0.88, grads=[1e-3, 1e-2])
    add_run(store, "part2-wide", [64] * 10, train=0.9, val=0.9, test=0.9, grads=[1e-3] * 10 + [5e-2])
    assert answers(store).part_two.vanishing_supported is False


def test_no_gradients_recorded_means_no_evidence(store):
    add_run(store, "part2-wide", [64] * 10, train=0.11, val=0.11, test=0.11)
    p2 = answers(store).part_two
    assert p2.deep_evidence == () and p2.vanishing_supported is None


def test_correlation_matches_hand_computation(filled):
    store, ids = filled
    c = answers(store).part_two.correlation
    params = [305_290, 38_170, 7_018, 34_954, 88_330]
    accs = [0.8920, 0.9085, 0.1150, 0.1150, 0.1135]
    assert c.pearson == pytest.approx(statistics.correlation(params, accs))
    assert c.pearson == pytest.approx(0.5684, abs=1e-4)
    # Spearman by hand: param ranks (5, 3, 1, 2, 4), accuracy ranks (4, 5, 2.5, 2.5, 1) -> 1.5 / sqrt(10 * 9.5)
    assert c.spearman == pytest.approx(1.5 / math.sqrt(95))
    assert c.clear is False
    small, big = c.counterexample
    assert (small.run_id, big.run_id) == (ids["part1-small"], ids["part2-wide"])


def test_correlation_needs_three_nets_and_varying_accuracy(store):
    add_run(store, "part1-large", [384], train=0.9, val=0.89, test=0.88)
    add_run(store, "part1-small", [48], train=0.9, val=0.89, test=0.87)
    c = answers(store).part_two.correlation
    assert c.pearson is None and "at least 3" in c.reason
    add_run(store, "part2-wide", [64] * 10, train=0.9, val=0.89, test=0.88)
    add_run(store, "part1-small", [48], train=0.9, val=0.89, test=0.88)
    c = answers(store).part_two.correlation
    assert c.pearson is None and "same test accuracy" in c.reason


def test_clear_positive_correlation(store):
    add_run(store, "part2-narrow", [8] * 10, train=0.2, val=0.2, test=0.2)
    add_run(store, "part2-medium", [32] * 10, train=0.5, val=0.5, test=0.5)
    add_run(store, "part2-wide", [64] * 10, train=0.8, val=0.8, test=0.8)
    c = answers(store).part_two.correlation
    assert c.clear is True and c.spearman == pytest.approx(1.0) and c.counterexample is None


def test_part_three(filled):
    store, ids = filled
    p3 = answers(store).part_three
    assert p3.net.run_id == ids["part3"]
    assert p3.val_ok is True and p3.test_ok is True
    assert p3.first_epoch_over_goal == 19  # validation climbs 1 point an epoch to 93.70% at 20
    assert [n.run_id for n in p3.best_on_test] == [ids["part3"]]
    assert p3.part_one_best.run_id == ids["part1-small"]
    assert p3.similar_epochs is False  # 20 vs 10


def test_part_three_below_goal_and_similar_epochs(store):
    add_run(store, "part1-large", [384], train=0.9, val=0.89, test=0.95)
    add_run(store, "part3", [64, 64, 64], train=0.93, val=0.925, test=0.91, epochs=12)
    p3 = answers(store).part_three
    assert p3.val_ok is True and p3.test_ok is False
    assert p3.similar_epochs is True  # 12 vs 10 is within 25%
    assert p3.best_on_test[0].slot == "part1-large"


def test_chosen_runs_override_the_latest(filled):
    store, ids = filled
    older = add_run(store, "part3", [128, 64, 32], train=0.95, val=0.93, test=0.925, epochs=15)
    newest = add_run(store, "part3", [256, 128, 64], train=0.99, val=0.95, test=0.95, epochs=15)
    own = add_run(store, None, [100, 100], train=0.97, val=0.96, test=0.96, name="mine")
    assert answers(store).nets["part3"].run_id == newest
    ans = answers(store, chosen_run_ids=[older, own])
    assert ans.nets["part3"].run_id == older
    assert ans.nets["part1-large"].run_id == ids["part1-large"]  # not picked: the default stays
    assert [n.run_id for n in ans.extras] == [own]
    assert [n.run_id for n in ans.part_three.best_on_test] == [own]  # "which network of all"


def test_empty_store(store):
    ans = answers(store)
    assert ans.nets == {} and len(ans.missing) == 6
    assert ans.part_two.beat_20 is None and ans.part_two.best is None
    assert ans.part_two.correlation.pearson is None
    assert ans.part_three.net is None and ans.part_three.best_on_test == ()
    assert ans.environment == []


def test_environment_merges_equal_values_and_lists_differences(store):
    a = add_run(store, "part1-large", [384], train=0.9, val=0.89, test=0.88)
    b = add_run(store, "part1-small", [48], train=0.9, val=0.89, test=0.88, device="GPU: NVIDIA H100", seed=7)
    env = dict(answers(store).environment)
    assert env["Keras"] == "3.15.1" and env["TensorFlow"] == "2.21.0" and env["Python"] == "3.11.7"
    assert env["Device"] == f"CPU (2 cores) (run {a}); GPU: NVIDIA H100 (run {b})"
    assert env["Seeds"] == f"42 (run {a}); 7 (run {b})"
    assert env["Examples (train / validation / test)"] == "6,000 / 1,333 / 2,000"


def test_notes_come_from_the_store(store):
    store.set_note("part2-hypothesis", "sigmoids saturate")
    assert answers(store).notes == {"part2-hypothesis": "sigmoids saturate"}


def test_outside_rules_is_reported(store):
    add_run(store, "part1-small", [400], train=0.9, val=0.89, test=0.88)
    assert answers(store).nets["part1-small"].outside_rules == ["< 50,000 trainable parameters: 318,010 parameters"]
