"""The run store (SPEC §4): SQLite in WAL mode, one row per run, one committed row per finished epoch.

A run row is written when training starts and updated when it ends; a run still marked `running` whose
process is gone reads as `interrupted`, with every epoch it finished. The schema version lives in
PRAGMA user_version and migrates forward on open. A file that is not an SQLite database is refused
before anything is written to it.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from platformdirs import user_data_path

from engine.errors import StoreError
from engine.events import EpochEnd, Finished
from engine.spec import NetworkSpec

SQLITE_MAGIC = b"SQLite format 3\x00"
SCHEMA_VERSION = 3
HOST = socket.gethostname()
HEARTBEAT_SECONDS = 30  # a running run's process touches its row this often (see Runner)
STALE_AFTER = 4 * HEARTBEAT_SECONDS  # a run on another host with no beat for this long is interrupted

# Each entry migrates from version i to i+1; a new database runs them all.
MIGRATIONS = [
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        preset TEXT NOT NULL,
        part TEXT,
        spec_json TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        pid INTEGER,
        host TEXT,
        backend TEXT,
        device TEXT,
        versions_json TEXT,
        data_source TEXT,
        train_size INTEGER,
        val_size INTEGER,
        test_size INTEGER,
        train_accuracy REAL, val_accuracy REAL, test_accuracy REAL,
        train_loss REAL, val_loss REAL, test_loss REAL,
        seconds_per_epoch REAL,
        first_epoch_seconds REAL,
        error TEXT
    );
    CREATE TABLE epochs (
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        loss REAL, accuracy REAL, val_loss REAL, val_accuracy REAL,
        seconds REAL,
        PRIMARY KEY (run_id, epoch)
    );
    """,
    # v2: per-layer gradient evidence for Part Two, and the user's notes for the free-text answers
    """
    ALTER TABLE epochs ADD COLUMN gradients_json TEXT;
    CREATE TABLE notes (key TEXT PRIMARY KEY, text TEXT NOT NULL, updated_at TEXT NOT NULL);
    """,
    # v3: liveness that survives pid reuse and works across hosts: the owning process's identity
    # (boot id, pid, start time) and a heartbeat for readers on other machines
    """
    ALTER TABLE runs ADD COLUMN process TEXT;
    ALTER TABLE runs ADD COLUMN heartbeat_at REAL;
    """,
]
assert len(MIGRATIONS) == SCHEMA_VERSION


