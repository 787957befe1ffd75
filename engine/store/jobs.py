"""The training queue in the store: jobs waiting for the detached worker, the one it runs, and how each
ended. Any process may add, reorder, remove or cancel; only the worker (one per store, under a file lock)
claims. Claiming happens in one write transaction, so two workers racing never take the same job.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime

from engine.memory import check_job_fits
from engine.spec import NetworkSpec
from engine.status import JobStatus
from engine.store.cells import BadRow, read_rows
from engine.store.database import Database
from engine.store.liveness import HOST, owner_alive, process_identity
from engine.store.records import JobRecord, job_from_row


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# the last position that is a number: a damaged cell (text) must not stop anything being queued again
NUMBERED_LAST = "SELECT max(position) FROM jobs WHERE typeof(position) IN ('integer', 'real')"
HEAD = "SELECT * FROM jobs WHERE state=? ORDER BY position, id LIMIT 1"  # the first waiting job
HEAD_ARGS = (JobStatus.QUEUED,)


def runs_on(asked: str | None, backend: str | None) -> bool:
    """Can a worker on `backend` run a job that asked for `asked`? (None on either side: any.)"""
    return not (asked and backend and asked != backend)


class JobQueue:
    def __init__(self, db: Database, report: Callable[[BadRow], None] = lambda bad: None):
        self.db = db
        self.report = report  # told of each row that cannot be read (left out of listings)

    # -- adding and editing --------------------------------------------------------------------------
    def add(
        self,
        preset: str,
        part: str | None,
        spec: NetworkSpec,
        data: str | None = None,
        subset: int | None = None,
        repeat_group: str | None = None,
        kind: str = "exercise",
        label: str | None = None,
        backend: str | None = None,
        sweep_id: int | None = None,
    ) -> int:
        """Queue a job; MemoryRefused (nothing queued) when it could never fit in this machine's memory."""
        check_job_fits(spec, subset, label or spec.name)
        with self.db.writing() as conn:
            last = conn.execute(NUMBERED_LAST).fetchone()[0]
            cur = conn.execute(
                "INSERT INTO jobs (position, preset, part, spec_json, data, subset, repeat_group, kind, label, state,"
                " created_at, backend, sweep_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    (last or 0) + 1,
                    preset,
                    part,
                    spec.model_dump_json(),
                    data,
                    subset,
                    repeat_group,
                    kind,
                    label,
                    JobStatus.QUEUED,
                    now_text(),
                    backend,
                    sweep_id,
                ),
            )
            return int(cur.lastrowid)

    def remove(self, job_id: int) -> bool:
        """Take a waiting job off the queue (a running one is cancelled instead)."""
        cur = self.db.write("DELETE FROM jobs WHERE id=? AND state=?", (job_id, JobStatus.QUEUED))
        return cur.rowcount > 0

    def clear(self) -> int:
        """Every waiting job off the queue; the running one goes on."""
        return self.db.write("DELETE FROM jobs WHERE state=?", (JobStatus.QUEUED,)).rowcount

    def move(self, job_id: int, offset: int) -> bool:
        """Move a waiting job `offset` places later (negative: earlier) among the waiting ones."""
        with self.db.writing() as conn:
            rows = conn.execute(
                "SELECT id, position FROM jobs WHERE state=? ORDER BY position, id", (JobStatus.QUEUED,)
            ).fetchall()
            ids = [r["id"] for r in rows]
            if job_id not in ids:
                return False
            i = ids.index(job_id)
            j = max(0, min(len(ids) - 1, i + offset))
            if i == j:
                return False
            ids.insert(j, ids.pop(i))
            for position, jid in enumerate(ids, start=1):
                conn.execute("UPDATE jobs SET position=? WHERE id=?", (position, jid))
            return True

    def cancel(self, job_id: int) -> bool:
        """A waiting job ends as cancelled at once; a running one gets the flag its worker obeys."""
        with self.db.writing() as conn:
            row = conn.execute("SELECT state, run_id FROM jobs WHERE id=?", (job_id,)).fetchone()
            if row is None:
                return False
            if row["state"] == JobStatus.QUEUED:
                conn.execute(
                    "UPDATE jobs SET state=?, finished_at=? WHERE id=?", (JobStatus.CANCELLED, now_text(), job_id)
                )
                return True
            if row["state"] == JobStatus.RUNNING:
                conn.execute("UPDATE jobs SET cancel_requested=1 WHERE id=?", (job_id,))
                if row["run_id"] is not None:
                    conn.execute("UPDATE runs SET cancel_requested=1 WHERE id=?", (row["run_id"],))
                return True
            return False

    # -- the worker's side ---------------------------------------------------------------------------
    def claim_next(
        self, backend: str | None = None, slot: int | None = None, busy: frozenset[str] = frozenset()
    ) -> JobRecord | None:
        """The first waiting job, now marked running, owned by this process and given to `slot`. Given this
        process's Keras backend, a first job that asked for another is left queued (None): jobs never run
        out of order. `busy`: the programs other slots are training (engine.model_pool.program_key): when
        the first job is one of them, the first later job of another network goes first, so each network's
        repeats stay on the slot that has it compiled instead of every slot compiling every network."""
        pid = os.getpid()
        with self.db.writing() as conn:
            while (row := _head(conn)) is not None and (bad := _unreadable(row)) is not None:
                conn.execute(  # a job that cannot be read can never run: it fails with the reason, never 'running'
                    "UPDATE jobs SET state=?, error=?, finished_at=?, phase=NULL WHERE id=?",
                    (JobStatus.FAILED, str(bad), now_text(), row["id"]),
                )
                self.report(bad)
            if row is None or (row := _choose(conn, row, backend, busy)) is None:
                return None
            conn.execute(
                "UPDATE jobs SET state=?, started_at=?, worker_pid=?, worker_process=?, worker_host=?,"
                " phase='starting', slot=? WHERE id=?",
                (JobStatus.RUNNING, now_text(), pid, process_identity(pid), HOST, slot, row["id"]),
            )
            row = conn.execute("SELECT * FROM jobs WHERE id=?", (row["id"],)).fetchone()
        return job_record(row)

    def next_for(self, backend: str | None = None, busy: frozenset[str] = frozenset()) -> JobRecord | None:
        """The job claim_next would give a slot now, without claiming it: what a slot that has just started
        a job should compile ahead (engine/warm_up.py), so the slots warm up the networks each will train
        rather than all warming the head of the queue. Unlike claim_next it never falls back to a network
        another slot has: a guess that the other slot frees up later would compile that network twice."""
        with self.db.reading() as conn:
            row = _head(conn)
            row = _choose(conn, row, backend, busy) if row is not None and _unreadable(row) is None else None
            if row is not None and _program(row) in busy:
                row = None
        return job_record(row) if row is not None else None

    def claim(self, job_id: int, slot: int | None = None) -> JobRecord | None:
        """This waiting job, now marked running, owned by this process and given to `slot`; None when it is
        no longer waiting. The worker takes a network's other waiting seeds with the one claim_next gave it,
        to train them as one stacked program (engine/worker/stack_jobs.py)."""
        pid = os.getpid()
        with self.db.writing() as conn:
            claimed = conn.execute(
                "UPDATE jobs SET state=?, started_at=?, worker_pid=?, worker_process=?, worker_host=?,"
                " phase='starting', slot=? WHERE id=? AND state=?",
                (JobStatus.RUNNING, now_text(), pid, process_identity(pid), HOST, slot, job_id, JobStatus.QUEUED),
            ).rowcount
            row = conn.execute("SELECT * FROM jobs WHERE id=?", (job_id,)).fetchone() if claimed else None
        return job_record(row) if row is not None else None

    def set_phase(self, job_id: int, phase: str) -> None:
        self.db.write("UPDATE jobs SET phase=? WHERE id=?", (phase, job_id))

    def attach_run(self, job_id: int, run_id: int) -> None:
        """The job's run row exists now; a cancel asked for before it carries over to the run."""
        with self.db.writing() as conn:
            conn.execute("UPDATE jobs SET run_id=? WHERE id=?", (run_id, job_id))
            conn.execute(
                "UPDATE runs SET cancel_requested=1 WHERE id=? AND (SELECT cancel_requested FROM jobs WHERE id=?)=1",
                (run_id, job_id),
            )

    def finish(self, job_id: int, state: JobStatus, error: str | None = None, run_id: int | None = None) -> None:
        self.db.write(
            "UPDATE jobs SET state=?, error=?, run_id=coalesce(?, run_id), finished_at=?, phase=NULL WHERE id=?",
            (state, error, run_id, now_text(), job_id),
        )

    def recover_orphans(self) -> int:
        """Jobs marked running by a worker process that is gone (killed, the machine restarted) end as
        interrupted; their runs read as interrupted with every finished epoch. Any reader may call this:
        a job is touched only when its owner is provably dead (this host's process table says so), never
        a live worker's, so the queue panel, `mnist-tui queue` and `watch` recover a stalled queue too."""
        dead = [
            r["id"]
            for r in self.db.read(
                "SELECT id, worker_pid, worker_process, worker_host FROM jobs WHERE state=?", (JobStatus.RUNNING,)
            )
            if r["worker_host"] in (None, HOST) and not _owner_alive(r["worker_pid"], r["worker_process"])
        ]
        recovered = 0
        for job_id in dead:
            recovered += self.db.write(
                "UPDATE jobs SET state=?, finished_at=?, phase=NULL,"
                " error=coalesce(error, 'the worker stopped (killed or the machine restarted)')"
                " WHERE id=? AND state=?",
                (JobStatus.INTERRUPTED, now_text(), job_id, JobStatus.RUNNING),
            ).rowcount
        return recovered

    def cancel_state(self, job_id: int) -> tuple[bool, int | None]:
        """(the job's cancel flag, its run id if the run row exists yet)."""
        rows = self.db.read("SELECT cancel_requested, run_id FROM jobs WHERE id=?", (job_id,))
        return (bool(rows[0][0]), rows[0][1]) if rows else (False, None)

    # -- reading -------------------------------------------------------------------------------------
    def get(self, job_id: int) -> JobRecord | None:
        rows = self.db.read("SELECT * FROM jobs WHERE id=?", (job_id,))
        return job_record(rows[0]) if rows else None

    def head(self) -> JobRecord | None:
        """The job that runs next (the first waiting one), if any."""
        rows = read_rows(self.db.read(HEAD, HEAD_ARGS), job_record, self.report)  # unreadable: claim_next fails it
        return rows[0] if rows else None

    def waiting(self) -> list[JobRecord]:
        return self._read("SELECT * FROM jobs WHERE state=? ORDER BY position, id", (JobStatus.QUEUED,))

    def running(self) -> list[JobRecord]:
        return self._read("SELECT * FROM jobs WHERE state=? ORDER BY started_at", (JobStatus.RUNNING,))

    def recent(self, limit: int = 20) -> list[JobRecord]:
        """Newest first, every state: what the queue panel and `queue --list` show."""
        return self._read("SELECT * FROM jobs ORDER BY id DESC LIMIT ?", (limit,))

    def _read(self, sql: str, params: tuple = ()) -> list[JobRecord]:
        """Rows as records; one that cannot be read is left out and reported."""
        return read_rows(self.db.read(sql, params), job_record, self.report)


