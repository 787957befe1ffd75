"""The CLI's side of the queue: `queue` adds and lists jobs, `train --detach` queues instead of training,
`watch` follows a run to its end (JSON lines with --json), `cancel` stops runs from another terminal.
A worker thread with a fake trainer stands in for the detached worker process."""

from __future__ import annotations

import json
import threading

import pytest
from helpers import wait_for
from tui_fakes import FakeTrainer, fake_loader

from engine.runner import Runner
from engine.worker.process import serve
from tui import cli


@pytest.fixture
def no_spawn(monkeypatch):
    """`queue` would start a real worker process: count the calls instead."""
    calls = []
    monkeypatch.setattr("engine.worker.client.ensure_worker", lambda path, **kw: calls.append(path) or True)
    return calls


def worker_thread(store, trainer, slots=None):
    t = threading.Thread(
        target=serve,
        args=(store.path,),
        kwargs=dict(
            runner_factory=lambda s: Runner(s, trainer, fake_loader), idle_exit=0.2, slots=slots, processes=False
        ),
        daemon=True,
    )
    t.start()
    return t


def test_queue_adds_jobs_with_an_absolute_data_path_and_starts_a_worker(store, no_spawn, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "digits.npz").write_bytes(b"")
    args = ["queue", "part1-small", "part2-narrow", "--epochs", "3", "--data", "digits.npz"]
    code = cli.main([*args, "--store", str(store.path)])
    assert code == 0 and no_spawn == [store.path]
    assert "queued 2 job(s): 1, 2" in capsys.readouterr().out
    jobs = store.jobs.waiting()
    assert [j.preset for j in jobs] == ["part1-small", "part2-narrow"]
    assert jobs[0].spec.epochs == 3 and jobs[0].data == str(tmp_path / "digits.npz")


def test_queue_repeats_share_a_group_and_the_list_shows_them(store, no_spawn, capsys):
    assert cli.main(["queue", "part3", "--repeats", "3", "--store", str(store.path)]) == 0
    capsys.readouterr()
    assert cli.main(["queue", "--json", "--store", str(store.path)]) == 0
    jobs = json.loads(capsys.readouterr().out)
    assert [j["spec"]["seed"] for j in jobs] == [42, 43, 44]
    assert len({j["repeat_group"] for j in jobs}) == 1 and jobs[0]["repeat_group"]


def test_train_detach_queues_the_whole_exercise(store, no_spawn, capsys):
    assert cli.main(["train", "--all", "--detach", "--store", str(store.path)]) == 0
    assert [j.preset for j in store.jobs.waiting()] == [
        "part1-large", "part1-small", "part2-narrow", "part2-medium", "part2-wide", "part3"
    ]  # fmt: skip


def test_watch_follows_the_run_to_its_end_as_json_lines(store, capsys):
    from engine.presets import find_preset

    p = find_preset("part1-small")
    store.jobs.add(p.id, p.part, p.spec.model_copy(update={"epochs": 3}))
    trainer = FakeTrainer(steps=3, step_seconds=0.05)
    t = worker_thread(store, trainer)
    code = cli.main(["watch", "--json", "--store", str(store.path)])
    t.join(10)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert [e["epoch"] for e in lines if e["event"] == "epoch"] == [1, 2, 3]
    end = lines[-1]
    assert end["event"] == "end" and end["status"] == "completed" and end["epochs_completed"] == 3
    assert end["test_accuracy"] is not None


def test_watch_without_a_run_follows_every_run_of_two_slots_to_its_end(store, capsys):
    from engine.presets import find_preset

    for preset in ("part1-small", "part2-narrow", "part3"):
        p = find_preset(preset)
        store.jobs.add(p.id, p.part, p.spec.model_copy(update={"epochs": 2}))
    trainer = FakeTrainer(steps=3, hold_after=1)  # both slots hold their run until watch has seen them
    t = worker_thread(store, trainer, slots=2)
    wait_for(lambda: len(store.running_runs()) == 2, "two runs training side by side")
    threading.Timer(1.0, trainer.release.set).start()
    code = cli.main(["watch", "--json", "--store", str(store.path)])
    t.join(10)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    ends = {e["run_id"]: e["status"] for e in lines if e["event"] == "end"}
    assert ends == {1: "completed", 2: "completed", 3: "completed"}
    for run_id in ends:
        assert [e["epoch"] for e in lines if e["event"] == "epoch" and e["run_id"] == run_id] == [1, 2]


def test_watch_with_nothing_training_says_so(store, capsys):
    assert cli.main(["watch", "--store", str(store.path)]) == 1
    assert "nothing is training or queued" in capsys.readouterr().err


def test_cancel_stops_the_running_run_and_all_empties_the_queue(store, capsys):
    from engine.presets import find_preset

    for preset in ("part1-small", "part2-narrow", "part3"):
        p = find_preset(preset)
        store.jobs.add(p.id, p.part, p.spec)
    trainer = FakeTrainer(hold_after=1)
    t = worker_thread(store, trainer)
    assert trainer.holding.wait(10)
    assert cli.main(["cancel", "--all", "--store", str(store.path)]) == 0
    out = capsys.readouterr().out
    assert "stopping run(s) 1" in out and "2 waiting job(s) taken off the queue" in out
    t.join(120)
    assert not t.is_alive(), "the worker did not stop after the cancel"
    [run] = store.runs()
    assert run.status == "cancelled" and run.epochs_completed == 1


@pytest.mark.parametrize("verb", ["cancel", "watch"])
def test_an_unknown_run_is_a_clear_error_and_exit_1_as_in_show(store, capsys, verb):
    assert cli.main([verb, "7", "--store", str(store.path)]) == 1
    assert "no run 7" in capsys.readouterr().err
