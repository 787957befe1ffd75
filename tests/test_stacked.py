"""Seeds of one network trained as one stacked program (engine/stacked.py): which runs go together, the CLI's
`train --repeats` through it (a fake runner: no TensorFlow), each stacked network equal to its own run on
both backends (tests/stacked_probe.py, a fresh process per backend), and the runs it stores."""

from __future__ import annotations

import threading
from functools import partial
from pathlib import Path

import pytest
from helpers import run_probe

from engine.events import EpochEnd, Finished, Started
from engine.run_request import RunRequest
from engine.spec import make_spec
from engine.stacked import AUTO_STACK_WEIGHTS, MAX_STACK, stack_groups
from tui.cli import main

SPEC = make_spec(name="n", hidden_layers=[16, 8], learning_rate=0.3, epochs=2, seed=5)
PROBE = Path(__file__).with_name("stacked_probe.py")
BACKENDS = ["tensorflow", "jax"]
probe = partial(run_probe, PROBE)


@pytest.fixture(autouse=True)
def stacking_on(monkeypatch):
    """Stacking is opt-in (MNIST_TUI_STACK=1); these tests turn it on unless they say otherwise."""
    monkeypatch.setenv("MNIST_TUI_STACK", "1")


def request(spec=SPEC, **fields) -> RunRequest:
    return RunRequest("p", None, spec, **fields)


def seeds(spec, n):
    return [spec.model_copy(update={"seed": spec.seed + i}) for i in range(n)]


def test_seeds_of_one_network_go_together_and_other_shapes_apart():
    wide = SPEC.model_copy(update={"hidden_layers": [32]})
    reqs = [*map(request, seeds(SPEC, 3)), request(wide), request(SPEC.model_copy(update={"seed": 99}))]
    assert [len(g) for g in stack_groups(reqs)] == [3, 1, 1]  # consecutive runs only: order is kept
    assert [r for g in stack_groups(reqs) for r in g] == reqs


@pytest.mark.parametrize(
    "change",
    [{"epochs": 3}, {"batch_size": 64}, {"learning_rate": 0.1}, {"activation": "relu"}, {"validation_fraction": 0.3}],
)
def test_a_run_that_would_need_another_program_or_other_data_is_not_stacked(change):
    reqs = [request(SPEC), request(SPEC.model_copy(update={"seed": 6, **change}))]
    assert [len(g) for g in stack_groups(reqs)] == [1, 1]


def test_other_data_or_subset_is_not_stacked():
    assert [len(g) for g in stack_groups([request(), request(subset=100)])] == [1, 1]
    assert [len(g) for g in stack_groups([request(), request(data="/x.npz")])] == [1, 1]


def test_stacks_are_cut_at_the_limit():
    reqs = [request(s) for s in seeds(SPEC, MAX_STACK + 2)]
    assert [len(g) for g in stack_groups(reqs)] == [MAX_STACK, 2]


@pytest.mark.parametrize("setting", [None, "auto"])
def test_by_default_small_nets_stack_and_large_ones_do_not(monkeypatch, setting):
    """Unset (or auto): a net of at most AUTO_STACK_WEIGHTS weights stacks, where bench/stack.py measured the
    gain (part2-wide's 87,680 the largest); part1-large's 304,896, bound by memory traffic when stacked, trains
    its seeds one after another, and so does part3 (242,304: not measured)."""
    from engine.presets import find_preset

    monkeypatch.delenv("MNIST_TUI_STACK")
    if setting:
        monkeypatch.setenv("MNIST_TUI_STACK", setting)
    narrow, large = find_preset("part2-narrow").spec, find_preset("part1-large").spec
    assert narrow.param_counts().weights <= AUTO_STACK_WEIGHTS < large.param_counts().weights
    assert [len(g) for g in stack_groups([request(s) for s in seeds(narrow, 4)])] == [4]
    assert [len(g) for g in stack_groups([request(s) for s in seeds(large, 4)])] == [1, 1, 1, 1]
    wide, part3 = find_preset("part2-wide").spec, find_preset("part3").spec
    assert [len(g) for g in stack_groups([request(s) for s in seeds(wide, 3)])] == [3]
    assert [len(g) for g in stack_groups([request(s) for s in seeds(part3, 2)])] == [1, 1]
    mixed = [request(s) for s in seeds(narrow, 2) + seeds(large, 2)]
    assert [len(g) for g in stack_groups(mixed)] == [2, 1, 1]
    monkeypatch.setenv("MNIST_TUI_STACK", "1")
    assert [len(g) for g in stack_groups([request(s) for s in seeds(large, 4)])] == [4]


@pytest.mark.parametrize(("setting", "shared"), [(None, True), ("auto", True), ("shared", True), ("1", False)])
def test_by_default_stacked_seeds_share_one_batch_order(monkeypatch, setting, shared):
    from engine.stacked import shared_order

    monkeypatch.delenv("MNIST_TUI_STACK")
    if setting:
        monkeypatch.setenv("MNIST_TUI_STACK", setting)
    assert shared_order() is shared


