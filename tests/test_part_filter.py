"""`--part` takes an exercise part (1, 2, 3, part1, "Part One") or a preset id, and a name that is neither
is an error (exit 2), never an empty list that reads as "no runs"."""

from __future__ import annotations

import json

import pytest
from known_runs import add_run, fill_exercise

from engine.errors import SpecError
from engine.part_filter import resolve_part
from tui.cli import main


@pytest.fixture
def filled(store):
    ids = fill_exercise(store)
    ids["own"] = add_run(store, None, [20], train=0.9, val=0.9, test=0.9)
    return store, ids


def listed(store, capsys, part) -> list[int]:
    assert main(["runs", "--json", "--part", part, "--store", str(store.path)]) == 0
    return sorted(r["run_id"] for r in json.loads(capsys.readouterr().out))


@pytest.mark.parametrize("part", ["1", "part1", "Part One", "part one", "one", "PART-1"])
def test_part_one_by_any_name(filled, capsys, part):
    store, ids = filled
    assert listed(store, capsys, part) == sorted([ids["part1-large"], ids["part1-small"]])


def test_part_two_three_a_preset_and_own(filled, capsys):
    store, ids = filled
    assert listed(store, capsys, "2") == sorted(ids[k] for k in ("part2-narrow", "part2-medium", "part2-wide"))
    assert len(listed(store, capsys, "Part Three")) == len([r for r in store.runs() if r.part == "part3"])
    assert listed(store, capsys, "part2-wide") == [ids["part2-wide"]]
    assert listed(store, capsys, "own") == [ids["own"]]
    assert listed(store, capsys, "my-net") == [ids["own"]]  # a preset id of a stored run


@pytest.mark.parametrize("part", ["4", "Part Four", "bogus"])
def test_a_name_that_is_neither_is_exit_2(filled, capsys, part):
    store, _ = filled
    assert main(["runs", "--part", part, "--store", str(store.path)]) == 2
    err = capsys.readouterr().err
    assert "not a part" in err and err.count("\n") == 1


def test_a_user_preset_with_no_runs_yet_is_a_name_not_an_error():
    assert resolve_part("my-net", {"my-net"}).matches("part1-small", "my-net")
    with pytest.raises(SpecError):
        resolve_part("my-net", set())
