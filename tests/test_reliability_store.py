"""Issue 7, cases 7-8: a store file that is not ours is refused and left byte-for-byte untouched (no -wal or
-shm beside it); an old schema migrates; an unwritable export path is an error, not a crash."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys

import pytest

from engine.errors import StoreError
from engine.spec import make_spec
from engine.store import MIGRATIONS, SCHEMA_VERSION, Store
from tui.cli import main


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli_error(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mnist-tui: error: ") and "Traceback" not in err, err
    return code, lines[0]


def assert_untouched(path, before: str) -> None:
    assert digest(path) == before
    assert not os.path.exists(f"{path}-wal") and not os.path.exists(f"{path}-shm")
    assert not os.path.exists(f"{path}-journal")


STORE_FILES = {
    "random-bytes": lambda: os.urandom(8192),
    "text": lambda: b"my precious notes\n" * 100,
    "sqlite-header-then-garbage": lambda: b"SQLite format 3\x00" + os.urandom(8192),
    "truncated-sqlite": None,  # built from a real store below
}


@pytest.mark.parametrize("kind", STORE_FILES)
@pytest.mark.parametrize("command", [["runs"], ["runs", "--json"], ["export", "--out", "-"]])
def test_corrupt_store_is_refused_and_left_untouched(kind, command, tmp_path, capsys):
    path = tmp_path / "runs.sqlite3"
    if kind == "truncated-sqlite":
        s = Store(tmp_path / "real.sqlite3")
        s.start_run("p", None, make_spec(name="n", hidden_layers=[5]))
        s.close()
        path.write_bytes((tmp_path / "real.sqlite3").read_bytes()[:1500])
    else:
        path.write_bytes(STORE_FILES[kind]())
    before = digest(path)
    code, line = cli_error(capsys, *command, "--store", str(path))
    assert code == 1
    assert str(path) in line and "left untouched" in line
    assert_untouched(path, before)


def test_corrupt_store_refuses_training_before_any_work(tmp_path, capsys):
    path = tmp_path / "runs.sqlite3"
    path.write_bytes(os.urandom(4096))
    before = digest(path)
    code, line = cli_error(capsys, "train", "part1-small", "--store", str(path), "--data", str(tmp_path / "x"))
    assert code == 1 and "not an SQLite run store" in line
    assert_untouched(path, before)


def test_another_programs_sqlite_file_is_not_adopted(tmp_path, capsys):
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE contacts (name TEXT)")
    db.execute("INSERT INTO contacts VALUES ('Ada')")
    db.commit()
    db.close()
    before = digest(path)
    code, line = cli_error(capsys, "runs", "--store", str(path))
    assert code == 1 and "not an mnist-tui run store" in line
    assert_untouched(path, before)


def test_store_from_a_newer_version_is_refused_untouched(tmp_path, capsys):
    path = tmp_path / "future.sqlite3"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    db.commit()
    db.close()
    before = digest(path)
    code, line = cli_error(capsys, "runs", "--store", str(path))
    assert code == 1 and f"schema v{SCHEMA_VERSION + 5} is newer" in line
    assert digest(path) == before


@pytest.mark.parametrize(
    ("where", "needle"),
    [("dir", "is a directory"), ("under-a-file", "cannot open run store")],
)
def test_unusable_store_location(where, needle, tmp_path, capsys):
    blocker = tmp_path / "plain-file"
    blocker.write_text("x")
    path = tmp_path if where == "dir" else blocker / "runs.sqlite3"
    code, line = cli_error(capsys, "runs", "--store", str(path))
    assert code == 1 and needle in line


def test_store_in_an_unwritable_folder(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "locked"
    folder.mkdir()
    if os.geteuid() == 0:  # root writes anywhere: make the folder read as unwritable instead
        real = os.access
        monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(folder) else real(p, mode))
    else:
        folder.chmod(0o555)
    try:
        code, line = cli_error(capsys, "runs", "--store", str(folder / "sub" / "runs.sqlite3"))
    finally:
        folder.chmod(0o755)
    assert code == 1 and f"cannot create run store: {folder} is not writable" in line
    assert list(folder.iterdir()) == []


def test_v1_store_migrates_through_the_cli(tmp_path, capsys):
    path = tmp_path / "v1.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute(
        "INSERT INTO runs (preset, spec_json, status, started_at, test_accuracy) VALUES (?,?,?,?,?)",
        ("part3", make_spec(name="old", hidden_layers=[9, 9, 9]).model_dump_json(), "completed", "2025-01-01", 0.93),
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    assert main(["runs", "--json", "--store", str(path)]) == 0
    (run,) = __import__("json").loads(capsys.readouterr().out)
    assert (run["preset"], run["status"], run["test_accuracy"]) == ("part3", "completed", 0.93)
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_store_error_type_for_the_tui(tmp_path):
    path = tmp_path / "bad.sqlite3"
    path.write_bytes(b"nope" * 100)
    with pytest.raises(StoreError, match="left untouched"):
        Store(path)


@pytest.mark.parametrize("target", ["/nonexistent-dir/x.md", "{tmp}/plain-file/x.md", "{tmp}"])
def test_export_to_an_unwritable_path_is_exit_1_one_line(target, tmp_path, capsys):
    (tmp_path / "plain-file").write_text("x")
    out = target.format(tmp=tmp_path)
    code, line = cli_error(capsys, "export", "--out", out)
    assert code == 1 and out in line


def test_export_unwritable_in_a_real_process():
    done = subprocess.run(
        [sys.executable, "-m", "tui.cli", "export", "--out", "/nonexistent-dir/x.md"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "/nonexistent-dir/x.md" in lines[0] and "Traceback" not in done.stderr
