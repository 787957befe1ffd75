"""Progress rows (the store's `live` table): where each running run is right now (phase, batch, ETA,
resources). The training process writes its row a few times a second at most; any reader (another TUI,
`watch`) polls it. The row goes when the run ends: the run's own row then holds the result."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import asdict

from engine.errors import StoreError
from engine.status import RunStatus
from engine.store.cells import BadRow, Cells, read_rows
from engine.store.database import Database
from engine.store.liveness import owner_alive
from engine.store.records import GpuUse, ProgressRow, finite_or_none


class ProgressRows:
    def __init__(self, db: Database, report: Callable[[BadRow], None] = lambda bad: None):
        self.db = db
        self.report = report  # told of each row that cannot be read (left out)

    def update(self, row: ProgressRow) -> None:
        self.db.write(
            "INSERT OR REPLACE INTO live (run_id, phase, epoch, epochs, step, steps, loss, accuracy, elapsed, eta,"
            " cpu_percent, rss_bytes, gpus_json, updated_at, slot, host, device)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                row.run_id,
                row.phase,
                row.epoch,
                row.epochs,
                row.step,
                row.steps,
                finite_or_none(row.loss),
                finite_or_none(row.accuracy),
                row.elapsed,
                row.eta,
                row.cpu_percent,
                row.rss_bytes,
                json.dumps([asdict(g) for g in row.gpus]),
                time.time(),
                row.slot,
                row.host,
                row.device,
            ),
        )

    def remove(self, run_id: int) -> None:
        self.db.write("DELETE FROM live WHERE run_id=?", (run_id,))

    def get(self, run_id: int) -> ProgressRow | None:
        return self._read(" WHERE live.run_id=?", (run_id,)).get(run_id)

    def all(self) -> dict[int, ProgressRow]:
        """Every readable live row of a run still training, by run id (one that cannot be read is left
        out and reported)."""
        return self._read()

    def _read(self, where: str = "", params: tuple = ()) -> dict[int, ProgressRow]:
        """Live rows whose run is still training. A row left by a process that was killed (its run no
        longer running, or its owner gone) would show progress forever: it is left out, and deleted
        when this store may be written."""
        rows = self.db.read(WITH_OWNER + where, params)
        owners = read_rows(rows, owner_cells, self.report)
        dead = [run_id for run_id, alive in owners if not alive]
        if dead and not self.db.read_only:
            marks = ",".join("?" * len(dead))
            with contextlib.suppress(StoreError):  # a reader never fails on a clean-up
                self.db.write(f"DELETE FROM live WHERE run_id IN ({marks})", dead)
        alive = {run_id for run_id, ok in owners if ok}
        return {row.run_id: row for row in read_rows(rows, progress_row, self.report) if row.run_id in alive}


# a live row with what says whether its run's process still trains it (the run's own columns)
WITH_OWNER = (
    "SELECT live.*, runs.status AS run_status, runs.host AS run_host, runs.pid AS run_pid,"
    " runs.process AS run_process, runs.heartbeat_at AS run_heartbeat"
    " FROM live LEFT JOIN runs ON runs.id = live.run_id"
)


def owner_cells(r: sqlite3.Row) -> tuple[int, bool]:
    """(run id, whether the run's process is training it now)."""
    c = Cells(r, "run", id_column="run_id")
    if c.text("run_status") != RunStatus.RUNNING:
        return c.row_id, False
    alive = owner_alive(c.text("run_host"), c.integer("run_pid"), c.text("run_process"), c.number("run_heartbeat"))
    return c.row_id, alive


def progress_row(r: sqlite3.Row) -> ProgressRow:
    """A row as a ProgressRow; BadRow names the run and the column of a cell that cannot be read."""
    c = Cells(r, "live row of run", id_column="run_id")
    gpus = []
    for g in c.json("gpus_json", list, []):
        try:
            gpus.append(gpu_use(g))
        except (TypeError, ValueError):
            raise c.bad("gpus_json", "holds a GPU entry this version cannot read") from None
    updated = c.number("updated_at")
    return c.record(ProgressRow, "run_id", gpus=gpus, updated_at=updated if updated is not None else 0.0)


def gpu_use(entry: object) -> GpuUse:
    """One GPU's entry of a live row, its fields checked by type (a hand-edited row must not reach a screen)."""
    if not isinstance(entry, dict):
        raise TypeError("not an object")
    use = GpuUse(**entry)
    numbers = (use.utilization_percent, use.memory_used_bytes, use.memory_total_bytes)
    if not isinstance(use.index, int) or not isinstance(use.name, str):
        raise TypeError("index or name")
    if not all(v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in numbers):
        raise TypeError("a figure that is not a number")
    return use
