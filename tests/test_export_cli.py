"""`mnist-tui export`: default file, --out -, --store, one-line errors and atomic writes."""

from __future__ import annotations

import os

import pytest
from known_runs import fill_exercise

from engine.store import Store
from tui.cli import main


@pytest.fixture
def store_path(tmp_path):
    path = tmp_path / "runs.sqlite3"
    s = Store(path)
    fill_exercise(s)
    s.close()
    return path


def test_default_out_is_answers_md_in_the_current_folder(store_path, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["export", "--store", str(store_path)]) == 0
    text = (tmp_path / "answers.md").read_text(encoding="utf-8")
    assert text.startswith("# MNIST exercise: answers") and "93.65%" in text
    assert "answers.md" in capsys.readouterr().err


def test_out_file_and_store_from_environment(store_path, tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_TUI_STORE", str(store_path))
    out = tmp_path / "mine.md"
    assert main(["export", "--out", str(out)]) == 0
    assert "305,290" in out.read_text(encoding="utf-8")


def test_dash_writes_markdown_to_stdout(store_path, capsys):
    assert main(["export", "--out", "-", "--store", str(store_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# MNIST exercise: answers") and "\x1b" not in out


def test_empty_store_exports_missing_runs(tmp_path, capsys):
    assert main(["export", "--out", "-", "--store", str(tmp_path / "empty.sqlite3")]) == 0
    out = capsys.readouterr().out
    assert "**Missing runs:**" in out and "No runs yet" in out


@pytest.mark.parametrize("where", ["missing-folder/answers.md", "."])
def test_unwritable_path_is_one_line_and_exit_1(store_path, tmp_path, capsys, where):
    target = tmp_path / where
    assert main(["export", "--out", str(target), "--store", str(store_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("mnist-tui: error: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(store_path, tmp_path, monkeypatch, capsys):
    out = tmp_path / "answers.md"
    out.write_text("old answers\n")

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    assert main(["export", "--out", str(out), "--store", str(store_path)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert out.read_text() == "old answers\n"
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
