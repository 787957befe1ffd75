"""engine.answers against hand-computed values on stores filled with known runs (tests/known_runs.py)."""

from __future__ import annotations

import math
import statistics

import pytest
from known_runs import ONE_DIGIT, add_repeats, add_run, fill_controls, fill_exercise

from engine.answers import answers, build_answers


@pytest.fixture
def filled(store):
    return store, fill_exercise(store)


def test_latest_completed_run_of_each_part_is_chosen(filled):
    store, ids = filled
    ans = build_answers(store)
    assert {slot: net.run_id for slot, net in ans.nets.items()} == ids  # the newer cancelled part3 is skipped
    assert ans.missing == () and ans.picked is False
    assert all(net.n == 1 for net in ans.nets.values())


def test_a_newer_completed_run_replaces_the_older(filled):
    store, ids = filled
    newer = add_run(store, "part1-small", [40], train=0.95, val=0.94, test=0.93)
    assert build_answers(store).nets["part1-small"].run_id == newer


def test_repeats_of_the_latest_run_are_one_net(store):
    ids = add_repeats(store, "part1-small", [48], [(0.91, 0.90, 0.905), (0.92, 0.89, 0.895), (0.93, 0.91, 0.90)])
    add_run(store, "part1-small", [48], train=0.5, val=0.5, test=0.5, status="failed")  # not completed: skipped
    net = build_answers(store).nets["part1-small"]
    assert net.run_ids == ids and net.n == 3
    test = net.accuracy("test")
    assert test.mean == pytest.approx(0.9) and test.sd == pytest.approx(statistics.stdev([0.905, 0.895, 0.90]))
    assert net.seeds == [42, 43, 44]


def test_part_one_numbers(filled):
    store, _ = filled
    large, small = build_answers(store).part_one
    assert (large.net.params.total, large.net.params.weights, large.net.params.biases) == (305_290, 304_896, 394)
    assert (small.net.params.total, small.net.params.weights, small.net.params.biases) == (38_170, 38_112, 58)
    assert large.val_at_question_epoch.values == (0.8927,)  # the epoch-10 history row
    assert large.train_gap.diff == pytest.approx(0.9035 - 0.8927)
    assert large.test_gap.diff == pytest.approx(0.8920 - 0.8927)
    assert small.test_gap.diff == pytest.approx(0.9085 - 0.9040)
    # one run: only the sampling noise of the two splits, sqrt(p(1-p)/N) each, tested as a z
    se = math.sqrt(0.8920 * 0.108 / 2000 + 0.8927 * 0.1073 / 1333)
    assert not large.test_gap.seeds_measured and large.test_gap.se == pytest.approx(se, rel=1e-3)
    assert large.test_gap.df is None and large.test_gap.test == "two-proportion z"
    assert large.test_gap.within_noise is True


def test_part_one_gaps_within_and_beyond_noise_over_repeats(store):
    # train sits 5 points above validation in every run: far beyond noise; test is within 0.1 of validation
    add_repeats(store, "part1-large", [384], [(0.95, 0.90, 0.901), (0.951, 0.901, 0.899), (0.949, 0.899, 0.90)])
    large = build_answers(store).part_one[0]
    assert large.train_gap.diff == pytest.approx(0.05) and large.train_gap.within_noise is False
    assert large.train_gap.test == "paired t" and large.train_gap.seeds_measured
    assert abs(large.test_gap.diff) < 0.001 and large.test_gap.within_noise is True
    assert large.val_at_question_epoch.n == 3


def test_part_one_run_with_fewer_than_ten_epochs_has_no_epoch_ten_figure(store):
    add_run(store, "part1-small", [48], train=0.9, val=0.88, test=0.87, epochs=8)
    small = build_answers(store).part_one[1]
    assert small.net.epochs_completed == 8
    assert small.val_at_question_epoch is None


def test_part_one_missing_net_is_none(store):
    add_run(store, "part1-large", [384], train=0.9, val=0.89, test=0.88)
    ans = build_answers(store)
    assert ans.part_one[1].net is None and ans.part_one[1].val_at_question_epoch is None
    assert "part1-small" in ans.missing and "part1-large" not in ans.missing


def test_twenty_percent_verdict_and_best_figure(filled):
    store, ids = filled
    p2 = build_answers(store).part_two
    assert p2.beat_20 is False and p2.any_run_beat_20 is False
    assert (p2.best.net.run_id, p2.best.split, p2.best.value) == (ids["part2-medium"], "validation", 0.1250)