def test_the_answers_say_when_seeds_shared_one_batch_order(store):
    """Runs stacked on one order differ in initial weights only: the answers' overview says so by name."""
    from engine.answers.nets import Net
    from engine.events import Finished as Done
    from engine.report.overview import shared_order_lines

    def net(shared: bool) -> Net:
        runs = []
        for seed in (0, 1):
            spec = SPEC.model_copy(update={"seed": seed, "name": "narrow" if shared else "wide"})
            run_id = store.start_run("p", None, spec, "s.npz", "tensorflow", "CPU", {}, {"train": 1, "test": 1})
            store.add_epoch(run_id, EpochEnd(1, 0.5, 0.9, 0.5, 0.9, 1.0))
            extra = {"stacked": 2, "shared_order": True} if shared else {}
            store.finish_run(run_id, Done(run_id, "completed", 1, extra=extra))
            runs.append(store.get_run(run_id))
        return Net(None, tuple(runs))

    alone, shared = net(False), net(True)
    assert shared_order_lines([alone]) == []
    text = " ".join(shared_order_lines([alone, shared]))
    assert "differ in initial weights only" in text and "narrow" in text and "wide" not in text


def test_a_stacked_runs_epoch_seconds_stay_out_of_the_answers(store):
    """A stacked run's epoch seconds are its whole stack's: the answers' seconds per epoch leave them out."""
    from engine.answers.nets import Net
    from engine.events import Finished as Done

    ids = []
    for seed, (seconds, stacked) in enumerate(((1.0, None), (8.0, 8))):
        spec = SPEC.model_copy(update={"seed": seed})
        run_id = store.start_run("p", None, spec, "s.npz", "tensorflow", "CPU", {}, {"train": 1, "test": 1})
        for e in (1, 2):
            store.add_epoch(run_id, EpochEnd(e, 0.5, 0.9, 0.5, 0.9, seconds))
        store.finish_run(run_id, Done(run_id, "completed", 2, extra={"stacked": stacked} if stacked else {}))
        ids.append(run_id)
    net = Net(None, tuple(store.get_run(i) for i in ids))
    assert net.later_epoch_seconds.mean == net.first_epoch_seconds.mean == 1.0


def test_mnist_tui_stack_0_trains_every_run_alone(monkeypatch):
    monkeypatch.setenv("MNIST_TUI_STACK", "0")
    assert [len(g) for g in stack_groups([request(s) for s in seeds(SPEC, 4)])] == [1, 1, 1, 1]


class StackingRunner:
    """Records how the CLI hands runs over: one at a time (run) or together (run_stacked)."""

    calls: list = []

    def __init__(self, store):
        self.store = store

    def run(self, req, listener, cancel, next_up=None):
        StackingRunner.calls.append(("run", [req.spec.seed]))
        return Finished(len(StackingRunner.calls), "completed", req.spec.epochs)

    def run_stacked(self, requests, listeners, cancel=None):
        StackingRunner.calls.append(("stacked", [r.spec.seed for r in requests]))
        out = []
        for i, (req, listener) in enumerate(zip(requests, listeners, strict=True)):
            listener(Started(10 + i, req.spec.epochs, 1, 1, 1, 1, "fake", "CPU"))
            listener(EpochEnd(1, 0.5, 0.8, 0.6, 0.7, 1.0))
            status = "diverged" if i == 1 else "completed"
            result = Finished(10 + i, status, 1, error="boom" if i == 1 else None)
            listener(result)
            out.append(result)
        return out


@pytest.fixture
def stacking_runner(monkeypatch):
    import engine.runner

    StackingRunner.calls = []
    monkeypatch.setattr(engine.runner, "Runner", StackingRunner)
    return StackingRunner.calls


def test_train_repeats_hands_the_seeds_over_together(stacking_runner, tmp_path, capsys):
    code = main(["train", "part1-small", "--repeats", "3", "--store", str(tmp_path / "s.sqlite3")])
    assert stacking_runner == [("stacked", [42, 43, 44])]
    out, err = capsys.readouterr()
    assert "== part1-small: Part One, small (48, seeds 42-44: 3 networks in one program) ==" in out
    # the networks' lines interleave, so each epoch line names its run
    assert "run 10: epoch   1/10" in out and "run 12: epoch   1/10" in out
    assert code == 1 and "run 11 diverged: boom" in err  # one diverged network fails the command, not the others
    assert "run 12 completed" in out


def test_train_repeats_json_lines_name_their_run(stacking_runner, tmp_path, capsys):
    import json

    main(["train", "part1-small", "--repeats", "2", "--json", "--store", str(tmp_path / "s.sqlite3")])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(e["event"], e["run_id"]) for e in lines] == [("epoch", 10), ("end", 10), ("epoch", 11), ("end", 11)]


