"""One bad cell never breaks the store: every malformed value (JSON nested deeper than any printer's stack,
a list where an object belongs, text in a number column, a blob where text belongs, a text queue position)
is reported by its run or job id and column; listings leave the row out, `show` of that run says why in
one line, the worker fails such a job with the reason (never leaves it `running`), and every other run and
job stays usable."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

import pytest
from known_runs import add_run
from tui_fakes import FakeTrainer, fake_loader

from engine.presets import find_preset
from engine.runner import Runner
from engine.store import Store
from tui.cli import main

DEEP = "[" * 200_000 + "]" * 200_000  # json.loads: RecursionError
DEEP_OBJECT = '{"a":' * 60 + "1" + "}" * 60  # readable, but nested deeper than any cell of ours

# (table, column, value, what the warning says about it)
RUN_DAMAGE = {
    "deep-json": ("runs", "spec_json", DEEP, "spec_json holds JSON nested too deep"),
    "deep-json-extra": ("runs", "extra_json", DEEP_OBJECT, "extra_json holds JSON nested deeper"),
    "list-for-object": ("runs", "spec_json", "[1, 2]", "spec_json holds a JSON list where a object belongs"),
    "list-for-versions": ("runs", "versions_json", "[]", "versions_json holds a JSON list"),
    "text-in-real": ("runs", "test_accuracy", "abc", "test_accuracy holds text ('abc'), not a number"),
    "text-in-integer": ("runs", "train_size", "many", "train_size holds text ('many'), not a whole number"),
    "blob-for-text": ("runs", "label", b"\x00\xff\x10", "label holds a blob (3 bytes), not text"),
    "blob-for-spec": ("runs", "spec_json", b"{}", "spec_json holds a blob (2 bytes), not text"),
    "text-in-epoch": ("epochs", "val_loss", "low", "val_loss of epoch 3 holds text ('low'), not a number"),
    "object-for-gradients": ("epochs", "gradients_json", '{"a": 1}', "gradients_json of epoch 3 holds a JSON object"),
}

JOB_DAMAGE = {
    "deep-json": ("spec_json", DEEP, "spec_json holds JSON nested too deep"),
    "list-for-object": ("spec_json", "[]", "spec_json holds a JSON list where a object belongs"),
    "text-position": ("position", "first", "position holds text ('first'), not a number"),
    "text-in-integer": ("subset", "some", "subset holds text ('some'), not a whole number"),
    "blob-for-text": ("label", b"\x01\x02", "label holds a blob (2 bytes), not text"),
}


def damage_run(store: Store, run_id: int, table: str, column: str, value) -> None:
    if table == "runs":
        store.db.write(f"UPDATE runs SET {column}=? WHERE id=?", (value, run_id))
    else:
        store.db.write(f"UPDATE epochs SET {column}=? WHERE run_id=? AND epoch=3", (value, run_id))


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.fixture
def two_runs(tmp_path):
    """A good run and one damaged as the test asks, in the store the CLI opens (MNIST_TUI_STORE)."""
    store = Store(tmp_path / "runs.sqlite3")
    good = add_run(store, "part1-small", [32], train=0.95, val=0.93, test=0.92, name="good net")
    bad = add_run(store, "part1-large", [512], train=0.97, val=0.95, test=0.94, name="bad net")
    yield store, good, bad
    store.close()


@pytest.mark.parametrize("kind", RUN_DAMAGE)
def test_a_damaged_run_is_left_out_of_listings_with_its_id_and_column(kind, two_runs, capsys):
    store, good, bad = two_runs
    table, column, value, says = RUN_DAMAGE[kind]
    damage_run(store, bad, table, column, value)
    warning = f"mnist-tui: warning: run {bad}: {says}"

    code, out, err = run_cli(capsys, "runs")
    assert code == 0 and "good net" in out and "bad net" not in out
    assert err.startswith(warning) and err.count("\n") == 1

    code, out, err = run_cli(capsys, "runs", "--json")
    assert code == 0 and [r["run_id"] for r in json.loads(out)] == [good] and warning in err

    code, out, err = run_cli(capsys, "show", str(good))
    assert code == 0 and "good net" in out

    code, out, err = run_cli(capsys, "show", str(bad))
    assert code == 1 and err.startswith(f"mnist-tui: error: run {bad}: {says}") and err.count("\n") == 1

    code, out, err = run_cli(capsys, "export", "--out", "-")
    assert code == 0 and "good net" in out and warning in err

    assert [r.run_id for r in store.runs()] == [good]  # the engine's readers too (the TUI reads these)
    assert store.bad_rows[("run", bad)].startswith(f"run {bad}: {says}")


def test_a_damaged_note_is_left_out(store, capsys):
    store.set_note("part2.hypothesis", "vanishing gradients")
    store.db.write("INSERT INTO notes (key, text, updated_at) VALUES ('part3.why', ?, 'now')", (b"\x00",))
    assert store.get_notes() == {"part2.hypothesis": "vanishing gradients"}
    assert store.bad_rows[("note", "part3.why")] == "note part3.why: text holds a blob (1 bytes), not text"


@pytest.mark.parametrize("kind", ["deep-json", "text-in-real", "blob-for-text"])
def test_a_damaged_live_row_is_left_out(kind, store):
    column, value = {"deep-json": ("gpus_json", DEEP), "text-in-real": ("loss", "x"), "blob-for-text": ("phase", b"x")}[
        kind
    ]
    spec = find_preset("part1-small").spec
    ids = [store.start_run("part1-small", "part1-small", spec) for _ in range(2)]
    for run_id in ids:
        store.db.write("INSERT INTO live (run_id, phase, updated_at) VALUES (?, 'training', 1.0)", (run_id,))
    store.db.write(f"UPDATE live SET {column}=? WHERE run_id=?", (value, ids[1]))
    assert list(store.progress.all()) == [ids[0]]
    assert store.progress.get(ids[1]) is None and store.progress.get(ids[0]).phase == "training"
    assert store.bad_rows[("live row of run", ids[1])].startswith(f"live row of run {ids[1]}: {column} holds")


def add_job(store: Store, name: str) -> int:
    p = find_preset("part1-small")
    return store.jobs.add(p.id, p.part, p.spec.model_copy(update={"name": name, "epochs": 2}))


@pytest.mark.parametrize("kind", JOB_DAMAGE)
def test_a_damaged_job_is_left_out_of_the_queue_and_failed_by_the_worker(kind, tmp_path, capsys, monkeypatch):
    import engine.worker.client
    from engine.worker.process import serve

    monkeypatch.setattr(engine.worker.client, "ensure_worker", lambda *a, **k: True)  # the worker runs below

    column, value, says = JOB_DAMAGE[kind]
    store = Store(tmp_path / "runs.sqlite3")
    bad, good = add_job(store, "bad job"), add_job(store, "good job")
    store.db.write(f"UPDATE jobs SET {column}=? WHERE id=?", (value, bad))
    warning = f"mnist-tui: warning: job {bad}: {says}"

    code, out, err = run_cli(capsys, "queue")
    assert code == 0 and "good job" in out and "bad job" not in out and warning in err
    code, out, err = run_cli(capsys, "queue", "--json")
    assert code == 0 and [j["job_id"] for j in json.loads(out)] == [good] and warning in err

    later = add_job(store, "later job")  # queueing still works (a text position is never added to)
    assert store.jobs.get(later).position > store.jobs.get(good).position

    trainer = FakeTrainer()
    assert serve(store.path, runner_factory=lambda s: Runner(s, trainer, fake_loader), idle_exit=0.05) == 0
    assert trainer.trained == ["good job", "later job"]
    state, error = store.db.read("SELECT state, error FROM jobs WHERE id=?", (bad,))[0]
    assert state == "failed" and error.startswith(f"job {bad}: {says}")
    assert [j.state for j in store.jobs.recent()] == ["completed", "completed"]  # the bad one is still left out
    store.close()


class Colour(StrEnum):
    RED = "red"


@dataclass
class Thing:
    thing_id: int
    name: str
    colour: Colour
    weight: float | None
    count: int = 3
    shown: bool = False


def test_a_record_is_read_from_its_fields_by_their_types():
    """Cells.record reads each dataclass field from its column by the field's type: NULL is None where the
    field may be None, the default where it has one, and BadRow("is empty") otherwise; a str enum is
    checked against its values; a value of the wrong type names the column."""
    import sqlite3

    from engine.store.cells import BadRow, Cells

    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row

    def read(**cells):
        cols = {"id": 7, "name": "a", "colour": "red", "weight": None, "count": None, "shown": None, **cells}
        row = conn.execute("SELECT " + ", ".join(f"? AS {k}" for k in cols), tuple(cols.values())).fetchone()
        return Cells(row, "thing").record(Thing, "thing_id")

    assert read() == Thing(7, "a", Colour.RED, None, 3, False)
    assert read(weight=1.5, count=4, shown=1) == Thing(7, "a", Colour.RED, 1.5, 4, True)
    for cells, message in (
        ({"name": None}, "thing 7: name is empty"),
        ({"colour": "blue"}, "thing 7: colour holds 'blue', which this version does not know"),
        ({"count": "four"}, "thing 7: count holds text ('four'), not a whole number"),
    ):
        with pytest.raises(BadRow) as err:
            read(**cells)
        assert str(err.value) == message