def test_twenty_percent_yes_when_one_net_beats_it(store):
    add_run(store, "part2-wide", [64] * 10, train=0.3, val=0.2101, test=0.19)
    p2 = build_answers(store).part_two
    assert p2.beat_20 is True and p2.best.value == 0.2101
    assert p2.missing == ("part2-narrow", "part2-medium")


def test_one_repeat_above_twenty_percent_is_not_the_mean(store):
    add_repeats(store, "part2-wide", [64] * 10, [(0.11, 0.11, 0.11), (0.3, 0.25, 0.24), (0.11, 0.11, 0.11)])
    p2 = build_answers(store).part_two
    assert p2.beat_20 is False and p2.any_run_beat_20 is True


def test_predictions_and_the_within_part_two_gaps(filled):
    store, ids = filled
    p2 = build_answers(store).part_two
    narrow, medium, wide = p2.predictions
    assert narrow.single_digit is True and narrow.top(ONE_DIGIT) == (1, 1.0)
    assert wide.top(wide.known[0]) == (4, 1.0)
    assert len(p2.within_gaps) == 3 and p2.all_within_noise is True  # 11.50 / 11.50 / 11.35 on 2,000 images


def test_gradients_first_and_last_epoch(filled):
    store, _ = filled
    p2 = build_answers(store).part_two
    narrow, medium, wide = p2.deep_evidence
    assert narrow.epoch == 10 and narrow.first == 1e-9 and narrow.last == 1e-2
    assert narrow.ratio == pytest.approx(1e7) and narrow.orders == pytest.approx(7.0)
    assert medium.ratio == pytest.approx(1e6) and wide.ratio == pytest.approx(1e6)
    first = p2.deep_first[0]
    assert first.epoch == 1 and first.first == 1.0  # epoch 1's probe has a different first layer
    large, small = p2.shallow_evidence
    assert large.ratio == pytest.approx(50.0) and small.ratio == pytest.approx(10.0)
    assert p2.vanishing_supported is True  # 6 orders >= 1.7 + 2


def test_vanishing_not_supported_when_deep_ratios_are_like_shallow(store):
    add_run(store, "part1-large", [384], train=0.9, val=0.89, test=0.88, grads=[1e-3, 1e-2])
    add_run(store, "part2-wide", [64] * 10, train=0.9, val=0.9, test=0.9, grads=[1e-3] * 10 + [5e-2])
    assert build_answers(store).part_two.vanishing_supported is False


def test_no_gradients_recorded_means_no_evidence(store):
    add_run(store, "part2-wide", [64] * 10, train=0.11, val=0.11, test=0.11)
    p2 = build_answers(store).part_two
    assert p2.deep_evidence == () and p2.vanishing_supported is None


def test_correlation_covers_parts_one_to_three_with_p_values(filled):
    store, ids = filled
    c = build_answers(store).part_two.correlation
    # the question is about Parts One and Two: Part Three is shown apart, not in the coefficient
    assert [n.slot for n in c.nets] == ["part1-large", "part1-small", "part2-narrow", "part2-medium", "part2-wide"]
    assert [n.slot for n in c.apart] == ["part3"]
    params = [305_290, 38_170, 7_018, 34_954, 88_330]
    accs = [0.8920, 0.9085, 0.1150, 0.1150, 0.1135]
    assert c.test.n == 5
    assert c.pearson == pytest.approx(statistics.correlation([math.log10(p) for p in params], accs))
    # Spearman by hand: Pearson of the ranks (the two nets tied at 11.50% share ranks 2 and 3)
    assert c.spearman == pytest.approx(statistics.correlation([5, 3, 1, 2, 4], [4, 5, 2.5, 2.5, 1]))
    assert 0 < c.test.pearson_p < 1 and 0 < c.test.spearman_p < 1
    # Fisher's z interval, by hand: tanh(atanh(r) -+ 1.96 / sqrt(n - 3))
    half = 1.959964 / math.sqrt(2)
    lo, hi = c.test.pearson_interval
    assert lo == pytest.approx(math.tanh(math.atanh(c.pearson) - half), abs=1e-4) and lo < 0 < hi
    assert c.clear is False and c.test.inconclusive is True
    small, big = c.counterexample
    assert (small.run_id, big.run_id) == (ids["part1-small"], ids["part2-wide"])


