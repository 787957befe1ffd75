"""The run store: WAL, a row at start, a committed row per epoch, final results, liveness
(`interrupted` when the owner is gone, here or on another host) and forward migrations."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

import pytest

from engine import store as store_mod
from engine.events import EpochEnd, Finished
from engine.spec import make_spec
from engine.store import MIGRATIONS, SCHEMA_VERSION, STALE_AFTER, Store, process_identity

SPEC = make_spec(name="net", hidden_layers=[8] * 10)


def epoch(n: int, **kw) -> EpochEnd:
    values = dict(loss=1.0 / n, accuracy=0.5, val_loss=1.1 / n, val_accuracy=0.45, seconds=0.2, gradients=[1e-5, 1e-2])
    return EpochEnd(n, **{**values, **kw})


def raw(path) -> sqlite3.Connection:
    """A second, independent reader: what another process would see."""
    return sqlite3.connect(path)


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_wal_and_current_schema(store):
    db = raw(store.path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_run_row_at_start_and_epoch_rows_committed_as_they_come(store):
    run_id = store.start_run("part2-narrow", "part2-narrow", SPEC, data_source="x.npz", sizes={"train": 10})
    db = raw(store.path)
    assert db.execute("SELECT status, preset FROM runs WHERE id=?", (run_id,)).fetchone() == ("running", "part2-narrow")
    for n in (1, 2, 3):
        store.add_epoch(run_id, epoch(n))
        assert db.execute("SELECT count(*) FROM epochs WHERE run_id=?", (run_id,)).fetchone()[0] == n
    record = store.get_run(run_id)
    assert record.status == "running" and record.epochs_completed == 3
    assert record.history[0].gradients == [1e-5, 1e-2] and record.spec == SPEC


def test_finish_stores_status_and_metrics(store):
    run_id = store.start_run("p", None, SPEC)
    store.add_epoch(run_id, epoch(1))
    store.finish_run(run_id, Finished(run_id, "completed", 1, 0.9, 0.8, 0.85, 0.3, 0.4, 0.35, 1.5, 2.0))
    r = store.get_run(run_id)
    assert r.status == "completed" and r.finished_at
    assert r.metrics == {
        "train_accuracy": 0.9,
        "val_accuracy": 0.8,
        "test_accuracy": 0.85,
        "train_loss": 0.3,
        "val_loss": 0.4,
        "test_loss": 0.35,
    }
    data = r.as_json()
    assert {"run_id", "preset", "status", "epochs_completed", "spec", "history", "test_accuracy"} <= set(data)


def test_nan_is_stored_as_null(store):
    run_id = store.start_run("p", None, SPEC)
    store.add_epoch(run_id, epoch(1, loss=float("nan"), val_loss=float("inf")))
    row = store.get_run(run_id).history[0]
    assert row.loss is None and row.val_loss is None and row.accuracy == 0.5


def test_running_run_of_a_dead_process_reads_interrupted(store):
    run_id = store.start_run("p", None, SPEC)
    store.add_epoch(run_id, epoch(1))
    assert store.get_run(run_id).status == "running"  # this process: alive
    store.db.write("UPDATE runs SET pid=?, process=? WHERE id=?", (pid := dead_pid(), process_identity(pid), run_id))
    r = store.get_run(run_id)
    assert r.status == "interrupted" and r.epochs_completed == 1
    assert [x.status for x in store.runs()] == ["interrupted"]


def test_reused_pid_still_reads_interrupted(store):
    """The pid is alive again, but as another process (another start time): the run's owner is gone."""
    run_id = store.start_run("p", None, SPEC)
    identity = process_identity(run_id and __import__("os").getpid())
    if identity is None:
        pytest.skip("no /proc here to tell processes apart")
    store.db.write("UPDATE runs SET process=? WHERE id=?", (identity + "0", run_id))
    assert store.get_run(run_id).status == "interrupted"


def test_run_on_another_host_is_judged_by_its_heartbeat(store):
    run_id = store.start_run("p", None, SPEC)
    store.db.write("UPDATE runs SET host='gpu-box-elsewhere', pid=1 WHERE id=?", (run_id,))
    assert store.get_run(run_id).status == "running"  # it just started and beat
    store.db.write("UPDATE runs SET heartbeat_at=? WHERE id=?", (time.time() - STALE_AFTER - 1, run_id))
    assert store.get_run(run_id).status == "interrupted"
    store.heartbeat(run_id)
    assert store.get_run(run_id).status == "running"
    store.db.write("UPDATE runs SET heartbeat_at=NULL WHERE id=?", (run_id,))
    assert store.get_run(run_id).status == "interrupted"  # a pre-v3 row: nothing says it is alive


