"""Opening a store never writes where it must not: special files are refused at once (a FIFO would hang,
/dev/null would grow a journal beside it), a read-only store can still be read (and says so when asked to
write), a damaged file is refused before anything is written, and a store missing a table reads as a clear
error. The queue and live tables arrive with the migration to the current schema."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from engine.errors import StoreError
from engine.events import EpochEnd, Finished
from engine.presets import find_preset
from engine.store import SCHEMA_VERSION, Store
from tui.cli import main


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stored_run(path: Path) -> int:
    store = Store(path)
    p = find_preset("part1-small")
    run_id = store.start_run(p.id, p.part, p.spec)
    store.add_epoch(run_id, EpochEnd(1, 0.5, 0.8, 0.6, 0.75, 1.0))
    store.finish_run(run_id, Finished(run_id, "completed", 1, test_accuracy=0.7))
    store.close()
    return run_id


def test_a_fifo_as_the_store_is_refused_at_once(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert main(["runs", "--store", str(fifo)]) == 1
    assert "not a regular file" in capsys.readouterr().err


def test_dev_null_as_the_store_is_refused_and_leaves_no_journal(capsys):
    assert main(["runs", "--store", "/dev/null"]) == 1
    assert "not a regular file" in capsys.readouterr().err
    assert not Path("/dev/null-journal").exists() and not Path("/dev/null-wal").exists()


def test_a_read_only_store_is_read_and_refuses_writes_with_a_clear_line(tmp_path, monkeypatch, capsys):
    path = tmp_path / "runs.sqlite3"
    run_id = stored_run(path)
    before = digest(path)
    # root may write anywhere: make the file read as unwritable, as it is for a user without the rights
    monkeypatch.setattr("engine.store.database._writable", lambda p: False)
    store = Store(path)
    assert store.read_only
    [run] = store.runs()
    assert run.run_id == run_id and run.metrics["test_accuracy"] == 0.7
    with pytest.raises(StoreError, match="read-only here"):
        store.set_label(run_id, "mine")
    store.close()
    assert main(["runs", "--store", str(path)]) == 0
    assert "Part One, small" in capsys.readouterr().out
    assert digest(path) == before


def test_an_older_read_only_store_is_read_without_migrating(tmp_path, monkeypatch):
    path = tmp_path / "v3.sqlite3"
    db = sqlite3.connect(path)
    from engine.store import MIGRATIONS

    for script in MIGRATIONS[:3]:
        db.executescript(script)
    spec = find_preset("part3").spec.model_dump_json()
    db.execute(
        "INSERT INTO runs (preset, spec_json, status, started_at, test_accuracy)"
        " VALUES ('part3', ?, 'completed', 'x', 0.93)",
        (spec,),
    )
    db.execute("PRAGMA user_version = 3")
    db.commit()
    db.close()
    monkeypatch.setattr("engine.store.database._writable", lambda p: False)
    [run] = Store(path).runs()
    assert run.preset == "part3" and run.kind == "exercise" and run.label is None
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == 3  # untouched


def test_a_damaged_store_is_refused_for_writing_and_left_untouched(tmp_path, capsys):
    path = tmp_path / "runs.sqlite3"
    stored_run(path)
    Path(str(path) + "-wal").unlink(missing_ok=True)
    data = bytearray(path.read_bytes())
    page = 4096
    data[page : page + 12] = b"\xff" * 12  # scribble over the runs table's page header
    path.write_bytes(bytes(data))
    before = digest(path)
    assert main(["train", "part1-small", "--epochs", "1", "--store", str(path)]) == 1
    assert "damaged run store" in capsys.readouterr().err
    assert digest(path) == before


def test_a_store_missing_a_table_is_a_clear_error_not_a_crash(tmp_path, capsys):
    path = tmp_path / "runs.sqlite3"
    stored_run(path)
    db = sqlite3.connect(path)
    db.execute("DROP TABLE notes")
    db.commit()
    db.close()
    assert main(["export", "--out", "-", "--store", str(path)]) == 1
    err = capsys.readouterr().err
    assert "cannot read the run store" in err and "no such table: notes" in err and "Traceback" not in err


def test_the_current_schema_has_the_queue_and_live_tables(store):
    tables = {r[0] for r in store.db.read("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"runs", "epochs", "notes", "jobs", "live"} <= tables
    assert store.db.read("PRAGMA user_version")[0][0] == SCHEMA_VERSION
