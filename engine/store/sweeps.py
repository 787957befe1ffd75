"""Sweeps in the store: one row per sweep file queued (its definition, every point, the sampling seed),
and its progress read from the jobs that carry its id. A sweep's runs carry the id too (runs.sweep_id),
so `Store.runs(sweep=N)` lists them.

Progress comes from the jobs, not the runs: a job exists from the moment the sweep is queued, a run only
once the worker starts it. Jobs taken off the queue (a cancelled sweep, an emptied queue) count as
cancelled, so done + running + queued + failed + cancelled is always the sweep's planned runs.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from engine.status import JobStatus, RunStatus
from engine.store.cells import BadRow, Cells, read_rows
from engine.store.database import Database
from engine.store.jobs import now_text


@dataclass(frozen=True)
class SweepProgress:
    planned: int
    done: int = 0
    running: int = 0
    queued: int = 0
    failed: int = 0  # failed, diverged or interrupted
    cancelled: int = 0  # cancelled, or taken off the queue

    @property
    def finished(self) -> bool:
        return not (self.running or self.queued)

    def text(self) -> str:
        parts = [f"{self.done}/{self.planned} done", f"{self.running} running", f"{self.queued} queued"]
        parts.append(f"{self.failed} failed")
        if self.cancelled:
            parts.append(f"{self.cancelled} cancelled")
        return " · ".join(parts)


@dataclass(frozen=True)
class SweepRecord:
    sweep_id: int
    name: str
    file: str | None
    definition: dict
    sampling_seed: int | None
    points: int
    runs: int
    created_at: str
    cancelled: bool
    progress: SweepProgress = field(default_factory=lambda: SweepProgress(0))

    @property
    def seeds(self) -> int:
        return int(self.definition.get("seeds") or max(1, self.runs // max(1, self.points)))

    @property
    def kind(self) -> str:
        return self.definition.get("kind", "grid")

    @property
    def point_list(self) -> list[dict]:
        """Each point as stored: index, label, values (the swept fields) and spec."""
        return [p for p in self.definition.get("points", []) if isinstance(p, dict) and "index" in p]

    @property
    def swept(self) -> list[str]:
        return list(self.definition.get("swept", []))

    def as_json(self) -> dict:
        return {
            "sweep": self.sweep_id,
            "name": self.name,
            "file": self.file,
            "kind": self.kind,
            "base": self.definition.get("base"),
            "seeds": self.seeds,
            "sampling_seed": self.sampling_seed,
            "points": self.points,
            "runs": self.runs,
            "created_at": self.created_at,
            "cancelled": self.cancelled,
            "progress": asdict(self.progress),
        }


# a job's state -> the count of the sweep's progress it adds to (failed and interrupted: "failed")
PROGRESS_COUNT = {
    JobStatus.COMPLETED: "done",
    JobStatus.RUNNING: "running",
    JobStatus.QUEUED: "queued",
    JobStatus.CANCELLED: "cancelled",
    "done": "done",  # a job ended before store v7 (a read-only store is not migrated)
}


class SweepRows:
    """A sweep row that cannot be read is left out of every listing and handed to `report` (the store's
    report_bad_row), as runs and jobs are."""

    def __init__(self, db: Database, report: Callable[[BadRow], None] = lambda bad: None):
        self.db, self.report = db, report

    def add(self, name: str, file: str | None, definition: dict, sampling_seed: int | None, points: int, runs: int):
        cur = self.db.write(
            "INSERT INTO sweeps (name, file, definition_json, sampling_seed, points, runs, created_at)"
            " VALUES (?,?,?,?,?,?,?)",
            (name, file, json.dumps(definition), sampling_seed, points, runs, now_text()),
        )
        return int(cur.lastrowid)

    def get(self, sweep_id: int) -> SweepRecord | None:
        found = read_rows(self.db.read("SELECT * FROM sweeps WHERE id=?", (sweep_id,)), self._record, self.report)
        return found[0] if found else None

    def all(self) -> list[SweepRecord]:
        """Newest first."""
        return read_rows(self.db.read("SELECT * FROM sweeps ORDER BY id DESC"), self._record, self.report)

    def progress(self, sweep_id: int, planned: int) -> SweepProgress:
        counts = {"done": 0, "running": 0, "queued": 0, "failed": 0, "cancelled": 0}
        rows = self.db.read("SELECT state, count(*) FROM jobs WHERE sweep_id=? GROUP BY state", (sweep_id,))
        for state, n in rows:
            counts[PROGRESS_COUNT.get(state, "failed")] += n
        counts["cancelled"] += max(0, planned - sum(counts.values()))
        return SweepProgress(planned, **counts)

    def cancel(self, sweep_id: int) -> tuple[int, int]:
        """Take the sweep's waiting jobs off the queue and flag its running ones (and their runs) to stop
        after their current block. Returns (jobs removed, runs asked to stop)."""
        with self.db.writing() as conn:
            queued, running = JobStatus.QUEUED, JobStatus.RUNNING
            removed = conn.execute("DELETE FROM jobs WHERE sweep_id=? AND state=?", (sweep_id, queued)).rowcount
            conn.execute("UPDATE jobs SET cancel_requested=1 WHERE sweep_id=? AND state=?", (sweep_id, running))
            stopping = conn.execute(
                "UPDATE runs SET cancel_requested=1 WHERE status=? AND (sweep_id=? OR id IN"
                " (SELECT run_id FROM jobs WHERE sweep_id=? AND state=?))",
                (RunStatus.RUNNING, sweep_id, sweep_id, running),
            ).rowcount
            loading = conn.execute(
                "SELECT count(*) FROM jobs WHERE sweep_id=? AND state=? AND run_id IS NULL", (sweep_id, running)
            ).fetchone()[0]
            conn.execute("UPDATE sweeps SET cancelled=1 WHERE id=?", (sweep_id,))
        return removed, stopping + loading

    def _record(self, r: sqlite3.Row) -> SweepRecord:
        c = Cells(r, "sweep")
        planned = c.integer("runs", 0)
        return c.record(
            SweepRecord,
            "sweep_id",
            definition=c.json("definition_json", dict, {}),
            points=c.integer("points", 0),
            runs=planned,
            created_at=c.text("created_at", ""),
            progress=self.progress(c.row_id, planned),
        )
