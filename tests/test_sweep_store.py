"""A sweep through the store: `mnist-tui sweep` queues one job per run carrying the sweep's id (nothing
at all when a point is bad), the worker's runs carry it too, `sweeps` shows the progress, `runs --sweep`
lists its runs and `cancel --sweep` takes its queued jobs off and stops its running ones. A worker thread
with a fake trainer stands in for the detached worker process."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from tui_fakes import FakeTrainer, fake_loader

from engine.runner import Runner
from engine.sweep import point_of_group
from engine.worker.process import serve
from tui import cli

SWEEP = """name = "small grid"
base = "part1-small"
seeds = 2
[grid]
hidden_layers = ["8", "2 x 8", "16"]
epochs = [2]
"""


@pytest.fixture
def sweep_file(tmp_path) -> Path:
    path = tmp_path / "grid.toml"
    path.write_text(SWEEP)
    return path


@pytest.fixture
def spawned(monkeypatch):
    """`sweep` would start a real worker process: record the calls and what they would pass."""
    calls = []
    monkeypatch.setattr(
        "engine.worker.client.ensure_worker",
        lambda path, slots=None, cluster=None, **kw: calls.append((path, slots, cluster)) or True,
    )
    return calls


def jobs_of(store, sweep_id):
    return store.db.read("SELECT * FROM jobs WHERE sweep_id=? ORDER BY id", (sweep_id,))


def drain(store) -> None:
    """Run the queue to its end with the fake trainer, as the worker process would."""
    t = threading.Thread(
        target=serve,
        args=(store.path,),
        kwargs=dict(runner_factory=lambda s: Runner(s, FakeTrainer(), fake_loader), idle_exit=0.1),
        daemon=True,
    )
    t.start()
    t.join(60)
    assert not t.is_alive()


def test_sweep_queues_every_run_with_the_sweep_id_and_records_the_sweep(store, sweep_file, spawned, capsys):
    code = cli.main(["sweep", str(sweep_file), "--detach", "--subset", "100", "--store", str(store.path)])
    assert code == 0
    assert capsys.readouterr().out.splitlines()[0] == "sweep 1: 6 runs queued"
    assert [c[0] for c in spawned] == [store.path]
    jobs = jobs_of(store, 1)
    assert len(jobs) == 6 and {j["subset"] for j in jobs} == {100} and {j["part"] for j in jobs} == {None}
    assert [json.loads(j["spec_json"])["seed"] for j in jobs] == [42, 43] * 3
    assert [point_of_group(j["repeat_group"], 1) for j in jobs] == [1, 1, 2, 2, 3, 3]
    assert [j.sweep_id for j in store.jobs.waiting()] == [1] * 6
    sweep = store.sweeps.get(1)
    assert (sweep.name, sweep.file, sweep.points, sweep.runs, sweep.seeds) == ("small grid", str(sweep_file), 3, 6, 2)
    assert [p["label"] for p in sweep.point_list] == ["layers 8", "layers 2 x 8", "layers 16"]
    assert sweep.progress.queued == 6 and sweep.progress.done == 0


def test_slots_and_cluster_are_passed_to_the_worker_start(store, sweep_file, spawned, monkeypatch, capsys):
    args = ["sweep", str(sweep_file), "--detach", "--slots", "2", "--cluster", "ray://head:10001"]
    assert cli.main([*args, "--store", str(store.path)]) == 0
    assert spawned == [(store.path, 2, "ray://head:10001")]
    monkeypatch.setenv("MNIST_TUI_SLOTS", "many")
    assert cli.main(["sweep", str(sweep_file), "--detach", "--store", str(store.path)]) == 2
    assert "MNIST_TUI_SLOTS=many" in capsys.readouterr().err and len(store.sweeps.all()) == 1  # nothing more


def test_a_bad_point_queues_nothing_and_exits_2(store, sweep_file, spawned, capsys):
    sweep_file.write_text(SWEEP.replace('"16"', '"16", "0"'))
    assert cli.main(["sweep", str(sweep_file), "--store", str(store.path)]) == 2
    err = capsys.readouterr().err
    assert "point 4 of 4 (layers 0)" in err and "nothing queued" in err and len(err.splitlines()) == 1
    assert store.jobs.waiting() == [] and store.sweeps.all() == [] and spawned == []


def test_a_missing_data_file_queues_nothing(store, sweep_file, spawned, capsys, tmp_path):
    args = ["sweep", str(sweep_file), "--data", str(tmp_path / "nope.npz"), "--store", str(store.path)]
    assert cli.main(args) == 1
    assert "no such data file" in capsys.readouterr().err
    assert store.jobs.waiting() == [] and store.sweeps.all() == []


def test_dry_run_lists_the_points_and_queues_nothing(store, sweep_file, spawned, capsys):
    assert cli.main(["sweep", str(sweep_file), "--dry-run", "--store", str(store.path)]) == 0
    out = capsys.readouterr().out
    assert "3 points x 2 seeds = 6 runs (dry run: nothing queued)" in out and "every point: epochs 2" in out
    assert "layers 2 x 8" in out and "12,730" in out  # 784-16-10
    assert store.jobs.waiting() == [] and store.sweeps.all() == [] and spawned == []


def test_the_worker_trains_the_sweep_and_its_runs_carry_the_id(store, sweep_file, spawned, capsys):
    assert cli.main(["train", "part1-small", "--epochs", "1", "--detach", "--store", str(store.path)]) == 0
    assert cli.main(["sweep", str(sweep_file), "--detach", "--store", str(store.path)]) == 0
    drain(store)
    capsys.readouterr()
    assert cli.main(["runs", "--sweep", "1", "--json", "--store", str(store.path)]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert len(runs) == 6 and {r["sweep"] for r in runs} == {1} and {r["status"] for r in runs} == {"completed"}
    assert cli.main(["runs", "--json", "--store", str(store.path)]) == 0
    everything = json.loads(capsys.readouterr().out)
    assert [r["sweep"] for r in everything].count(None) == 1  # the plain train run is no sweep's
    assert cli.main(["sweeps", "--json", "--store", str(store.path)]) == 0
    (sweep,) = json.loads(capsys.readouterr().out)
    assert sweep["progress"] == {"planned": 6, "done": 6, "running": 0, "queued": 0, "failed": 0, "cancelled": 0}
    assert sweep["best"]["n"] == 2 and sweep["points"] == 3 and sweep["file"] == str(sweep_file)
    assert cli.main(["sweeps", "--store", str(store.path)]) == 0
    assert "small grid" in capsys.readouterr().out


def test_runs_of_an_unknown_sweep_is_an_error(store, capsys):
    assert cli.main(["runs", "--sweep", "4", "--store", str(store.path)]) == 1
    assert "no sweep 4" in capsys.readouterr().err


def test_cancel_sweep_drops_its_queued_jobs_and_flags_its_running_one(store, sweep_file, spawned, capsys):
    assert cli.main(["queue", "part3", "--store", str(store.path)]) == 0  # another job: left alone
    assert cli.main(["sweep", str(sweep_file), "--detach", "--store", str(store.path)]) == 0
    store.db.write("UPDATE jobs SET state='running' WHERE id=(SELECT min(id) FROM jobs WHERE sweep_id=1)")
    capsys.readouterr()
    assert cli.main(["cancel", "--sweep", "1", "--store", str(store.path)]) == 0
    assert "5 waiting run(s) taken off the queue, 1 running run(s) stopping" in capsys.readouterr().out
    assert [j.preset for j in store.jobs.waiting()] == ["part3"]
    (running,) = store.jobs.running()
    assert running.sweep_id == 1 and running.cancel_requested
    sweep = store.sweeps.get(1)
    assert sweep.cancelled and sweep.progress.cancelled == 5 and sweep.progress.running == 1
    assert cli.main(["cancel", "--sweep", "9", "--store", str(store.path)]) == 1


def test_a_damaged_sweep_row_is_left_out_and_named(store, sweep_file, spawned, capsys):
    assert cli.main(["sweep", str(sweep_file), "--detach", "--store", str(store.path)]) == 0
    assert cli.main(["sweep", str(sweep_file), "--detach", "--store", str(store.path)]) == 0
    store.db.write("UPDATE sweeps SET definition_json='{not json' WHERE id=1")
    assert [s.sweep_id for s in store.sweeps.all()] == [2] and store.sweeps.get(1) is None
    assert "sweep 1: definition_json holds damaged JSON" in " ".join(store.bad_rows.values())
