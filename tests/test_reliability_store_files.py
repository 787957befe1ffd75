"""The store file itself: private to the user (0600, with its -wal and -shm; every folder made for it
0700), always opened as the path it is (never as an SQLite URI), and a store file deleted or replaced, or
its -wal deleted, under a running process is a loud failure instead of a run that "completed" into a file
no one reads."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from tui_fakes import FakeTrainer, fake_loader

from engine.errors import StoreError
from engine.events import EpochEnd
from engine.presets import find_preset
from engine.runner import Runner, RunRequest
from engine.store import Store
from tui.cli import main

SPEC = find_preset("part1-small").spec


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# -- private ---------------------------------------------------------------------------------------------
def test_a_new_store_and_every_folder_made_for_it_are_private(tmp_path):
    old = os.umask(0o022)
    try:
        path = tmp_path / "deep" / "er" / "runs.sqlite3"
        store = Store(path)
        store.start_run("part1-small", "part1-small", SPEC)
        assert mode(path) == 0o600
        assert mode(f"{path}-wal") == 0o600 and mode(f"{path}-shm") == 0o600
        assert mode(tmp_path / "deep") == 0o700 and mode(tmp_path / "deep" / "er") == 0o700
        store.close()
    finally:
        os.umask(old)


def test_an_existing_folder_keeps_its_mode(tmp_path):
    tmp_path.chmod(0o755)
    Store(tmp_path / "runs.sqlite3").close()
    assert mode(tmp_path) == 0o755 and mode(tmp_path / "runs.sqlite3") == 0o600


# -- a path is a path ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["file:runs.sqlite3", "file:runs.sqlite3?mode=memory", "file:x%20y?mode=ro#z"])
def test_a_store_path_that_looks_like_an_sqlite_uri_is_that_file(name, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    store = Store(name)
    run_id = store.start_run("part1-small", "part1-small", SPEC)
    store.close()
    assert (tmp_path / name).is_file() and mode(tmp_path / name) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(name)) == []  # no other file
    assert [r.run_id for r in Store(tmp_path / name).runs()] == [run_id]  # the same file, opened again
    assert main(["runs", "--json", "--store", name]) == 0 and f'"run_id": {run_id}' in capsys.readouterr().out


# -- the file under the connection changed ---------------------------------------------------------------
def epoch(n: int) -> EpochEnd:
    return EpochEnd(n, 0.5, 0.9, 0.6, 0.8, 1.0)


def delete_wal(path: Path) -> None:
    os.unlink(f"{path}-wal")


def replace_file(path: Path) -> None:
    other = path.with_name("other.sqlite3")
    Store(other).close()
    os.replace(other, path)


def delete_file(path: Path) -> None:
    os.unlink(path)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (delete_wal, "lost its write-ahead log (runs.sqlite3-wal deleted)"),
        (replace_file, "was replaced by another file"),
        (delete_file, "was deleted"),
    ],
)
def test_a_store_changed_under_the_connection_refuses_every_write(change, says, tmp_path):
    path = tmp_path / "runs.sqlite3"
    store = Store(path)
    run_id = store.start_run("part1-small", "part1-small", SPEC)
    store.add_epoch(run_id, epoch(1))
    change(path)
    with pytest.raises(StoreError, match=f"{path}: the run store {says.replace('(', '.').replace(')', '.')}"):
        store.add_epoch(run_id, epoch(2))
    store.close()


def test_a_run_whose_wal_is_deleted_mid_run_fails_loudly_instead_of_completing(tmp_path):
    path = tmp_path / "runs.sqlite3"
    store = Store(path)
    seen = []

    def listener(ev):
        if isinstance(ev, EpochEnd):
            seen.append(ev.epoch)
            if ev.epoch == 2:
                delete_wal(path)

    request = RunRequest("part1-small", "part1-small", SPEC.model_copy(update={"epochs": 5}))
    with pytest.raises(StoreError, match="lost its write-ahead log"):
        Runner(store, FakeTrainer(), fake_loader).run(request, listener)
    assert seen == [1, 2]  # epoch 3 was never reported as stored
    store.close()


def test_the_presets_folder_is_made_private(tmp_path):
    from engine.presets import save_user_preset, user_presets_dir

    old = os.umask(0o022)
    try:
        save_user_preset(SPEC.model_copy(update={"name": "mine"}))
    finally:
        os.umask(old)
    assert mode(user_presets_dir()) == 0o700 and mode(user_presets_dir().parent) == 0o700  # config/presets


def test_a_deleted_wal_never_takes_the_tables_with_it(tmp_path):
    import sqlite3

    path = tmp_path / "runs.sqlite3"
    store = Store(path)  # a new store: its schema is checkpointed into the file itself at once
    delete_wal(path)
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"runs", "epochs", "jobs", "live"} <= tables
    store.close()