def default_store_path() -> Path:
    env = os.environ.get("MNIST_TUI_STORE")
    return Path(env) if env else user_data_path("mnist-tui") / "runs.sqlite3"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def process_identity(pid: int) -> str | None:
    """'boot-id:pid:start-time' on Linux: a pid reused by another process (or after a reboot, or in a new
    container) gets a different identity. None where /proc cannot tell."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        stat = Path(f"/proc/{pid}/stat").read_text()
        start = stat.rsplit(")", 1)[1].split()[19]  # field 22, counting from the state after "(comm)"
    except (OSError, IndexError, ValueError):
        return None
    return f"{boot}:{pid}:{start}"


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


@dataclass
class EpochRow:
    epoch: int
    loss: float | None
    accuracy: float | None
    val_loss: float | None
    val_accuracy: float | None
    seconds: float | None
    gradients: list[float] | None = None


@dataclass
class RunRecord:
    run_id: int
    preset: str
    part: str | None
    spec: NetworkSpec | None
    spec_json: dict
    status: str
    started_at: str
    finished_at: str | None
    backend: str | None
    device: str | None
    versions: dict
    data_source: str | None
    sizes: dict
    metrics: dict
    seconds_per_epoch: float | None
    first_epoch_seconds: float | None
    error: str | None
    history: list[EpochRow] = field(default_factory=list)
    host: str | None = None

    @property
    def epochs_completed(self) -> int:
        return len(self.history)

    @property
    def name(self) -> str:
        return self.spec_json.get("name", self.preset)

    def as_json(self) -> dict:
        return {
            "run_id": self.run_id,
            "preset": self.preset,
            "part": self.part,
            "name": self.name,
            "status": self.status,
            "epochs_completed": self.epochs_completed,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "host": self.host,
            "backend": self.backend,
            "device": self.device,
            "versions": self.versions,
            "data_source": self.data_source,
            "sizes": self.sizes,
            "spec": self.spec_json,
            **self.metrics,
            "seconds_per_epoch": self.seconds_per_epoch,
            "first_epoch_seconds": self.first_epoch_seconds,
            "error": self.error,
            "history": [e.__dict__ for e in self.history],
        }


METRIC_KEYS = ("train_accuracy", "val_accuracy", "test_accuracy", "train_loss", "val_loss", "test_loss")


class Store:
    """Thread-safe: one connection guarded by a lock (the TUI writes from its worker thread)."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path).expanduser() if path else default_store_path()
        self._lock = threading.RLock()
        self._check_file()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA busy_timeout = 30000")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._refuse_foreign()
            self._ensure_wal()
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self._close_quietly()
            raise StoreError(f"{self.path}: unusable run store ({exc}); it was left untouched") from None
        except OSError as exc:
            self._close_quietly()
            raise StoreError(f"{self.path}: cannot open run store ({exc.strerror or exc})") from None
        except StoreError:
            self._close_quietly()
            raise

    def _close_quietly(self) -> None:
        db = getattr(self, "_db", None)
        if db is not None:
            db.close()

    def _refuse_foreign(self) -> None:
        """Another program's SQLite file (tables, but no schema version of ours) is not ours to change."""
        # one statement, one snapshot: another process may be migrating this very file right now
        version, tables = self._db.execute(
            "SELECT user_version, (SELECT count(*) FROM sqlite_master) FROM pragma_user_version"
        ).fetchone()
        if version == 0 and tables:
            raise StoreError(f"{self.path}: an SQLite file that is not an mnist-tui run store; it was left untouched")

    def _check_file(self) -> None:
        """Refuse a non-SQLite file before sqlite3 gets a chance to write anything into it."""
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a directory, not a run store file")
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(len(SQLITE_MAGIC))
        except FileNotFoundError:
            self._check_creatable()
            return
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot open run store ({exc.strerror or exc})") from None
        if head and head != SQLITE_MAGIC:
            raise StoreError(f"{self.path}: not an SQLite run store (corrupt or another file); it was left untouched")

    def _ensure_wal(self) -> None:
        """Switching to WAL needs the file to itself for a moment, and SQLite answers 'locked' at once (no
        busy wait) while another process opens it too: two trainings started together. So retry a while."""
        deadline = time.monotonic() + 30
        for attempt in range(100_000):
            try:
                if self._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                    return
                if self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal" or attempt >= 20:
                    return  # (a file system that keeps its journal mode: still correct, only slower)
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    raise StoreError(f"{self.path}: run store is locked by another process; try again") from None
            time.sleep(0.05)

    def _check_creatable(self) -> None:
        """A new store needs a writable folder; sqlite3 would only say 'unable to open database file'."""
        folder = self.path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
            raise StoreError(f"{self.path}: cannot create run store: {folder} is not writable")

    def _migrate(self) -> None:
        """All pending migrations in one write transaction. The version is read under the write lock, so
        two processes opening a new or old store at once migrate it exactly once."""
        with self._tx():
            self._db.execute("BEGIN IMMEDIATE")
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: store schema v{version} is newer than this mnist-tui (v{SCHEMA_VERSION})"
                )
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[target - 1].split(";"):  # no ';' inside our DDL strings
                    if statement.strip():
                        self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {target}")

    @contextmanager
    def _tx(self):
        with self._lock:
            try:
                yield
                if self._db.in_transaction:
                    self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def _write(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        try:
            with self._tx():
                self._db.execute("BEGIN IMMEDIATE")
                return self._db.execute(sql, params)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: write failed ({exc})") from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

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
    ) -> int:
        sizes = sizes or {}
        cur = self._write(
            "INSERT INTO runs (preset, part, spec_json, status, started_at, pid, host, backend, device, versions_json,"
            " data_source, train_size, val_size, test_size, process, heartbeat_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                preset,
                part,
                spec.model_dump_json(),
                "running",
                _now(),
                os.getpid(),
                HOST,
                backend,
                device,
                json.dumps(versions or {}),
                data_source,
                sizes.get("train"),
                sizes.get("validation"),
                sizes.get("test"),
                process_identity(os.getpid()),
                time.time(),
            ),
        )
        return int(cur.lastrowid)

    def heartbeat(self, run_id: int) -> None:
        """Tell readers on other hosts this run's process is still alive."""
        self._write("UPDATE runs SET heartbeat_at=? WHERE id=?", (time.time(), run_id))

    def set_environment(self, run_id: int, backend: str, device: str, versions: dict, sizes: dict) -> None:
        self._write(
            "UPDATE runs SET backend=?, device=?, versions_json=?, train_size=?, val_size=?, test_size=? WHERE id=?",
            (
                backend,
                device,
                json.dumps(versions),
                sizes.get("train"),
                sizes.get("validation"),
                sizes.get("test"),
                run_id,
            ),
        )

    def add_epoch(self, run_id: int, ev: EpochEnd) -> None:
        self._write(
            "INSERT OR REPLACE INTO epochs (run_id, epoch, loss, accuracy, val_loss, val_accuracy, seconds,"
            " gradients_json) VALUES (?,?,?,?,?,?,?,?)",
            (
                run_id,
                ev.epoch,
                _num(ev.loss),
                _num(ev.accuracy),
                _num(ev.val_loss),
                _num(ev.val_accuracy),
                ev.seconds,
                json.dumps(ev.gradients) if ev.gradients is not None else None,
            ),
        )

    def finish_run(self, run_id: int, result: Finished) -> None:
        self._write(
            "UPDATE runs SET status=?, finished_at=?, train_accuracy=?, val_accuracy=?, test_accuracy=?,"
            " train_loss=?, val_loss=?, test_loss=?, seconds_per_epoch=?, first_epoch_seconds=?, error=? WHERE id=?",
            (
                result.status,
                _now(),
                *(_num(getattr(result, k)) for k in METRIC_KEYS),
                result.seconds_per_epoch,
                result.first_epoch_seconds,
                result.error,
                run_id,
            ),
        )

    def delete_run(self, run_id: int) -> None:
        self._write("DELETE FROM runs WHERE id=?", (run_id,))

    # -- notes for the free-text answers -----------------------------------------------------------
    def get_notes(self) -> dict[str, str]:
        with self._lock:
            return {r["key"]: r["text"] for r in self._db.execute("SELECT key, text FROM notes")}

    def set_note(self, key: str, text: str) -> None:
        self._write("INSERT OR REPLACE INTO notes (key, text, updated_at) VALUES (?,?,?)", (key, text, _now()))

    # -- reading -------------------------------------------------------------------------------------
    def runs(self, limit: int | None = None, status: str | None = None) -> list[RunRecord]:
        """Newest first."""
        sql = "SELECT * FROM runs ORDER BY id DESC"
        params: tuple = ()
        if limit:
            sql += " LIMIT ?"
            params = (limit,)
        try:
            with self._lock:
                rows = self._db.execute(sql, params).fetchall()
                epochs = self._epochs([r["id"] for r in rows])
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read runs ({exc})") from None
        records = [self._record(r, epochs.get(r["id"], [])) for r in rows]
        return [r for r in records if status is None or r.status == status]

    def get_run(self, run_id: int) -> RunRecord | None:
        try:
            with self._lock:
                row = self._db.execute("SELECT * FROM runs WHERE id=?", (run_id,)).fetchone()
                if row is None:
                    return None
                history = self._epochs([run_id]).get(run_id, [])
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read run {run_id} ({exc})") from None
        return self._record(row, history)

    def _epochs(self, ids: list[int]) -> dict[int, list[EpochRow]]:
        out: dict[int, list[EpochRow]] = {}
        if not ids:
            return out
        marks = ",".join("?" * len(ids))
        for r in self._db.execute(f"SELECT * FROM epochs WHERE run_id IN ({marks}) ORDER BY run_id, epoch", ids):
            grads = _json(r["gradients_json"], None)
            out.setdefault(r["run_id"], []).append(
                EpochRow(r["epoch"], r["loss"], r["accuracy"], r["val_loss"], r["val_accuracy"], r["seconds"], grads)
            )
        return out

    def _record(self, r: sqlite3.Row, history: list[EpochRow]) -> RunRecord:
        status = r["status"]
        if status == "running" and not _owner_alive(r):
            status = "interrupted"  # its process is gone, so it can never finish (its epochs stay)
        spec_json = _json(r["spec_json"], {})
        try:
            spec = NetworkSpec(**spec_json)
        except Exception:  # a spec stored by another version: keep the run readable
            spec = None
        return RunRecord(
            run_id=r["id"],
            preset=r["preset"],
            part=r["part"],
            spec=spec,
            spec_json=spec_json,
            status=status,
            started_at=r["started_at"],
            finished_at=r["finished_at"],
            backend=r["backend"],
            device=r["device"],
            versions=_json(r["versions_json"], {}),
            data_source=r["data_source"],
            sizes={"train": r["train_size"], "validation": r["val_size"], "test": r["test_size"]},
            metrics={k: r[k] for k in METRIC_KEYS},
            seconds_per_epoch=r["seconds_per_epoch"],
            first_epoch_seconds=r["first_epoch_seconds"],
            error=r["error"],
            history=history,
            host=r["host"],
        )


def _owner_alive(r: sqlite3.Row) -> bool:
    """Is the process that owns a 'running' row still there? On this host we can ask the OS (and tell a
    reused pid from ours by its identity); for another host only its heartbeat can say."""
    if r["host"] == HOST:
        if r["process"]:  # recorded where /proc exists: gone or reused reads as a different identity
            return process_identity(r["pid"]) == r["process"]
        return _pid_alive(r["pid"])
    beat = r["heartbeat_at"]
    return beat is not None and time.time() - beat < STALE_AFTER


def _json(text: str | None, default):
    """A damaged JSON cell must not make the whole run list unreadable."""
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def _num(x):
    """NaN/inf are not valid JSON and mean nothing in a table: store them as NULL."""
    if x is None:
        return None
    x = float(x)
    return x if x == x and x not in (float("inf"), float("-inf")) else None
