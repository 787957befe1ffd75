"""Repeats (seeds seed, seed+1, ... in one group) and controls (one change each), and the CLI verbs that
train them in the foreground (with a fake runner: no TensorFlow)."""

from __future__ import annotations

import pytest

from engine.errors import SpecError
from engine.events import Finished
from engine.experiment_controls import CONTROL_KEYS, control_specs, describe_change
from engine.presets import find_preset
from engine.repeats import expand_repeats
from engine.rules import check_rules, outside_rules
from engine.spec import make_spec
from tui.cli import main

SPEC = make_spec(name="deep", hidden_layers=[8] * 10, learning_rate=0.01, seed=7)


def test_one_repeat_is_the_spec_with_no_group():
    assert expand_repeats(SPEC, 1) == [(SPEC, None)]


def test_repeats_get_consecutive_seeds_and_one_group():
    out = expand_repeats(SPEC, 3)
    assert [s.seed for s, _ in out] == [7, 8, 9]
    groups = {g for _, g in out}
    assert len(groups) == 1 and None not in groups
    assert all(s.model_dump(exclude={"seed"}) == SPEC.model_dump(exclude={"seed"}) for s, _ in out)
    assert expand_repeats(SPEC, 3)[0][1] != out[0][1]  # a new group each time


@pytest.mark.parametrize("n", [0, 51])
def test_repeats_out_of_range(n):
    with pytest.raises(SpecError, match="--repeats"):
        expand_repeats(SPEC, n)


def test_repeats_past_the_largest_seed():
    with pytest.raises(SpecError, match="largest seed"):
        expand_repeats(make_spec(name="x", hidden_layers=[8], seed=2**31 - 2), 3)


def test_controls_change_one_thing_each():
    relu, lr = control_specs(SPEC)
    assert (relu.key, lr.key) == CONTROL_KEYS
    assert relu.spec.activation == "relu" and relu.spec.learning_rate == 0.01
    assert lr.spec.activation == "sigmoid" and lr.spec.learning_rate == pytest.approx(0.1)
    assert relu.change == "ReLU instead of sigmoid"
    assert lr.change == "learning rate 0.1 instead of 0.01 (10x)"
    assert relu.label == "deep [control: ReLU instead of sigmoid]"
    # the ReLU control is outside the rules on purpose
    assert outside_rules(check_rules(relu.spec, "part2-narrow")) == ["sigmoid activation: activation is relu"]


def test_describe_change_needs_exactly_one():
    assert describe_change(SPEC, SPEC) is None
    two = make_spec(**{**SPEC.model_dump(), "activation": "relu", "learning_rate": 0.1})
    assert describe_change(SPEC, two) is None
    epochs = make_spec(**{**SPEC.model_dump(), "epochs": 20, "seed": 1})
    assert describe_change(SPEC, epochs) == "epochs 20 instead of 10"  # a seed is never a change


def test_a_relu_net_has_no_relu_control():
    with pytest.raises(SpecError, match="already uses ReLU"):
        control_specs(make_spec(name="r", hidden_layers=[8], activation="relu"))


class FakeRunner:
    """Records the requests and stores nothing: the CLI's loop without TensorFlow."""

    seen: list = []
    next_seen: list = []

    def __init__(self, store):
        self.store = store

    def run(self, req, listener, cancel, next_up=None):
        FakeRunner.seen.append(req)
        FakeRunner.next_seen.append(next_up() if next_up else None)
        return Finished(len(FakeRunner.seen), "completed", req.spec.epochs)


@pytest.fixture
def fake_runner(monkeypatch):
    import engine.runner

    FakeRunner.seen = []
    FakeRunner.next_seen = []
    monkeypatch.setattr(engine.runner, "Runner", FakeRunner)
    return FakeRunner.seen


def test_train_repeats_on_the_cli(fake_runner, tmp_path, capsys):
    assert main(["train", "part1-small", "--repeats", "3", "--store", str(tmp_path / "s.sqlite3")]) == 0
    assert [r.spec.seed for r in fake_runner] == [42, 43, 44]
    assert len({r.repeat_group for r in fake_runner}) == 1 and fake_runner[0].repeat_group
    assert all(r.kind == "exercise" and r.part == "part1-small" for r in fake_runner)
    assert "== part1-small: Part One, small (48, seed 43) ==" in capsys.readouterr().out


def test_train_all_repeats_groups_each_preset(fake_runner, tmp_path):
    assert main(["train", "--all", "--repeats", "2", "--store", str(tmp_path / "s.sqlite3")]) == 0
    assert len(fake_runner) == 12
    assert len({r.repeat_group for r in fake_runner}) == 6
    # each run knows the next, so its network compiles while this one trains (engine/warm_up.py)
    assert FakeRunner.next_seen == [*fake_runner[1:], None]


def test_controls_on_the_cli(fake_runner, tmp_path):
    assert main(["controls", "--repeats", "2", "--store", str(tmp_path / "s.sqlite3")]) == 0
    assert len(fake_runner) == 3 * 2 * 2  # three Part Two nets, two changes, two seeds
    assert all(r.kind == "control" for r in fake_runner)
    narrow = [r for r in fake_runner if r.preset == "part2-narrow"]
    base = find_preset("part2-narrow").spec
    assert [describe_change(base, r.spec) for r in narrow] == [
        "ReLU instead of sigmoid",
        "ReLU instead of sigmoid",
        "learning rate 0.1 instead of 0.01 (10x)",
        "learning rate 0.1 instead of 0.01 (10x)",
    ]
    assert narrow[0].label == "Part Two, narrow [control: ReLU instead of sigmoid]"
    assert narrow[0].part == "part2-narrow"


def test_controls_only_one_change_and_a_named_preset(fake_runner, tmp_path):
    assert main(["controls", "part2-wide", "--only", "relu", "--store", str(tmp_path / "s.sqlite3")]) == 0
    assert [(r.preset, r.spec.activation, r.repeat_group) for r in fake_runner] == [("part2-wide", "relu", None)]


def test_controls_of_an_unknown_preset_is_one_line(fake_runner, tmp_path, capsys):
    assert main(["controls", "nope", "--store", str(tmp_path / "s.sqlite3")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mnist-tui: error: ") and err.count("\n") == 1 and not fake_runner