def _unreadable(row: sqlite3.Row) -> BadRow | None:
    try:
        job_record(row)
    except BadRow as bad:
        return bad
    return None


def job_record(r: sqlite3.Row) -> JobRecord:
    """A row as a JobRecord (BadRow names the job and the column of a cell that cannot be read)."""
    return job_from_row(r)


def _head(conn: sqlite3.Connection) -> sqlite3.Row | None:
    return conn.execute(HEAD, HEAD_ARGS).fetchone()


def _program(row: sqlite3.Row) -> str | None:
    from engine.model_pool import program_key

    spec = json.loads(row["spec_json"])
    return program_key(spec) if isinstance(spec, dict) else None


def _choose(conn, head: sqlite3.Row, backend: str | None, busy: frozenset[str]) -> sqlite3.Row | None:
    """Which waiting job a free slot takes: the head, unless its network is `busy` in another slot and a
    later job of another network waits (None when the head asks for another backend)."""
    if not runs_on(head["backend"], backend):
        return None
    if busy and _program(head) in busy:
        return _first_not_busy(conn, backend, busy) or head
    return head


def _first_not_busy(conn, backend: str | None, busy: frozenset[str]):
    """The first readable waiting job, before any that asks for another backend, of a network no other
    slot trains."""
    for row in conn.execute("SELECT * FROM jobs WHERE state=? ORDER BY position, id LIMIT 200", (JobStatus.QUEUED,)):
        if not runs_on(row["backend"], backend):
            return None
        if _unreadable(row) is None and _program(row) not in busy:
            return row
    return None


def _owner_alive(pid: int | None, identity: str | None) -> bool:
    return owner_alive(HOST, pid, identity, None)
