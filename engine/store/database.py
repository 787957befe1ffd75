"""Opening the SQLite file safely, and the two ways to touch it: a read, and a write in its own
transaction. Every sqlite3 error leaves here as a StoreError with one readable line.

Opening refuses, before sqlite3 can write anything: a folder, a special file (a FIFO would hang, /dev/null
would grow a journal beside it), a file that is not SQLite, another program's database, a damaged one and a
newer schema. A store whose file or folder cannot be written is opened read-only: it can still be read.

A new store is private to the user: its folders 0700, the file 0600 (SQLite gives -wal and -shm the
file's mode). The path is always a path: a name like `file:x?mode=memory` is a file of that name, never
an SQLite URI. Before each write the file under the connection is checked to be the one opened: a store
file replaced or deleted, or its -wal deleted, while this process had it open would otherwise take every
later write into a file no one will ever read again, and a run would "complete" with nothing stored.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from engine.errors import StoreError
from engine.fileio import create_private_file, create_private_folders
from engine.store.schema import MIGRATIONS, SCHEMA_VERSION

SQLITE_MAGIC = b"SQLite format 3\x00"


class Database:
    """One connection guarded by a lock: safe from several threads of one process."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.RLock()
        self.read_only = False
        self.identity: tuple[tuple[int, int] | None, tuple[int, int] | None] | None = None
        exists = self._check_file()
        self.read_only = exists and not _writable(path)
        try:
            if not exists:
                create_private_folders(self.path.parent)
                create_private_file(self.path)
            self.conn = self._connect()
            self._refuse_foreign()
            if not self.read_only:
                self._check_integrity()
                self._ensure_wal()
                self._migrate()
                # the schema (and what the log holds) into the file itself: a -wal deleted later loses
                # only what came after, never the tables (PASSIVE: never waits for another process)
                self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
                self.identity = self._identity()
            else:
                self._refuse_newer()
        except sqlite3.DatabaseError as exc:
            self.close_quietly()
            raise StoreError(f"{self.path}: unusable run store ({exc}); it was left untouched") from None
        except OSError as exc:
            self.close_quietly()
            raise StoreError(f"{self.path}: cannot open run store ({exc.strerror or exc})") from None
        except StoreError:
            self.close_quietly()
            raise

    # -- opening -------------------------------------------------------------------------------------
    def _check_file(self) -> bool:
        """Refuse what is not a regular SQLite file before sqlite3 touches it; True if the file exists."""
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            self._check_creatable()
            return False
        except OSError as exc:  # a symlink loop, a path through a file, no permission on a folder
            raise StoreError(f"{self.path}: cannot open run store ({exc.strerror or exc})") from None
        if stat.S_ISDIR(info.st_mode):
            raise StoreError(f"{self.path}: is a directory, not a run store file")
        if not stat.S_ISREG(info.st_mode):
            raise StoreError(f"{self.path}: not a regular file (a device, FIFO or socket), not a run store")
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(len(SQLITE_MAGIC))
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot open run store ({exc.strerror or exc})") from None
        if head and head != SQLITE_MAGIC:
            raise StoreError(f"{self.path}: not an SQLite run store (corrupt or another file); it was left untouched")
        return True

    def _check_creatable(self) -> None:
        """A new store needs a writable folder; sqlite3 would only say 'unable to open database file'."""
        folder = self.path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
            raise StoreError(f"{self.path}: cannot create run store: {folder} is not writable")

    def _connect(self) -> sqlite3.Connection:
        # always a URI built from the absolute path, quoted: a name SQLite would read as a URI of its own
        # (`file:x?mode=memory`, which builds with SQLITE_USE_URI parse) names that very file
        where = f"file:{quote(os.path.abspath(self.path))}"
        if self.read_only:
            # mode=ro still needs the -shm file of a WAL store; immutable=1 reads a snapshot without it
            try:
                conn = sqlite3.connect(f"{where}?mode=ro", uri=True, **CONNECT)
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.OperationalError:
                conn = sqlite3.connect(f"{where}?immutable=1", uri=True, **CONNECT)
        else:
            conn = sqlite3.connect(f"{where}?mode=rwc", uri=True, **CONNECT)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def _refuse_foreign(self) -> None:
        """Another program's SQLite file (tables, but no schema version of ours) is not ours to change."""
        # one statement, one snapshot: another process may be migrating this very file right now
        version, tables = self.conn.execute(
            "SELECT user_version, (SELECT count(*) FROM sqlite_master) FROM pragma_user_version"
        ).fetchone()
        if version == 0 and tables:
            raise StoreError(f"{self.path}: an SQLite file that is not an mnist-tui run store; it was left untouched")

    def _refuse_newer(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: store schema v{version} is newer than this mnist-tui (v{SCHEMA_VERSION})")

    def _check_integrity(self) -> None:
        """Writing into a damaged file can spread the damage: refuse, and say the file was left as it was."""
        if self.path.stat().st_size == 0:
            return
        result = self.conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        if result != "ok":
            raise StoreError(f"{self.path}: damaged run store ({result}); it was left untouched")

    def _ensure_wal(self) -> None:
        """Switching to WAL needs the file to itself for a moment, and SQLite answers 'locked' at once (no
        busy wait) while another process opens it too: two trainings started together. So retry a while."""
        deadline = time.monotonic() + 30
        for attempt in range(100_000):
            try:
                if self.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                    return
                if self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal" or attempt >= 20:
                    return  # (a file system that keeps its journal mode: still correct, only slower)
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    raise StoreError(f"{self.path}: run store is locked by another process; try again") from None
            time.sleep(0.05)

    def _migrate(self) -> None:
        """All pending migrations in one write transaction. The version is read under the write lock, so
        two processes opening a new or old store at once migrate it exactly once."""
        with self._transaction():
            self.conn.execute("BEGIN IMMEDIATE")
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: store schema v{version} is newer than this mnist-tui (v{SCHEMA_VERSION})"
                )
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[target - 1].split(";"):  # no ';' inside our DDL strings
                    if statement.strip():
                        self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {target}")

    def _identity(self) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
        """(device, inode) of the store file and of its -wal file (None: no such file)."""
        return _file_id(self.path), _file_id(Path(f"{self.path}-wal"))

    def _check_identity(self) -> None:
        """The file under the connection must still be the one at the path, and its -wal (SQLite keeps it
        while any connection is open) still there: else a write would go nowhere anyone reads."""
        if self.identity is None:
            return
        opened_file, opened_wal = self.identity
        now_file, now_wal = self._identity()
        if UNKNOWN in (now_file, now_wal):
            return
        if now_file != opened_file:
            what = "was deleted" if now_file is None else "was replaced by another file"
        elif opened_wal is not None and now_wal != opened_wal:
            what = f"lost its write-ahead log ({self.path.name}-wal {'deleted' if now_wal is None else 'replaced'})"
        else:
            return
        raise StoreError(
            f"{self.path}: the run store {what} while this process had it open; nothing more is written "
            "(what was written since its last checkpoint may be lost)"
        )

    # -- using ---------------------------------------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self.lock:
            try:
                yield
                if self.conn.in_transaction:
                    self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise

    def write(self, sql: str, params: tuple | list = ()) -> sqlite3.Cursor:
        """One statement in its own write transaction."""
        with self.writing() as conn:
            return conn.execute(sql, params)

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """Several statements in one write transaction (BEGIN IMMEDIATE: the write lock is taken first,
        so a read-then-write, like claiming the next job, cannot race another process)."""
        if self.read_only:
            raise StoreError(f"{self.path}: the run store is read-only here (file or folder not writable)")
        self._check_identity()
        try:
            with self._transaction():
                self.conn.execute("BEGIN IMMEDIATE")
                yield self.conn
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: write failed ({exc})") from None

    def read(self, sql: str, params: tuple | list = ()) -> list[sqlite3.Row]:
        try:
            with self.lock:
                return self.conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the run store ({exc})") from None

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """Several statements that only read, on this process's connection (a read-then-decide that must
        not take the write lock, like which job a slot would take next)."""
        try:
            with self.lock:
                yield self.conn
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the run store ({exc})") from None

    def data_version(self) -> int:
        """Changes whenever another connection commits: a cheap 'is there anything new?' for pollers."""
        return self.read("PRAGMA data_version")[0][0]

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    def close_quietly(self) -> None:
        conn = getattr(self, "conn", None)
        if conn is not None:
            conn.close()


UNKNOWN = (-1, -1)
CONNECT = dict(timeout=30, check_same_thread=False, isolation_level=None)


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError:  # cannot tell (a folder made unsearchable): no claim either way
        return UNKNOWN
    return info.st_dev, info.st_ino


def _writable(path: Path) -> bool:
    """SQLite writes the file and, in WAL mode, creates -wal and -shm beside it: both must be allowed."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)
