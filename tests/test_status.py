"""Run and job states are engine.status enums: a store from before them (jobs ended 'done') migrates to
the one word, an unmigrated (read-only) one still reads, an unknown state is a row left out, and no module
writes or compares a state as a bare string (so one cannot drift from the enums unnoticed)."""

from __future__ import annotations

import ast
import re
import sqlite3

import pytest
from helpers import ROOT

from engine.spec import make_spec
from engine.status import ENDED_JOB, JobStatus, RunStatus
from engine.store import MIGRATIONS, SCHEMA_VERSION, Store
from engine.store.cells import BadRow
from engine.store.records import job_from_row
from engine.worker.job import job_state

SPEC = make_spec(name="net", hidden_layers=[8])
JOB = "INSERT INTO jobs (position, preset, spec_json, state, created_at) VALUES (?, 'part1-small', ?, ?, '2026-01-01')"
V6 = 6  # the last schema in which a job ended 'done'


def store_at(path, version: int, states: list[str]) -> None:
    db = sqlite3.connect(path)
    for script in MIGRATIONS[:version]:
        db.executescript(script)
    db.execute(f"PRAGMA user_version = {version}")
    for i, state in enumerate(states, start=1):
        db.execute(JOB, (i, SPEC.model_dump_json(), state))
    db.commit()
    db.close()


def test_a_v6_store_migrates_its_done_jobs_to_completed(tmp_path):
    path = tmp_path / "v6.sqlite3"
    store_at(path, V6, ["done", "queued", "failed", "interrupted", "done"])
    store = Store(path)
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    states = [s for (s,) in raw.execute("SELECT state FROM jobs ORDER BY id")]
    assert states == ["completed", "queued", "failed", "interrupted", "completed"]
    assert [j.state for j in reversed(store.jobs.recent())] == [
        JobStatus.COMPLETED,
        JobStatus.QUEUED,
        JobStatus.FAILED,
        JobStatus.INTERRUPTED,
        JobStatus.COMPLETED,
    ]
    assert store.bad_rows == {}


def row_with_state(state: str) -> sqlite3.Row:
    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    for script in MIGRATIONS:
        db.executescript(script)
    db.execute(JOB, (1, SPEC.model_dump_json(), state))
    return db.execute("SELECT * FROM jobs").fetchone()


def test_an_unmigrated_done_reads_as_completed_and_an_unknown_state_is_a_bad_row():
    """A store opened read-only is never migrated: its 'done' still reads; a state no version wrote does not."""
    assert job_from_row(row_with_state("done")).state is JobStatus.COMPLETED
    assert job_from_row(row_with_state("running")).state is JobStatus.RUNNING
    with pytest.raises(BadRow, match="state"):
        job_from_row(row_with_state("finished"))


def test_a_job_ends_in_the_word_its_run_ended_in():
    assert {job_state(s) for s in RunStatus if s != RunStatus.RUNNING} == ENDED_JOB
    for ended in (RunStatus.COMPLETED, RunStatus.CANCELLED, RunStatus.INTERRUPTED):
        assert job_state(ended) == ended  # the same string in the store
    assert job_state(RunStatus.DIVERGED) is JobStatus.FAILED
    assert set(JobStatus) - {JobStatus.QUEUED} <= set(RunStatus)  # every other job state is a run's word


STATES = {s.value for s in RunStatus} | {s.value for s in JobStatus} | {"done"}
SQL_STATE = re.compile(r"\b(status|state)\s*(=|!=|<>|IN)\s*\(?'")  # a state written into SQL text
NAMED = {"status", "state", "run_status"}


def names_a_state(node: ast.AST) -> bool:
    """`x.status`, `status`, `row["state"]`, `c.text("run_status")`: an expression holding a run or job state."""
    if isinstance(node, ast.Attribute):
        return node.attr in NAMED
    if isinstance(node, ast.Name):
        return node.id in NAMED
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value in NAMED
    if isinstance(node, ast.Call):
        return any(isinstance(a, ast.Constant) and a.value in NAMED for a in node.args)
    return False


def is_state_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return node.value in STATES
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(is_state_literal(e) for e in node.elts)
    return False


def literals_in(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(names_a_state(s) for s in sides) and any(is_state_literal(s) for s in sides):
                found.append((node.lineno, "compared"))
        elif isinstance(node, ast.keyword) and node.arg in NAMED and is_state_literal(node.value):
            found.append((node.value.lineno, "passed"))
        elif isinstance(node, ast.Assign) and any(names_a_state(t) for t in node.targets):
            if is_state_literal(node.value):
                found.append((node.lineno, "assigned"))
        elif isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if called in {"finish", "Finished"} and any(is_state_literal(a) for a in node.args):
                found.append((node.lineno, f"given to {called}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_STATE.search(node.value):
            found.append((node.lineno, "in SQL"))
    return sorted(found)


def test_the_scan_finds_each_kind_of_state_literal():
    code = """
if run.status == "completed": pass
if row["state"] in ("queued", "running"): pass
replace(result, status="cancelled")
job.state = "done"
store.jobs.finish(1, "failed")
Finished(None, "diverged", 0)
db.read("SELECT * FROM jobs WHERE state='queued'")
"""
    assert [why for _, why in literals_in(ast.parse(code))] == [
        "compared",
        "compared",
        "passed",
        "assigned",
        "given to finish",
        "given to Finished",
        "in SQL",
    ]


def test_no_module_writes_or_compares_a_state_as_a_bare_string():
    """Only engine/status.py spells the states, and the schema's migrations (which run before any enum)."""
    allowed = {ROOT / "engine" / "status.py", ROOT / "engine" / "store" / "schema.py"}
    offenders = []
    for package in ("engine", "tui"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path in allowed:
                continue
            for line, why in literals_in(ast.parse(path.read_text(), str(path))):
                offenders.append(f"{path.relative_to(ROOT)}:{line} {why}")
    assert offenders == []
