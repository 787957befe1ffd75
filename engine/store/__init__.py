"""The run store: one SQLite file (WAL) where runs, their epochs, the training queue, live progress and
cancel flags meet, so the TUI, the CLI and the detached worker never talk to each other directly.

database.py opens the file safely and migrates it (schema.py); store.py reads and writes runs; jobs.py is
the queue; progress.py the progress rows (table `live`); records.py the typed records; liveness.py tells a
dead owner from a live one.
"""

from engine.store.database import SQLITE_MAGIC
from engine.store.liveness import HEARTBEAT_SECONDS, HOST, STALE_AFTER, process_identity
from engine.store.records import METRIC_KEYS, EpochRow, GpuUse, JobRecord, ProgressRow, RunRecord
from engine.store.schema import MIGRATIONS, SCHEMA_VERSION
from engine.store.store import Store, default_store_path

__all__ = [
    "HEARTBEAT_SECONDS",
    "HOST",
    "METRIC_KEYS",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "SQLITE_MAGIC",
    "STALE_AFTER",
    "EpochRow",
    "GpuUse",
    "JobRecord",
    "ProgressRow",
    "RunRecord",
    "Store",
    "default_store_path",
    "process_identity",
]
