"""The run store: runs and their committed epochs, the user's notes, and (as `jobs` and `live`) the queue
and the live rows that let processes meet. Every write is its own committed transaction: a killed process
loses nothing it finished. A run still marked `running` whose process is gone reads as `interrupted`."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from engine.errors import StoreError
from engine.events import EpochEnd, Finished
from engine.paths import STORE_ENV, absolute, data_dir
from engine.spec import NetworkSpec
from engine.status import JobStatus, RunStatus
from engine.store.cancel import ENDED, FINISHING, STOPPING, cancel_training
from engine.store.cells import BadRow, read_rows
from engine.store.database import Database
from engine.store.jobs import JobQueue, now_text
from engine.store.liveness import HOST, process_identity
from engine.store.progress import ProgressRows
from engine.store.records import (
    METRIC_KEYS,
    EpochRow,
    RunRecord,
    epoch_row,
    finite_or_none,
    note_cells,
    run_record,
)
from engine.store.settings import Settings
from engine.store.sweeps import SweepRows

NO_EPOCH = "no epoch was trained, so there is nothing to evaluate"
NO_RESULTS = {k: None for k in METRIC_KEYS} | {"seconds_per_epoch": None, "first_epoch_seconds": None}


def default_store_path() -> Path:
    env = os.environ.get(STORE_ENV)
    return absolute(env) if env else data_dir() / "runs.sqlite3"


class Store:
    """Thread-safe: one connection guarded by a lock."""

    def __init__(self, path: str | os.PathLike | None = None, on_bad_row: Callable[[BadRow], None] | None = None):
        self.path = absolute(path) if path else default_store_path()  # what other processes are handed
        self.on_bad_row = on_bad_row
        self.bad_rows: dict[tuple[str, object], str] = {}  # (what, id) -> why it was left out
        self.db = Database(self.path)
        self.jobs = JobQueue(self.db, self.report_bad_row)
        self.progress = ProgressRows(self.db, self.report_bad_row)
        self.sweeps = SweepRows(self.db, self.report_bad_row)
        self.settings = Settings(self.db)

    @property
    def read_only(self) -> bool:
        return self.db.read_only

    def close(self) -> None:
        self.db.close()

    def data_version(self) -> int:
        return self.db.data_version()

    # -- writing a run -------------------------------------------------------------------------------
    def start_run(
        self,
        preset: str,
        part: str | None,
        spec: NetworkSpec,
        data_source: str | None = None,
        backend: str | None = None,
        device: str | None = None,
        versions: dict | None = None,
        sizes: dict | None = None,
        repeat_group: str | None = None,
        kind: str = "exercise",
        label: str | None = None,
        slot: int | None = None,
        sweep_id: int | None = None,
        host: str | None = None,
        pid: int | None = None,
    ) -> int:
        """A run row, owned by this process unless `host` and `pid` name another (a Ray actor's run, written
        here from its events: a reader tells it alive by its heartbeat, or by its pid on this host)."""
        sizes = sizes or {}
        own = host is None and pid is None
        pid = os.getpid() if own else pid
        cur = self.db.write(
            "INSERT INTO runs (preset, part, spec_json, status, started_at, pid, host, backend, device, versions_json,"
            " data_source, train_size, val_size, test_size, process, heartbeat_at, repeat_group, kind, label, slot,"
            " sweep_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                preset,
                part,
                spec.model_dump_json(),
                RunStatus.RUNNING,
                now_text(),
                pid,
                HOST if own else host,
                backend,
                device,
                json.dumps(versions or {}),
                data_source,
                sizes.get("train"),
                sizes.get("validation"),
                sizes.get("test"),
                process_identity(pid) if own or host == HOST else None,
                time.time(),
                repeat_group,
                kind,
                label,
                slot,
                sweep_id,
            ),
        )
        self.progress.all()  # the next writer clears the live rows of runs whose process was killed
        return int(cur.lastrowid)

    def heartbeat(self, run_id: int) -> None:
        """Tell readers on other hosts this run's process is still alive."""
        self.db.write("UPDATE runs SET heartbeat_at=? WHERE id=?", (time.time(), run_id))

    def set_environment(self, run_id: int, backend: str, device: str, versions: dict, sizes: dict) -> None:
        self.db.write(
            "UPDATE runs SET backend=?, device=?, versions_json=?, train_size=?, val_size=?, test_size=?, precision=?"
            " WHERE id=?",
            (
                backend,
                device,
                json.dumps(versions),
                sizes.get("train"),
                sizes.get("validation"),
                sizes.get("test"),
                versions.get("precision"),
                run_id,
            ),
        )

    def add_epoch(self, run_id: int, ev: EpochEnd) -> None:
        self.db.write(
            "INSERT OR REPLACE INTO epochs (run_id, epoch, loss, accuracy, val_loss, val_accuracy, seconds,"
            " gradients_json) VALUES (?,?,?,?,?,?,?,?)",
            (
                run_id,
                ev.epoch,
                finite_or_none(ev.loss),
                finite_or_none(ev.accuracy),
                finite_or_none(ev.val_loss),
                finite_or_none(ev.val_accuracy),
                ev.seconds,
                json.dumps(ev.gradients) if ev.gradients is not None else None,
            ),
        )

    def finish_run(self, run_id: int, result: Finished) -> Finished:
        """Store how a run ended; returns the ending as stored. A run with no epoch stored is never
        `completed` (a damaged compile cache once ended a run so, and its answers were used): it is
        stored as failed, with the reason."""
        with self.db.writing() as conn:
            stored = conn.execute("SELECT count(*) FROM epochs WHERE run_id=?", (run_id,)).fetchone()[0]
            if result.status == RunStatus.COMPLETED and not stored:
                result = dataclasses.replace(
                    result, status=RunStatus.FAILED, error=result.error or NO_EPOCH, epochs_completed=0, **NO_RESULTS
                )
            conn.execute(
                "UPDATE runs SET status=?, finished_at=?, train_accuracy=?, val_accuracy=?, test_accuracy=?,"
                " train_loss=?, val_loss=?, test_loss=?, seconds_per_epoch=?, first_epoch_seconds=?, error=?,"
                " extra_json=?, predictions=? WHERE id=?",
                (
                    result.status,
                    now_text(),
                    *(finite_or_none(getattr(result, k)) for k in METRIC_KEYS),
                    result.seconds_per_epoch,
                    result.first_epoch_seconds,
                    result.error,
                    json.dumps(result.extra, default=str) if result.extra else None,
                    result.predictions,
                    run_id,
                ),
            )
            conn.execute("DELETE FROM live WHERE run_id=?", (run_id,))
        return result

    # -- managing runs -------------------------------------------------------------------------------
    def delete_run(self, run_id: int) -> bool:
        """The run, its epochs, its predictions and its kept model (engine/takeout/model_files.py)."""
        from engine.takeout.model_files import remove_model

        deleted = self.db.write("DELETE FROM runs WHERE id=?", (run_id,)).rowcount > 0
        remove_model(self.path, run_id)
        return deleted

    def set_label(self, run_id: int, label: str | None) -> bool:
        return self.db.write("UPDATE runs SET label=? WHERE id=?", (label or None, run_id)).rowcount > 0

    def set_run_note(self, run_id: int, note: str | None) -> bool:
        return self.db.write("UPDATE runs SET note=? WHERE id=?", (note or None, run_id)).rowcount > 0

    def request_cancel(self, run_id: int) -> bool:
        """Ask the process training this run to stop after its current block (any process may ask). True
        when the run will end as cancelled; False when it is not training, or has trained every planned epoch
        (it is evaluating and completes: see cancel_run)."""
        return self.cancel_run(run_id) == STOPPING

    def cancel_run(self, run_id: int) -> str:
        """STOPPING: the flag is set and the run ends as cancelled (a run whose last epoch ends before the
        trainer sees the flag is still stored as cancelled: engine/runner.py). FINISHING: every planned
        epoch is committed, so it is evaluating and completes; no flag is set. ENDED: not training.
        Decided in one write transaction, against the epochs committed at that instant."""
        with self.db.writing() as conn:
            row = conn.execute(
                "SELECT status, spec_json, (SELECT count(*) FROM epochs WHERE run_id=runs.id) AS done"
                " FROM runs WHERE id=?",
                (run_id,),
            ).fetchone()
            if row is None or row["status"] != RunStatus.RUNNING:
                return ENDED
            try:  # a damaged spec cell: the epochs planned are unknown, so the run is asked to stop
                planned = json.loads(row["spec_json"] or "{}").get("epochs")
            except (ValueError, AttributeError):
                planned = None
            if isinstance(planned, int) and row["done"] >= planned:
                return FINISHING
            conn.execute("UPDATE runs SET cancel_requested=1 WHERE id=?", (run_id,))
            conn.execute("UPDATE jobs SET cancel_requested=1 WHERE run_id=? AND state=?", (run_id, JobStatus.RUNNING))
            return STOPPING

    def cancel_running(self) -> tuple[list[int], int]:
        """Ask every run training now (the worker's or a foreground `train`) to stop after its block, and
        cancel every job still loading (no run row yet). Returns the run ids that will stop as cancelled
        and how many loading jobs were cancelled (cancel_training says more)."""
        report = cancel_training(self)
        return report.stopping, len(report.loading)

    def cancel_requested(self, run_id: int) -> bool:
        rows = self.db.read("SELECT cancel_requested FROM runs WHERE id=?", (run_id,))
        return bool(rows and rows[0][0])

    # -- notes for the free-text answers -----------------------------------------------------------
    def get_notes(self) -> dict[str, str]:
        """The notes by key; one whose text is not text (a blob) is left out and reported."""
        notes = read_rows(self.db.read("SELECT key, text FROM notes"), note_cells, self.report_bad_row)
        return dict(notes)

    def set_note(self, key: str, text: str) -> None:
        self.db.write("INSERT OR REPLACE INTO notes (key, text, updated_at) VALUES (?,?,?)", (key, text, now_text()))

    # -- reading -------------------------------------------------------------------------------------
    def report_bad_row(self, bad: BadRow) -> None:
        """A row that cannot be read is left out of what is read; the reason is kept (once per row) and
        handed to `on_bad_row` (the CLI prints it as a warning)."""
        key = (bad.what, bad.row_id)
        with self.db.lock:
            if key in self.bad_rows:
                return
            self.bad_rows[key] = str(bad)
        if self.on_bad_row is not None:
            self.on_bad_row(bad)

    def runs(
        self,
        limit: int | None = None,
        status: RunStatus | None = None,
        part: str | None = None,
        kind: str | None = None,
        sweep: int | None = None,
    ) -> list[RunRecord]:
        """Newest first. `status` filters on the status as read (a dead 'running' run is 'interrupted');
        `sweep` keeps the runs of that sweep. A run with a cell that cannot be read is left out and reported
        (report_bad_row)."""
        where, params = [], []
        if sweep is not None:
            where.append("sweep_id=?")
            params.append(sweep)
        if part is not None:
            where.append("part=?")
            params.append(part)
        if kind is not None:
            where.append("coalesce(kind, 'exercise')=?")
            params.append(kind)
        sql = f"SELECT {self._run_columns()} FROM runs"
        sql += (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC"
        if limit and status is None:
            sql += " LIMIT ?"
            params.append(limit)
        records = self._records(self.db.read(sql, params))
        records = [r for r in records if status is None or r.status == status]
        return records[:limit] if limit else records

    def predictions(self, run_id: int) -> bytes | None:
        """The run's test-set predictions, one byte (the digit) an image; None when it kept none. Read apart
        from the run rows so that listing runs never loads these blobs."""
        try:
            rows = self.db.read("SELECT predictions FROM runs WHERE id=?", (run_id,))
        except StoreError:  # an older store opened read-only has no such column
            return None
        return bytes(rows[0][0]) if rows and rows[0][0] is not None else None

    def _run_columns(self) -> str:
        """Every column of runs but the predictions blob (an older, read-only store may lack some)."""
        names = [r[1] for r in self.db.read("PRAGMA table_info(runs)") if r[1] != "predictions"]
        return ", ".join(f'"{n}"' for n in names)

    def get_run(self, run_id: int) -> RunRecord | None:
        """One run; BadRow (naming the run and the column) when it cannot be read."""
        rows = self.db.read(f"SELECT {self._run_columns()} FROM runs WHERE id=?", (run_id,))
        if not rows:
            return None
        return run_record(rows[0], self._epochs([run_id]).get(run_id, []))

    def running_runs(self) -> list[RunRecord]:
        """Runs some process is training now (any process: the worker, a foreground `train`)."""
        sql = f"SELECT {self._run_columns()} FROM runs WHERE status=? ORDER BY id"
        return [rec for rec in self._records(self.db.read(sql, (RunStatus.RUNNING,))) if rec.active]

    def _records(self, rows) -> list[RunRecord]:
        epochs = self._epochs([r["id"] for r in rows])
        return read_rows(rows, lambda r: run_record(r, epochs.get(r["id"], [])), self.report_bad_row)

    def _epochs(self, ids: list[int]) -> dict[int, list[EpochRow] | BadRow]:
        """Each run's epochs; a run with an unreadable epoch row maps to the BadRow (raised by run_record)."""
        out: dict[int, list[EpochRow] | BadRow] = {}
        if not ids:
            return out
        marks = ",".join("?" * len(ids))
        for r in self.db.read(f"SELECT * FROM epochs WHERE run_id IN ({marks}) ORDER BY run_id, epoch", ids):
            history = out.setdefault(r["run_id"], [])
            if isinstance(history, BadRow):
                continue
            try:
                history.append(epoch_row(r))
            except BadRow as bad:
                out[r["run_id"]] = bad
        return out