def test_finished_runs_are_never_reinterpreted(store):
    run_id = store.start_run("p", None, SPEC)
    store.finish_run(run_id, Finished(run_id, "cancelled", 0))
    store.db.write("UPDATE runs SET pid=?, host='elsewhere' WHERE id=?", (dead_pid(), run_id))
    assert store.get_run(run_id).status == "cancelled"


def test_runs_newest_first_with_limit(store):
    ids = [store.start_run(f"p{i}", None, SPEC) for i in range(3)]
    assert [r.run_id for r in store.runs()] == ids[::-1]
    assert [r.run_id for r in store.runs(limit=2)] == ids[:0:-1]


def test_a_damaged_json_cell_keeps_the_list_readable(store):
    good = store.start_run("p", None, SPEC)
    run_id = store.start_run("p", None, SPEC)
    store.db.write("UPDATE runs SET spec_json='{broken', versions_json='[' WHERE id=?", (run_id,))
    assert [r.run_id for r in store.runs()] == [good]  # the damaged run is left out, the rest stays readable
    assert store.bad_rows == {("run", run_id): f"run {run_id}: spec_json holds damaged JSON ('{{broken')"}


def test_notes(store):
    store.set_note("part2.hypothesis", "vanishing gradients")
    store.set_note("part2.hypothesis", "vanishing gradients, measured")
    assert store.get_notes() == {"part2.hypothesis": "vanishing gradients, measured"}


def test_store_reopens_with_its_runs(tmp_path):
    a = Store(tmp_path / "s.sqlite3")
    run_id = a.start_run("p", None, SPEC)
    a.add_epoch(run_id, epoch(1))
    a.close()
    b = Store(tmp_path / "s.sqlite3")
    assert b.get_run(run_id).epochs_completed == 1


def build_old_store(path, version: int) -> None:
    db = sqlite3.connect(path)
    for script in MIGRATIONS[:version]:
        db.executescript(script)
    db.execute(f"PRAGMA user_version = {version}")
    db.execute(
        "INSERT INTO runs (preset, spec_json, status, started_at, pid, host, val_accuracy) VALUES (?,?,?,?,?,?,?)",
        ("part1-small", SPEC.model_dump_json(), "completed", "2026-01-01T00:00:00+00:00", 1, "old-host", 0.91),
    )
    db.execute(
        "INSERT INTO epochs (run_id, epoch, loss, accuracy, val_loss, val_accuracy, seconds) VALUES (1,1,1,1,1,1,1)"
    )
    db.commit()
    db.close()


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_old_schema_migrates_forward_keeping_its_runs(tmp_path, version):
    path = tmp_path / "old.sqlite3"
    build_old_store(path, version)
    s = Store(path)
    db = raw(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert "gradients_json" in {r[1] for r in db.execute("PRAGMA table_info(epochs)")}
    assert {"process", "heartbeat_at"} <= {r[1] for r in db.execute("PRAGMA table_info(runs)")}
    assert db.execute("SELECT name FROM sqlite_master WHERE name='notes'").fetchone()
    old = s.get_run(1)
    assert (old.preset, old.status, old.metrics["val_accuracy"], old.epochs_completed) == (
        "part1-small",
        "completed",
        0.91,
        1,
    )
    assert old.history[0].gradients is None
    new_id = s.start_run("p", None, SPEC)  # and the migrated store takes new runs
    s.add_epoch(new_id, epoch(1))
    s.set_note("k", "v")
    assert s.get_run(new_id).history[0].gradients == [1e-5, 1e-2]


def test_migration_runs_once_when_two_open_a_new_store_together(tmp_path):
    """Two trainings started at once on a fresh store: both open it, neither fails on 'table exists'."""
    path = tmp_path / "fresh.sqlite3"
    start = time.time() + 4  # all four open at the same instant, after their imports (late ones at once)
    code = "import time; from engine.store import Store; "
    code += f"time.sleep(max(0, {start} - time.time())); Store({str(path)!r})"
    procs = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True) for _ in range(4)]
    errors = [p.communicate()[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors
    assert raw(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_process_identity_is_stable_and_distinct(monkeypatch):
    me = process_identity(__import__("os").getpid())
    if me is None:
        pytest.skip("no /proc here")
    assert me == process_identity(__import__("os").getpid())
    assert process_identity(dead_pid()) is None


def test_heartbeat_constants_are_sane():
    assert store_mod.STALE_AFTER >= 3 * store_mod.HEARTBEAT_SECONDS
