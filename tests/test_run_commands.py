"""The CLI verbs that manage runs: runs --part/--status/--all, show, rm (asks; never a running run), label."""

from __future__ import annotations

import json
import sys

import pytest
from known_runs import add_run, fill_exercise

from tui.cli import main


@pytest.fixture
def filled(store):
    ids = fill_exercise(store)
    ids["failed"] = add_run(store, "part1-small", [48], train=0.1, val=0.1, test=0.1, epochs=1, status="failed")
    return store, ids


def run_cli(store, *args) -> int:
    return main([*args, "--store", str(store.path)])


def listed(capsys) -> list[int]:
    return [r["run_id"] for r in json.loads(capsys.readouterr().out)]


def test_the_table_hides_failed_and_cancelled_unless_all_and_json_lists_every_run(filled, capsys):
    store, ids = filled
    assert run_cli(store, "runs") == 0
    out = capsys.readouterr().out
    assert "2 failed/cancelled hidden: --all shows them" in out
    assert run_cli(store, "runs", "--all") == 0
    assert "hidden" not in capsys.readouterr().out
    assert run_cli(store, "runs", "--json") == 0  # scripts read every run, whatever its status
    shown = listed(capsys)
    assert ids["failed"] in shown and len(shown) == 8


def test_runs_filters_by_part_and_status(filled, capsys):
    store, ids = filled
    assert run_cli(store, "runs", "--json", "--part", "part1-small", "--all") == 0
    assert sorted(listed(capsys)) == sorted([ids["part1-small"], ids["failed"]])
    assert run_cli(store, "runs", "--json", "--status", "cancelled") == 0  # asking for a status shows it
    cancelled = listed(capsys)
    assert len(cancelled) == 1 and store.get_run(cancelled[0]).status == "cancelled"
    assert run_cli(store, "runs", "--json", "--status", "failed") == 0
    assert listed(capsys) == [ids["failed"]]


def test_a_status_no_run_has_is_refused_not_an_empty_list(filled, capsys):
    """'done' was a job's word, never a run's: a typo must not read as 'no such runs'."""
    store, _ = filled
    with pytest.raises(SystemExit) as ended:
        run_cli(store, "runs", "--status", "done")
    assert ended.value.code == 2
    assert "invalid choice: 'done'" in capsys.readouterr().err


def test_show_prints_spec_epochs_gradients_and_truthful_charts(filled, capsys):
    store, ids = filled
    assert run_cli(store, "show", str(ids["part2-narrow"])) == 0
    out = capsys.readouterr().out
    for needle in (
        "learning rate",
        "0.01",
        "batch size",
        "10: 10 x 8",
        "mnist-sample.npz",
        "6,000 / 1,333 / 2,000",
        "tensorflow",
        "val loss",
        "dense 1",
        "output",
        "accuracy by epoch",
        "100┤",
        "  0┤",
    ):
        assert needle in out, needle
    assert run_cli(store, "show", str(ids["part3"]), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["run_id"] == ids["part3"] and len(data["history"]) == 20
    assert "confusion" not in data  # a run made before predictions were kept has no matrix to show


def test_show_json_has_the_confusion_matrix_of_a_finished_run(store, tmp_path, capsys):
    import numpy as np
    from known_runs import labelled_test_set, predictions_with_accuracy

    labels = np.arange(2000) % 10
    source = labelled_test_set(tmp_path / "labelled.npz", labels)
    predicted = predictions_with_accuracy(labels, 0.9)
    run = add_run(store, "part1-small", [48], train=0.9, val=0.9, test=0.9, data_source=source, predictions=predicted)
    assert store.predictions(run) == predicted.astype(np.uint8).tobytes()
    sql: list[str] = []
    store.db.conn.set_trace_callback(sql.append)
    assert [r.run_id for r in store.runs()] == [run]
    store.db.conn.set_trace_callback(None)
    listing = [q for q in sql if "FROM runs" in q and "PRAGMA" not in q]
    assert listing and not any("predictions" in q or "SELECT *" in q for q in listing)  # never loads the blob
    assert run_cli(store, "show", str(run), "--json") == 0
    confusion = json.loads(capsys.readouterr().out)["confusion"]
    assert len(confusion) == 10 and all(len(row) == 10 for row in confusion)
    assert sum(map(sum, confusion)) == 2000 and [sum(row) for row in confusion] == [200] * 10  # rows: true digit
    assert confusion[0][1] == 20 and confusion[0][0] == 180  # the first 200 images wrong, answered digit + 1
    assert store.delete_run(run) and store.predictions(run) is None  # deleted with its row


def test_show_an_unknown_run_is_one_line_and_exit_1(filled, capsys):
    store, _ = filled
    assert run_cli(store, "show", "999") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no run 999" in err


def test_rm_with_yes_deletes_and_the_answers_stop_using_the_run(filled, capsys):
    from engine.answers import answers

    store, ids = filled
    assert answers(store).nets["part1-large"].run_id == ids["part1-large"]
    assert run_cli(store, "rm", str(ids["part1-large"]), "--yes") == 0
    assert store.get_run(ids["part1-large"]) is None
    assert "part1-large" not in answers(store).nets


def test_rm_without_yes_off_a_terminal_refuses_and_keeps_the_run(filled, capsys, monkeypatch):
    store, ids = filled
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    assert run_cli(store, "rm", str(ids["part3"])) == 1
    assert "--yes" in capsys.readouterr().err
    assert store.get_run(ids["part3"]) is not None


def test_rm_asks_at_a_terminal_and_no_keeps_the_run(filled, capsys, monkeypatch):
    store, ids = filled
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert run_cli(store, "rm", str(ids["part3"])) == 1
    assert store.get_run(ids["part3"]) is not None
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    assert run_cli(store, "rm", str(ids["part3"])) == 0
    assert store.get_run(ids["part3"]) is None


def test_rm_never_deletes_a_running_run(store, capsys):
    from engine.spec import make_spec

    run_id = store.start_run("part1-small", "part1-small", make_spec(name="live", hidden_layers=[8]))
    assert run_cli(store, "rm", str(run_id), "--yes") == 1
    assert "is training" in capsys.readouterr().err
    assert store.get_run(run_id) is not None


def test_rm_of_an_unknown_run_deletes_nothing(filled, capsys):
    store, ids = filled
    assert run_cli(store, "rm", str(ids["part3"]), "999", "--yes") == 1
    assert store.get_run(ids["part3"]) is not None


def test_label_names_a_run_and_an_empty_text_clears_it(filled, capsys):
    store, ids = filled
    assert run_cli(store, "label", str(ids["part3"]), "[red]best so far") == 0
    assert store.get_run(ids["part3"]).name == "[red]best so far"
    assert run_cli(store, "runs") == 0
    assert "[red]best so far" in capsys.readouterr().out  # shown literally, never as markup
    assert run_cli(store, "label", str(ids["part3"]), "--note", "lr 0.5 helps") == 0
    assert store.get_run(ids["part3"]).note == "lr 0.5 helps"
    assert run_cli(store, "label", str(ids["part3"]), "") == 0
    assert store.get_run(ids["part3"]).label is None