def test_correlation_with_three_flat_nets_is_never_clear(store):
    for part, width, acc in (("part2-narrow", 8, 0.20), ("part2-medium", 32, 0.50), ("part2-wide", 64, 0.80)):
        add_run(store, part, [width] * 10, train=acc, val=acc, test=acc)
    c = build_answers(store).part_two.correlation
    assert c.test.n == 3 and c.spearman == pytest.approx(1.0)
    assert c.clear is False  # a perfect order of 3 points happens by chance once in 6


def test_correlation_with_six_nets_in_order_is_clear(store):
    figures = {
        "part2-narrow": ([8] * 10, 0.15),
        "part2-medium": ([32] * 10, 0.30),
        "part1-small": ([48], 0.35),
        "part2-wide": ([64] * 10, 0.45),
        "part3": ([256, 128, 64], 0.80),
        "part1-large": ([384], 0.95),
    }
    for part, (hidden, acc) in figures.items():
        add_run(store, part, hidden, train=acc, val=acc, test=acc)
    c = build_answers(store).part_two.correlation
    assert c.test.n == 5 and c.spearman == pytest.approx(1.0)
    assert c.test.pearson_p < 0.05 and c.test.spearman_p < 0.05
    assert c.clear is True and c.counterexample is None


def test_correlation_needs_three_nets_and_varying_accuracy(store):
    add_run(store, "part1-large", [384], train=0.9, val=0.89, test=0.88)
    add_run(store, "part1-small", [48], train=0.9, val=0.89, test=0.87)
    c = build_answers(store).part_two.correlation
    assert c.test is None and "at least 3" in c.reason
    add_run(store, "part2-wide", [64] * 10, train=0.9, val=0.89, test=0.88)
    add_run(store, "part1-small", [40], train=0.9, val=0.89, test=0.88)  # other settings: replaces the [48] run
    c = build_answers(store).part_two.correlation
    assert c.test is None and "same test accuracy" in c.reason


def test_controls_never_answer_and_are_read_against_their_net(filled):
    store, ids = filled
    fill_controls(store)
    ans = build_answers(store)
    assert ans.nets["part2-wide"].run_id == ids["part2-wide"]  # the newer control runs answer nothing
    assert all(n.kind == "control" for n in ans.controls) and len(ans.controls) == 6
    relu = [c for c in ans.part_two.controls if c.change == "ReLU instead of sigmoid"]
    lr = [c for c in ans.part_two.controls if c.change == "learning rate 0.1 instead of 0.01 (10x)"]
    assert len(relu) == 3 and len(lr) == 3
    assert all(c.learns for c in relu) and not any(c.learns for c in lr)
    assert relu[0].control.n == 3 and relu[0].base.run_id == ids["part2-narrow"]
    assert ans.all_nets == [ans.nets[s] for s in ans.nets]  # controls are not results


def test_a_control_changing_two_things_has_no_change(store):
    add_run(store, "part2-wide", [64] * 10, train=0.11, val=0.11, test=0.11, learning_rate=0.01)
    add_run(
        store,
        "part2-wide",
        [64] * 10,
        train=0.9,
        val=0.9,
        test=0.9,
        learning_rate=0.1,
        activation="relu",
        kind="control",
    )
    (c,) = build_answers(store).part_two.controls
    assert c.change is None


def test_part_three(filled):
    store, ids = filled
    p3 = build_answers(store).part_three
    assert p3.net.run_id == ids["part3"]
    val, test = p3.goal
    assert (val.split, val.runs_above, test.runs_above) == ("val", 1, 1) and p3.met is True
    # one run: the one-sided 95% lower bound is the binomial's, 1.645 SE under the figure
    assert val.lower_bound == pytest.approx(0.937 - 1.644854 * math.sqrt(0.937 * 0.063 / 1333), abs=1e-6)
    assert p3.dips == ()
    assert p3.first_epoch_over_goal == [19]  # validation climbs 1 point an epoch to 93.70% at 20
    assert [n.run_id for n in p3.best_on_test] == [ids["part3"]]
    assert p3.runner_up[0].run_id == ids["part1-small"]
    assert p3.runner_up[1].diff == pytest.approx(0.9365 - 0.9085)
    assert p3.part_one_best.run_id == ids["part1-small"]
    assert p3.similar_epochs is False  # 20 vs 10
    large, small = p3.against
    assert large.part_one.run_id == ids["part1-large"]
    assert large.gen_gap_p3.diff == pytest.approx(0.9877 - 0.9370)
    assert large.gen_gap_p1.diff == pytest.approx(0.9035 - 0.8927)
    assert large.gen_gap_diff.diff == pytest.approx((0.9877 - 0.9370) - (0.9035 - 0.8927))


