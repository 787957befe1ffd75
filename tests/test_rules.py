"""The exercise's rules for every part (pass and fail) and exact parameter counts, without TensorFlow."""

from __future__ import annotations

import pytest

from engine.rules import PARTS, check_rules, outside_rules, part_group
from engine.spec import count_params, make_spec, shape_text


def spec(layers, **fields):
    return make_spec(name="net", hidden_layers=layers, **fields)


def verdict(layers, part, **fields) -> dict[str, bool]:
    return {c.rule: c.ok for c in check_rules(spec(layers, **fields), part)}


@pytest.mark.parametrize(
    ("hidden", "weights", "biases"),
    [
        ([], 7840, 10),
        ([384], 784 * 384 + 384 * 10, 394),
        ([48], 784 * 48 + 48 * 10, 58),
        ([8] * 10, 784 * 8 + 9 * 64 + 80, 90),
    ],
)
def test_param_counts_are_exact(hidden, weights, biases):
    counts = count_params(hidden)
    assert (counts.weights, counts.biases, counts.total) == (weights, biases, weights + biases)


def test_param_counts_of_a_spec():
    assert spec([384]).param_counts().total == 305_290
    assert spec([48]).param_counts().total == 38_170


def test_shape_text_runs_from_input_to_output():
    assert spec([512, 256]).shape_text() == shape_text([512, 256]) == "784 → 512 → 256 → 10"
    assert shape_text([8] * 10) == "784 → 10 x 8 → 10"
    assert spec([512, 256]).layer_sizes() == [784, 512, 256, 10]


@pytest.mark.parametrize(
    ("part", "good", "bad", "failing_rule"),
    [
        ("part1-large", [378], [377], ">= 300,000 trainable parameters"),
        ("part1-large", [384], [384, 10], "exactly 1 hidden layer"),
        ("part1-small", [62], [63], "< 50,000 trainable parameters"),
        ("part1-small", [48], [24, 24], "exactly 1 hidden layer"),
        ("part2-narrow", [9] * 10, [9] * 9, ">= 10 hidden layers"),
        ("part2-narrow", [1] * 10, [9] * 9 + [10], "every hidden layer < 10 units"),
        ("part2-medium", [10] * 5 + [50] * 5, [32] * 9 + [51], "every hidden layer 10-50 units"),
        ("part2-medium", [32] * 12, [32] * 9 + [9], "every hidden layer 10-50 units"),
        ("part2-wide", [50] * 5 + [100] * 5, [64] * 9 + [101], "every hidden layer 50-100 units"),
        ("part2-wide", [64] * 10, [64] * 9 + [49], "every hidden layer 50-100 units"),
        ("part3", [256, 128, 64], [256, 128], ">= 3 hidden layers"),
    ],
)
def test_part_rules_pass_and_fail(part, good, bad, failing_rule):
    assert all(verdict(good, part).values()), verdict(good, part)
    result = verdict(bad, part)
    assert result[failing_rule] is False
    assert [r for r, ok in result.items() if not ok] == [failing_rule]


def test_boundaries_of_part_one():
    # 784*n + n + 10n + 10 = 795n + 10: 378 units is the first >= 300,000; 62 the last < 50,000
    assert verdict([378], "part1-large")[">= 300,000 trainable parameters"]
    assert not verdict([377], "part1-large")[">= 300,000 trainable parameters"]
    assert count_params([62]).total < 50_000 <= count_params([63]).total


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"activation": "relu"}, "sigmoid activation"),
        ({"loss": "mean_squared_error"}, "categorical cross-entropy loss"),
        ({"optimizer": "adam"}, "plain SGD optimizer"),
        ({"momentum": 0.9}, "plain SGD optimizer"),
        ({"epochs": 9}, ">= 10 epochs"),
    ],
)
def test_common_rules_apply_to_every_part(fields, rule):
    for part in (*PARTS, None):
        checks = {c.rule: c for c in check_rules(spec([256, 128, 64], **fields), part)}
        assert checks[rule].ok is False
        assert checks[rule].detail


def test_outside_rules_gives_reasons_and_nothing_when_all_pass():
    assert outside_rules(check_rules(spec([48]), "part1-small")) == []
    reasons = outside_rules(check_rules(spec([48], activation="relu", epochs=3), "part1-small"))
    assert reasons == ["sigmoid activation: activation is relu", ">= 10 epochs: 3 epochs"]


def test_unknown_part_gets_only_common_rules():
    assert len(check_rules(spec([5]), None)) == len(check_rules(spec([5]), "nope")) == 4


def test_rule_dicts_have_the_json_keys():
    for c in check_rules(spec([48]), "part1-small"):
        assert set(c.as_dict()) == {"rule", "ok", "detail"}


def test_part_group():
    assert [part_group(p) for p in PARTS] == ["Part One"] * 2 + ["Part Two"] * 3 + ["Part Three"]
    assert part_group(None) == part_group("mine") == "Your presets"
