"""Sweep files into points: a grid is every combination, a random sweep draws `samples` points from a seed
it records, `width`/`depth` build uniform layers and `hidden_layers` takes the editor's text; every point is
a validated NetworkSpec, and one bad point rejects the whole sweep with its name."""

from __future__ import annotations

import math

import pytest
from helpers import ROOT

from engine.errors import SpecError
from engine.sweep import MAX_SWEEP_RUNS, build_plan, plan_sweep, point_of_group
from engine.sweep_file import parse_sweep_text

EXAMPLE = ROOT / "docs" / "example-sweep.toml"


def plan_of(text: str, seed: int | None = None, tmp_path=None):
    return build_plan(parse_sweep_text(text, "s.toml"), "s.toml", tmp_path, seed)


def test_the_example_grid_is_every_combination_in_file_order():
    plan = plan_sweep(EXAMPLE)
    assert (len(plan.points), plan.seeds, plan.runs) == (10, 3, 30)
    assert plan.sampling_seed is None and plan.kind == "grid"
    assert [p.label for p in plan.points[:3]] == ["layers 32 · lr 0.1", "layers 32 · lr 0.5", "layers 128 · lr 0.1"]
    assert plan.points[6].spec.hidden_layers == [64, 64, 64] and plan.points[6].spec.learning_rate == 0.1
    assert plan.points[9].spec.hidden_layers == [32] * 10 and plan.points[9].spec.learning_rate == 0.5
    base = plan.base.spec
    assert all(p.spec.epochs == base.epochs and p.spec.batch_size == base.batch_size for p in plan.points)
    assert plan.points[0].spec.name == "width and depth: layers 32 · lr 0.1"


def test_requests_run_each_point_seeds_times_grouped_and_marked_with_the_sweep():
    plan = plan_sweep(EXAMPLE)
    reqs = plan.requests(7, data="/d.npz", subset=1000)
    assert len(reqs) == 30
    assert [r.spec.seed for r in reqs[:4]] == [42, 43, 44, 42]
    assert {r.sweep_id for r in reqs} == {7} and {r.part for r in reqs} == {None}  # never an exercise answer
    assert [point_of_group(r.repeat_group, 7) for r in reqs[:4]] == [1, 1, 1, 2]
    assert {r.data for r in reqs} == {"/d.npz"} and {r.subset for r in reqs} == {1000}


def test_a_field_given_one_value_is_set_for_every_point_and_left_out_of_the_labels():
    plan = plan_of('name = "n"\nbase = "part1-small"\n[grid]\nhidden_layers = ["16", "2 x 8"]\nepochs = [3]\n')
    assert [p.spec.epochs for p in plan.points] == [3, 3]
    assert [p.label for p in plan.points] == ["layers 16", "layers 2 x 8"]
    assert plan.points[1].spec.hidden_layers == [8, 8]
    assert plan.swept == ["hidden_layers"] and plan.fixed_text == "epochs 3"


RANDOM = """
name = "random"
base = "part1-small"
seeds = 2
[random]
samples = 40
{seed}
learning_rate = {{log_uniform = [0.01, 1.0]}}
width = {{int_uniform = [8, 1024]}}
depth = [1, 2, 3, 10]
"""


def test_random_draws_samples_points_from_the_seed_in_the_file():
    plan = plan_of(RANDOM.format(seed="seed = 7"))
    again = plan_of(RANDOM.format(seed="seed = 7"))
    assert (len(plan.points), plan.runs, plan.sampling_seed) == (40, 80, 7)
    assert [p.values for p in plan.points] == [p.values for p in again.points]
    for p in plan.points:
        lr, width, depth = p.values["learning_rate"], p.values["width"], p.values["depth"]
        assert 0.01 <= lr <= 1.0 and float(f"{lr:.4g}") == lr  # kept to 4 significant digits
        assert isinstance(width, int) and 8 <= width <= 1024
        assert depth in (1, 2, 3, 10) and p.spec.hidden_layers == [width] * depth
    assert len({p.values["depth"] for p in plan.points}) == 4
    logs = [math.log10(p.values["learning_rate"]) for p in plan.points]
    assert min(logs) < -1.3 and max(logs) > -0.7  # spread over both decades, not bunched near 1.0