def test_part_three_below_goal_and_similar_epochs(store):
    add_run(store, "part1-large", [384], train=0.9, val=0.89, test=0.95)
    add_run(store, "part3", [64, 64, 64], train=0.93, val=0.925, test=0.91, epochs=12)
    p3 = build_answers(store).part_three
    val, test = p3.goal
    assert val.all_runs_above and not test.all_runs_above and p3.met is False
    assert p3.similar_epochs is True  # 12 vs 10 is within 25%
    assert p3.best_on_test[0].slot == "part1-large"


def test_picked_runs_are_exactly_those_runs(filled):
    store, ids = filled
    a = add_run(store, "part3", [128, 64, 32], train=0.95, val=0.93, test=0.925, epochs=15, seed=1)
    b = add_run(store, "part3", [128, 64, 32], train=0.96, val=0.94, test=0.935, epochs=15, seed=2)
    other = add_run(store, "part3", [256, 128, 64], train=0.99, val=0.95, test=0.95, epochs=15)
    own = add_run(store, None, [100, 100], train=0.97, val=0.96, test=0.96, name="mine")
    ans = build_answers(store, [a, b, own, ids["part1-large"]])
    assert ans.picked is True
    assert ans.nets["part3"].run_ids == [a, b]  # one spec, two seeds: one net of two repeats
    assert ans.nets["part3"].accuracy("test").mean == pytest.approx(0.93)
    assert set(ans.nets) == {"part3", "part1-large"}  # nothing but the picked runs
    assert [n.run_id for n in ans.extras] == [own]
    assert "part2-wide" in ans.missing and other not in [r for n in ans.all_nets for r in n.run_ids]
    assert [n.run_id for n in ans.part_three.best_on_test] == [own]  # "which network of all"


def test_picked_second_spec_of_a_part_is_an_extra(store):
    a = add_run(store, "part3", [128, 64, 32], train=0.95, val=0.93, test=0.925)
    b = add_run(store, "part3", [256, 128, 64], train=0.99, val=0.95, test=0.95)
    ans = build_answers(store, [a, b])
    assert ans.nets["part3"].run_id == b and [n.run_id for n in ans.extras] == [a]


def test_old_name_and_empty_pick_keep_the_default(filled):
    store, ids = filled
    assert answers(store, []).nets["part3"].run_id == ids["part3"]


def test_empty_store(store):
    ans = build_answers(store)
    assert ans.nets == {} and len(ans.missing) == 6
    assert ans.part_two.beat_20 is None and ans.part_two.best is None
    assert ans.part_two.correlation.test is None
    assert ans.part_three.net is None and ans.part_three.best_on_test == ()
    assert ans.environment == [] and ans.sample_note is None


def test_sample_is_named(filled):
    store, _ = filled
    note = build_answers(store).sample_note
    assert note.startswith("6,000 training, 1,333 validation and 2,000 test images: a sample of 9,333 images")
    assert "not the full MNIST" in note


def test_full_mnist_is_not_called_a_sample(store):
    add_run(
        store,
        "part1-small",
        [48],
        train=0.9,
        val=0.9,
        test=0.9,
        sizes={"train": 50_000, "validation": 10_000, "test": 10_000},
    )
    assert build_answers(store).sample_note is None


def test_environment_merges_equal_values_and_lists_differences(store):
    a = add_run(store, "part1-large", [384], train=0.9, val=0.89, test=0.88)
    b = add_run(store, "part1-small", [48], train=0.9, val=0.89, test=0.88, device="GPU: NVIDIA H100", seed=7)
    env = dict(build_answers(store).environment)
    assert env["Keras"] == "3.15.1" and env["TensorFlow"] == "2.21.0" and env["Python"] == "3.11.7"
    assert env["Device"] == f"CPU (2 cores) (run {a}); GPU: NVIDIA H100 (run {b})"
    assert env["Examples (train / validation / test)"] == "6,000 / 1,333 / 2,000"


def test_notes_come_from_the_store(store):
    store.set_note("part2-hypothesis", "sigmoids saturate")
    assert build_answers(store).notes == {"part2-hypothesis": "sigmoids saturate"}


def test_outside_rules_is_reported(store):
    add_run(store, "part1-small", [400], train=0.9, val=0.89, test=0.88)
    assert build_answers(store).nets["part1-small"].outside_rules == [
        "< 50,000 trainable parameters: 318,010 parameters"
    ]
