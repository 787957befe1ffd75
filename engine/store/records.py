"""Typed records read from the store (a run with its epochs, a queued job, a live progress row) and how a
row becomes one.

Callers read attributes, never re-read column names; `as_json` is the one JSON shape of each (the CLI's
`--json` output and the contract checks read it).
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, field

from engine.spec import NetworkSpec
from engine.status import JobStatus, RunStatus
from engine.store.cells import BadRow, Cells
from engine.store.liveness import owner_alive

METRIC_KEYS = ("train_accuracy", "val_accuracy", "test_accuracy", "train_loss", "val_loss", "test_loss")
OLD_JOB_STATES = {"done": JobStatus.COMPLETED}  # before store v7 a job ended 'done'
KINDS = ("exercise", "control")  # a control run tests a hypothesis and never answers the exercise


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
    status: RunStatus
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
    label: str | None = None
    note: str | None = None
    repeat_group: str | None = None
    kind: str = "exercise"
    extra: dict = field(default_factory=dict)
    cancel_requested: bool = False
    slot: int | None = None  # the worker slot that trained it (None: a foreground train)
    precision: str | None = None  # of its matmuls: "float32", or "tf32" on a GPU that rounds to TF32
    sweep_id: int | None = None

    @property
    def epochs_completed(self) -> int:
        return len(self.history)

    @property
    def epochs_planned(self) -> int | None:
        return self.spec.epochs if self.spec else self.spec_json.get("epochs")

    @property
    def name(self) -> str:
        """What a person calls this run: their label, else the spec's name, else the preset id."""
        return self.label or self.spec_json.get("name") or self.preset

    @property
    def active(self) -> bool:
        return self.status == RunStatus.RUNNING

    @property
    def stacked(self) -> bool:
        """Trained in one program with other seeds (engine/stacked.py): its epoch seconds are the stack's."""
        return bool((self.extra or {}).get("stacked"))

    @property
    def shared_order(self) -> bool:
        """Trained stacked on one batch order with its mates: it differs from them in initial weights only."""
        return bool((self.extra or {}).get("shared_order"))

    def as_json(self) -> dict:
        return {
            "run_id": self.run_id,
            "preset": self.preset,
            "part": self.part,
            "name": self.name,
            "label": self.label,
            "note": self.note,
            "kind": self.kind,
            "repeat_group": self.repeat_group,
            "status": self.status,
            "epochs_completed": self.epochs_completed,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "host": self.host,
            "backend": self.backend,
            "device": self.device,
            "slot": self.slot,
            "precision": self.precision,
            "sweep": self.sweep_id,
            "versions": self.versions,
            "data_source": self.data_source,
            "sizes": self.sizes,
            "spec": self.spec_json,
            **self.metrics,
            "seconds_per_epoch": self.seconds_per_epoch,
            "first_epoch_seconds": self.first_epoch_seconds,
            "error": self.error,
            "extra": self.extra,
            "history": [asdict(e) for e in self.history],
        }


@dataclass
class JobRecord:
    """One entry of the training queue. `state` is where it stands (JobStatus); `phase` says what a running job is
    doing before its run row exists (loading MNIST, loading TensorFlow)."""

    job_id: int
    position: float
    preset: str
    part: str | None
    spec: NetworkSpec | None
    spec_json: dict
    data: str | None
    subset: int | None
    repeat_group: str | None
    kind: str
    label: str | None
    state: JobStatus
    phase: str | None
    run_id: int | None
    error: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    cancel_requested: bool
    backend: str | None = None  # the Keras backend asked for; None: any
    slot: int | None = None  # the worker slot that runs it
    worker_host: str | None = None
    worker_pid: int | None = None
    worker_process: str | None = None
    sweep_id: int | None = None

    @property
    def name(self) -> str:
        return self.label or self.spec_json.get("name") or self.preset

    def as_json(self) -> dict:
        data = asdict(self)
        data.pop("spec")
        data["spec"] = data.pop("spec_json")
        data["name"] = self.name
        return data


@dataclass
class GpuUse:
    index: int
    name: str
    utilization_percent: float | None
    memory_used_bytes: int | None
    memory_total_bytes: int | None


@dataclass
class ProgressRow:
    """Where a running run is now, written by the process that trains it a few times a second at most."""

    run_id: int
    phase: str | None
    epoch: int | None
    epochs: int | None
    step: int | None
    steps: int | None
    loss: float | None
    accuracy: float | None
    elapsed: float | None
    eta: float | None
    cpu_percent: float | None
    rss_bytes: int | None
    gpus: list[GpuUse]
    updated_at: float
    slot: int | None = None
    host: str | None = None
    device: str | None = None

    def as_json(self) -> dict:
        return asdict(self)


def finite_or_none(x):
    """NaN/inf are not valid JSON and mean nothing in a table: store them as NULL."""
    if x is None:
        return None
    x = float(x)
    return x if x == x and x not in (float("inf"), float("-inf")) else None


def parse_spec(spec_json: dict) -> NetworkSpec | None:
    try:
        return NetworkSpec(**spec_json)
    except Exception:  # a spec stored by another version: keep the row readable
        return None


def job_from_row(r: sqlite3.Row) -> JobRecord:
    """A jobs row as a JobRecord; BadRow (naming the job and column) when a cell cannot be read."""
    c = Cells(r, "job")
    return c.record(
        JobRecord,
        "job_id",
        **net_cells(c),
        state=c.member("state", JobStatus, OLD_JOB_STATES),
        created_at=c.text("created_at", ""),
    )


def net_cells(c: Cells) -> dict:
    """What a run row and a job row both say of their net: its spec as stored and parsed (None when another
    version stored it), and its kind."""
    spec_json = c.json("spec_json", dict, {})
    return {"spec": parse_spec(spec_json), "spec_json": spec_json, "kind": c.text("kind") or KINDS[0]}


def epoch_row(r: sqlite3.Row) -> EpochRow:
    c = Cells(r, "run", id_column="run_id")
    epoch = c.integer("epoch")
    c.where = f" of epoch {epoch}"
    return EpochRow(
        epoch,
        c.number("loss"),
        c.number("accuracy"),
        c.number("val_loss"),
        c.number("val_accuracy"),
        c.number("seconds"),
        c.numbers("gradients_json"),
    )


def note_cells(r: sqlite3.Row) -> tuple[str, str]:
    c = Cells(r, "note", id_column="key")
    return c.text("key", required=True), c.text("text", "")


def run_record(r: sqlite3.Row, history: list[EpochRow] | BadRow) -> RunRecord:
    """A row as a typed record; BadRow names the run and the column when a cell cannot be read. Columns a
    store from an older version lacks (read-only, so not migrated) read as their defaults."""
    if isinstance(history, BadRow):
        raise history
    c = Cells(r, "run")
    status = c.member("status", RunStatus)
    host, pid, process, beat = c.text("host"), c.integer("pid"), c.text("process"), c.number("heartbeat_at")
    if status == RunStatus.RUNNING and not owner_alive(host, pid, process, beat):
        status = RunStatus.INTERRUPTED  # its process is gone, so it can never finish (its epochs stay)
    return c.record(
        RunRecord,
        "run_id",
        **net_cells(c),
        status=status,
        started_at=c.text("started_at", ""),
        versions=c.json("versions_json", dict, {}),
        sizes={"train": c.integer("train_size"), "validation": c.integer("val_size"), "test": c.integer("test_size")},
        metrics={k: c.number(k) for k in METRIC_KEYS},
        history=history,
        host=host,
        extra=c.json("extra_json", dict, {}),
    )