def test_with_stack_0_the_cli_trains_the_seeds_one_after_another(stacking_runner, tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_TUI_STACK", "0")
    main(["train", "part1-small", "--repeats", "3", "--store", str(tmp_path / "s.sqlite3")])
    assert stacking_runner == [("run", [42]), ("run", [43]), ("run", [44])]


def test_train_all_repeats_stacks_each_preset_apart(stacking_runner, tmp_path):
    main(["train", "--all", "--repeats", "2", "--store", str(tmp_path / "s.sqlite3")])
    assert [kind for kind, _ in stacking_runner] == ["stacked"] * 6
    assert all(seeds == [42, 43] for _, seeds in stacking_runner)


def test_one_run_is_never_stacked(stacking_runner, tmp_path):
    """A group of one trains as today's single run: bit for bit the same run."""
    main(["train", "part1-small", "--store", str(tmp_path / "s.sqlite3")])
    assert stacking_runner == [("run", [42])]


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_each_stacked_network_equals_its_own_run(backend):
    """Every epoch's loss, accuracy, validation figures and gradients and the final evaluation on all three
    splits, each network against the same seed trained alone: equal within float rounding, with SGD
    (3 networks) and with Adam (2: its per-weight state is stacked too)."""
    for case in ("sgd", "adam"):
        run = probe(backend)[case]
        assert all(s == "completed" for s in run["status"]) and set(run["epochs"]) == {2}, run
        assert max(run["difference"]) < 1e-4, run
        assert max(run["counts_equal"]) <= 2, run  # predicted-digit counts: an image on a near-tie may flip
        assert max(run["predictions_differ"]) <= 2, run  # its digit for each test image, likewise


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_network_that_blows_up_is_diverged_and_the_others_train_on(backend):
    run = probe(backend)["poisoned"]
    assert run["status"] == ["completed", "diverged", "completed"], run
    assert run["epochs"] == [2, 1, 2], run
    assert max(run["healthy_difference"]) < 1e-4, run  # its NaNs never reached the others


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_cancel_stops_every_network_and_each_is_evaluated_on_its_last_epoch(backend):
    run = probe(backend)["cancel"]
    assert run["status"] == ["cancelled", "cancelled"] and run["epochs"] == [1, 1], run
    assert run["evaluated"] == ["after epoch 1", "after epoch 1"], run
    assert max(run["difference"]) < 1e-4, run  # the same as a run of one epoch with its seed


@pytest.mark.slow
def test_stacked_runs_are_stored_each_as_its_own_run(store, sample_npz):
    from engine.data import load_splits
    from engine.stacked import run_stacked
    from engine.takeout.model_files import model_file

    group = "n:abc"
    reqs = [request(s, data=str(sample_npz), subset=300, repeat_group=group) for s in seeds(SPEC, 2)]
    heard: list[list] = [[], []]
    results = run_stacked(store, reqs, [heard[0].append, heard[1].append], threading.Event(), load_splits)
    assert [r.status for r in results] == ["completed", "completed"]
    ids = [r.run_id for r in results]
    assert len(set(ids)) == 2
    for seed, run_id, events in zip((5, 6), ids, heard, strict=True):
        assert [e.run_id for e in events if isinstance(e, Started | Finished)] == [run_id, run_id]
        run = store.get_run(run_id)
        assert run.status == "completed" and run.repeat_group == group and run.epochs_completed == 2
        assert run.spec.seed == seed and run.extra["stacked"] == 2 and len(run.extra["test_confusion"]) == 10
        for split in ("train", "val", "test"):
            assert 0 <= run.metrics[f"{split}_accuracy"] <= 1, run.metrics
        assert [e.epoch for e in run.history] == [1, 2] and all(len(e.gradients) == 3 for e in run.history)
        assert len(store.predictions(run_id)) == run.sizes["test"]  # its digit for each test image
        assert model_file(store.path, run_id).is_file()  # its trained model kept beside the store
        assert run.extra["training_seconds"] > 0
    assert store.get_run(ids[0]).history != store.get_run(ids[1]).history  # two seeds, two networks


@pytest.mark.slow
def test_a_shared_order_trains_every_network_on_the_first_ones_batches_and_says_so(sample_npz):
    """MNIST_TUI_STACK=shared (engine/stacked.py): the first network is its own run within rounding; every
    run records shared_order, since the others saw the first one's order, not their own."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from stacked_probe import alone, figures, relative_difference

    from engine.data import load_splits
    from engine.stacked_trainer import train_stacked
    from engine.trainer import KerasTrainer

    KerasTrainer().prepare(lambda ev: None)
    splits = load_splits(sample_npz, subset=300)
    specs = seeds(SPEC, 2)
    logs: list[list] = [[], []]
    results = train_stacked(specs, splits, [logs[0].append, logs[1].append], threading.Event(), shared_order=True)
    assert [r.status for r in results] == ["completed", "completed"]
    assert all(r.extra["shared_order"] is True and r.extra["stacked"] == 2 for r in results)
    assert relative_difference(figures(*alone(specs[0], splits)), figures(logs[0], results[0])) < 1e-4
    assert relative_difference(figures(*alone(specs[1], splits)), figures(logs[1], results[1])) > 1e-3
