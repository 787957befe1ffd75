"""Live rows: where each running run is right now (phase, batch, ETA, resources). The training process
writes its row a few times a second at most; any reader (another TUI, `watch`) polls it. The row goes when
the run ends: the run's own row then holds the result."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict

from engine.store.database import Database
from engine.store.records import GpuUse, LiveRow, finite_or_none, parse_json


class LiveRows:
    def __init__(self, db: Database):
        self.db = db

    def update(self, row: LiveRow) -> None:
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

    def get(self, run_id: int) -> LiveRow | None:
        rows = self.db.read("SELECT * FROM live WHERE run_id=?", (run_id,))
        return live_row(rows[0]) if rows else None

    def all(self) -> dict[int, LiveRow]:
        return {r["run_id"]: live_row(r) for r in self.db.read("SELECT * FROM live")}


def live_row(r: sqlite3.Row) -> LiveRow:
    gpus = []
    for g in parse_json(r["gpus_json"], []):
        try:
            gpus.append(GpuUse(**g))
        except TypeError:  # a row written by another version: skip what cannot be read
            continue
    return LiveRow(
        run_id=r["run_id"],
        phase=r["phase"],
        epoch=r["epoch"],
        epochs=r["epochs"],
        step=r["step"],
        steps=r["steps"],
        loss=r["loss"],
        accuracy=r["accuracy"],
        elapsed=r["elapsed"],
        eta=r["eta"],
        cpu_percent=r["cpu_percent"],
        rss_bytes=r["rss_bytes"],
        gpus=gpus,
        updated_at=r["updated_at"],
        slot=_col(r, "slot"),
        host=_col(r, "host"),
        device=_col(r, "device"),
    )


def _col(r: sqlite3.Row, name: str):
    """A column a read-only store of an older version lacks reads as None."""
    return r[name] if name in r.keys() else None
