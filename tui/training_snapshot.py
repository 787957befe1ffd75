"""The TUI's view of training, polled from the store: what waits in the queue, what trains now (from the
worker or from a `mnist-tui train` in another terminal), and the one run the training screen follows.

`StoreWatcher.poll()` is cheap (a handful of small reads) and returns a new TrainingSnapshot only when
something changed, so the app can call it a few times a second and repaint only on news.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import MnistTuiError
from engine.store import JobRecord, ProgressRow, RunRecord, Store
from engine.worker.client import worker_running
from engine.worker.log import last_line, log_path
from tui.run_view import RunView

WORKER_START_GRACE = 12.0  # seconds a freshly spawned worker has to take the lock before we call it stuck


@dataclass
class TrainingSnapshot:
    waiting: list[JobRecord] = field(default_factory=list)
    running_jobs: list[JobRecord] = field(default_factory=list)
    running_runs: list[RunRecord] = field(default_factory=list)
    live: dict[int, ProgressRow] = field(default_factory=dict)
    view: RunView | None = None  # the run the training screen follows
    views: list[RunView] = field(default_factory=list)  # every run training now (several with slots), by slot
    worker_alive: bool = False
    problem: str | None = None  # why nothing trains although jobs wait (the worker would not start)
    error: str | None = None  # the store could not be read

    @property
    def training(self) -> bool:
        return bool(self.running_jobs or self.running_runs)

    @property
    def busy(self) -> bool:
        return self.training or bool(self.waiting)

    def lineup(self) -> tuple:
        """Which jobs wait and which jobs and runs train. It changes when a run starts or ends or a job is
        queued, moved or taken off, not with each batch: what a screen of stored runs redraws on."""
        return (
            tuple(j.job_id for j in self.waiting),
            tuple((j.job_id, j.run_id) for j in self.running_jobs),
            tuple(r.run_id for r in self.running_runs),
        )

    def active_runs(self) -> int:
        """Runs that go on training when this TUI quits (the worker's and any foreground ones), and jobs still
        loading before their run exists. A job whose run has just ended is its worker closing it: not one."""
        run_ids = {r.run_id for r in self.running_runs}
        starting = [j for j in self.running_jobs if j.run_id is None]
        return len(run_ids) + len(starting)


class StoreWatcher:
    def __init__(
        self,
        store: Store,
        worker_alive: Callable[[Path], bool] = worker_running,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.store = store
        self.worker_alive = worker_alive
        self.clock = clock
        self.followed: tuple[str, int] | None = None
        self.spawned_at: float | None = None
        self.last: TrainingSnapshot | None = None

    def follow(self, key: tuple[str, int] | None) -> None:
        """Follow this job (or run) while it is active; then whatever trains next, or it as it ended."""
        self.followed = key

    def worker_spawned(self) -> None:
        self.spawned_at = self.clock()

    def poll(self) -> TrainingSnapshot | None:
        """A fresh snapshot when anything changed since the last poll, else None."""
        snap = self.read()
        if snap == self.last:
            return None
        self.last = snap
        return snap

    def read(self) -> TrainingSnapshot:
        try:
            waiting = self.store.jobs.waiting()
            running_jobs = self.store.jobs.running()
            running_runs = self.store.running_runs()
            live = self.store.progress.all()
        except MnistTuiError as exc:
            return TrainingSnapshot(error=str(exc))
        alive = self.worker_alive(self.store.path)
        snap = TrainingSnapshot(waiting, running_jobs, running_runs, live, worker_alive=alive)
        snap.views = self._candidates(snap)
        snap.view = self._view(snap.views)
        snap.problem = self._problem(snap)
        return snap

    # -- which run to follow ------------------------------------------------------------------------------
    def _candidates(self, snap: TrainingSnapshot) -> list[RunView]:
        """Every run training now: the worker's jobs (by slot), then foreground trains."""
        runs = {r.run_id: r for r in snap.running_runs}
        candidates: list[RunView] = []
        for job in sorted(snap.running_jobs, key=lambda j: (j.slot is None, j.slot or 0, j.job_id)):
            run = runs.pop(job.run_id, None) if job.run_id is not None else None
            if job.run_id is not None and run is None:
                run = self._run(job.run_id)
            candidates.append(RunView(job, run, snap.live.get(job.run_id) if job.run_id else None))
        return candidates + [RunView(None, r, snap.live.get(r.run_id)) for r in runs.values()]  # foreground

    def follow_next(self, snap: TrainingSnapshot, step: int) -> bool:
        """Follow the next (step 1) or previous (-1) of the runs training now; False with fewer than two."""
        views = snap.views
        if len(views) < 2:
            return False
        keys = [v.key for v in views]
        i = keys.index(snap.view.key) if snap.view is not None and snap.view.key in keys else -step
        self.followed = keys[(i + step) % len(keys)]
        self.last = None  # the next poll shows the new choice even if nothing else changed
        return True

    def _view(self, candidates: list[RunView]) -> RunView | None:
        keys = {v.key: v for v in candidates}
        if self.followed and self.followed[0] == "job":  # a job that now has a run is followed as that run
            for v in candidates:
                if v.job is not None and v.job.job_id == self.followed[1]:
                    self.followed = v.key
        if self.followed in keys and keys[self.followed].active:
            return keys[self.followed]
        if candidates:
            self.followed = candidates[0].key
            return candidates[0]
        if self.followed:  # nothing trains: keep showing the last one, as it ended
            return self._ended(self.followed)
        return None

    def _run(self, run_id: int) -> RunRecord | None:
        try:
            return self.store.get_run(run_id)
        except MnistTuiError:
            return None

    def _ended(self, key: tuple[str, int]) -> RunView | None:
        kind, ident = key
        if kind == "run":
            run = self._run(ident)
            return RunView(None, run, None) if run else None
        job = self.store.jobs.get(ident)
        if job is None:
            return None
        return RunView(job, self._run(job.run_id) if job.run_id else None, None)

    # -- a worker that would not start --------------------------------------------------------------------
    def _problem(self, snap: TrainingSnapshot) -> str | None:
        if not snap.waiting or snap.running_jobs or snap.worker_alive:
            return None
        if self.spawned_at is not None and self.clock() - self.spawned_at < WORKER_START_GRACE:
            return None
        return f"{len(snap.waiting)} job(s) wait but no training worker is running; {_log_tail()}"


def _log_tail() -> str:
    """Where the worker logs, and its last line: a worker that died at start says why there."""
    line = last_line()
    where = f"see {log_path()}"
    return f"{where} (last line: {line})" if line else where