def test_random_without_a_seed_draws_one_and_records_it_so_the_points_can_be_drawn_again():
    plan = plan_of(RANDOM.format(seed=""))
    assert isinstance(plan.sampling_seed, int)
    assert plan.definition_json()["points"][0]["values"] == plan.points[0].values
    again = plan_of(RANDOM.format(seed=""), seed=plan.sampling_seed)
    assert [p.values for p in again.points] == [p.values for p in plan.points]


def test_width_alone_keeps_the_base_depth_and_depth_alone_its_width():
    widths = plan_of('name = "w"\nbase = "part2-narrow"\n[grid]\nwidth = [4, 6]\n')
    assert [p.spec.hidden_layers for p in widths.points] == [[4] * 10, [6] * 10]
    depths = plan_of('name = "d"\nbase = "part1-small"\n[grid]\ndepth = [1, 3]\n')
    assert [p.spec.hidden_layers for p in depths.points] == [[48], [48, 48, 48]]


def test_the_base_may_be_a_spec_file_beside_the_sweep_file(tmp_path):
    (tmp_path / "mine.toml").write_text('name = "mine"\nhidden_layers = [20]\nlearning_rate = 0.2\n')
    (tmp_path / "s.toml").write_text('name = "s"\nbase = "mine.toml"\n[grid]\nbatch_size = [16, 64]\n')
    plan = plan_sweep(tmp_path / "s.toml")
    assert [(p.spec.hidden_layers, p.spec.learning_rate, p.spec.batch_size) for p in plan.points] == [
        ([20], 0.2, 16),
        ([20], 0.2, 64),
    ]
    assert plan.file == str(tmp_path / "s.toml")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[grid]\nhidden_layers = ["32", "0", "x"]', "point 2 of 3 (layers 0): hidden_layers.0"),
        ('[grid]\nhidden_layers = ["32", "0", "x"]', "(and 1 more bad point); nothing queued"),
        ("[grid]\nlearning_rate = [0.1, -1]", "point 2 of 2 (lr -1): learning_rate"),
        ("[grid]\nwidht = [3]", "grid.widht: not a network setting"),
        ("[grid]\nname = ['a']", "grid.name: not a network setting"),
        ('[grid]\nhidden_layers = ["3"]\nwidth = [3]', "give hidden_layers or width/depth, not both"),
        ("[grid]\ndepth = [0]", "point 1 of 1 (depth 0): depth: must be a whole number"),
        ("[grid]\nlearning_rate = 0.1", "grid.learning_rate"),
        ("[random]\nsamples = 3\nlearning_rate = {log_uniform = [1.0, 0.1]}", "learning_rate: the range must go"),
        ("[random]\nsamples = 3\nlearning_rate = {normal = [0, 1]}", "learning_rate: give a list to choose from"),
        ("[random]\nsamples = 3\nlearning_rate = {log_uniform = [0, 1]}", "learning_rate"),
        ("[grid]\nepochs = [1]\n[random]\nsamples = 2\nepochs = [1]", "exactly one"),
        ("", "give either a [grid] or a [random] section"),
        ("seeds = 3\n[grid]\nseed = [2147483646]", "point 1 of 1 (seed 2147483646): seed 2147483646 + 2 more seeds"),
    ],
)
def test_a_bad_sweep_is_one_line_naming_what_is_wrong(text, message):
    with pytest.raises(SpecError) as err:
        plan_of(f'name = "bad"\nbase = "part1-small"\n{text}\n')
    assert message in str(err.value) and "\n" not in str(err.value)


def test_a_sweep_larger_than_the_limit_is_refused_before_it_is_expanded():
    widths = ", ".join(str(w) for w in range(1, 101))
    text = f'name = "big"\nbase = "part1-small"\nseeds = 50\n[grid]\nwidth = [{widths}]\nlearning_rate = [0.1]\n'
    with pytest.raises(SpecError, match=f"more than the {MAX_SWEEP_RUNS:,}"):
        plan_of(text)


def test_an_unknown_base_and_a_missing_file_are_named(tmp_path):
    with pytest.raises(SpecError, match="base: unknown preset 'nope'"):
        plan_of('name = "n"\nbase = "nope"\n[grid]\nepochs = [1]\n')
    with pytest.raises(SpecError, match="no such sweep file"):
        plan_sweep(tmp_path / "missing.toml")
