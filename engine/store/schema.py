"""The store's schema as a list of forward migrations: entry i takes a database from version i to i+1.

The version lives in PRAGMA user_version. A new database runs them all; an older one runs what it lacks;
a newer one is refused untouched. Never edit a released entry: add one.
"""

from __future__ import annotations

MIGRATIONS = [
    # v1: runs and their committed epochs
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
    # v4: the store as the meeting point of processes. A queue of jobs for the detached worker, a live
    # row per running run (progress and resources, a few updates a second), a cancel flag any process can
    # set; and per run: the user's label and note, the group of seeds it repeats, whether it is an
    # exercise answer or a control experiment, and extra results as JSON.
    """
    ALTER TABLE runs ADD COLUMN label TEXT;
    ALTER TABLE runs ADD COLUMN note TEXT;
    ALTER TABLE runs ADD COLUMN repeat_group TEXT;
    ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'exercise';
    ALTER TABLE runs ADD COLUMN extra_json TEXT;
    ALTER TABLE runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        position REAL NOT NULL,
        preset TEXT NOT NULL,
        part TEXT,
        spec_json TEXT NOT NULL,
        data TEXT,
        subset INTEGER,
        repeat_group TEXT,
        kind TEXT NOT NULL DEFAULT 'exercise',
        label TEXT,
        state TEXT NOT NULL,
        phase TEXT,
        run_id INTEGER,
        error TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        worker_pid INTEGER,
        worker_process TEXT,
        worker_host TEXT,
        cancel_requested INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX jobs_by_state ON jobs(state, position);
    CREATE TABLE live (
        run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
        phase TEXT,
        epoch INTEGER,
        epochs INTEGER,
        step INTEGER,
        steps INTEGER,
        loss REAL,
        accuracy REAL,
        elapsed REAL,
        eta REAL,
        cpu_percent REAL,
        rss_bytes INTEGER,
        gpus_json TEXT,
        updated_at REAL NOT NULL
    )
    """,
    # v5: the Keras backend a job asked for (KERAS_BACKEND of the process that queued it). A worker runs one
    # backend; NULL (a job queued before v5) runs on whichever the worker has.
    """
    ALTER TABLE jobs ADD COLUMN backend TEXT;
    """,
    # v6: several runs at once and everything a run is taken out with. Jobs and runs record the slot that
    # trains them and the host and device it ran on (a Ray node's host for a cluster run) and the float
    # precision of its matmuls; a run keeps its test-set predictions (one byte an image, for the confusion
    # matrix and paired comparisons); sweeps group the runs of one sweep file; settings remember per store
    # what the user chose last (the data source).
    """
    ALTER TABLE jobs ADD COLUMN slot INTEGER;
    ALTER TABLE jobs ADD COLUMN sweep_id INTEGER;
    ALTER TABLE jobs ADD COLUMN seed INTEGER;
    ALTER TABLE runs ADD COLUMN slot INTEGER;
    ALTER TABLE runs ADD COLUMN sweep_id INTEGER;
    ALTER TABLE runs ADD COLUMN precision TEXT;
    ALTER TABLE runs ADD COLUMN predictions BLOB;
    ALTER TABLE live ADD COLUMN slot INTEGER;
    ALTER TABLE live ADD COLUMN host TEXT;
    ALTER TABLE live ADD COLUMN device TEXT;
    CREATE TABLE sweeps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        file TEXT,
        definition_json TEXT NOT NULL,
        sampling_seed INTEGER,
        points INTEGER NOT NULL,
        runs INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        cancelled INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);
    """,
    # v7: a job ends with the same word as its run (engine/status.py): 'completed', no longer 'done'.
    """
    UPDATE jobs SET state='completed' WHERE state='done';
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)
