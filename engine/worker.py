"""The detached training worker: one process per store that drains the queue of jobs in the store.

Started on demand by the TUI or the CLI (`ensure_worker`), it runs in its own session with no terminal
(a dropped SSH connection or a closed TUI does not reach it; SIGHUP is ignored), logs to a file under the
user's state dir, and holds a lock file beside the store so a second worker never runs the same queue. It
exits when the queue has stayed empty for a few seconds. TensorFlow is imported here (and in a foreground
`train`), never in the TUI.

A worker that was killed leaves its job `running`: the next worker, holding the lock, knows no live
worker owns it, marks it interrupted (its run reads as interrupted with every finished epoch) and goes on
with the jobs still queued.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from platformdirs import user_state_path

from engine.backend import requested_backend
from engine.errors import MnistTuiError, StoreError, one_line
from engine.events import Event, Phase, Started
from engine.live_report import Ticker
from engine.runner import Runner, RunRequest
from engine.store import JobRecord, Store
from engine.store.jobs import runs_on

IDLE_EXIT_SECONDS = 3.0  # an empty queue for this long ends the worker
POLL_SECONDS = 0.5


def lock_path(store_path: Path) -> Path:
    store_path = Path(store_path)
    return store_path.with_name(store_path.name + ".worker-lock")


def log_path() -> Path:
    return user_state_path("mnist-tui") / "worker.log"


class WorkerLock:
    """An exclusive flock on a file beside the store. The kernel drops it when the process dies, however it
    dies, so a killed worker never blocks the next one.

    `worker_running` probes the same lock by taking it shared for a moment, so a worker starting at that
    moment would find it taken: acquiring therefore retries for PROBE_GRACE seconds before it concludes that
    another worker holds the lock (a worker holds it for as long as it runs)."""

    PROBE_GRACE = 1.0

    def __init__(self, store_path: Path):
        self.path = lock_path(store_path)
        self.fd: int | None = None

    def acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.PROBE_GRACE
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(0.02)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self.fd = fd
        return True

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def worker_running(store_path: Path) -> bool:
    """Does some process hold this store's worker lock? (Asked without taking it for more than a moment.)"""
    path = lock_path(store_path)
    if not path.exists():
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def ensure_worker(store_path: Path, backend: str | None = None) -> bool:
    """Start a detached worker for this store unless one holds its lock. True if one was started.
    backend: the Keras backend it runs (KERAS_BACKEND); by default this process's."""
    if worker_running(store_path):
        return False
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if backend:
        env["KERAS_BACKEND"] = backend
    log = log_path()
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        subprocess.Popen(
            [sys.executable, "-m", "engine.worker", "--store", str(store_path)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,  # no controlling terminal: a hang-up of the TUI's terminal never reaches it
            close_fds=True,
            cwd="/",
            env=env,
        )
    return True


class JobListener:
    """Mirrors a job's progress into its row: the phase before the run row exists, then the run id."""

    def __init__(self, store: Store, job: JobRecord):
        self.store, self.job = store, job

    def __call__(self, ev: Event) -> None:
        try:
            if isinstance(ev, Phase):
                self.store.jobs.set_phase(self.job.job_id, ev.message)
            elif isinstance(ev, Started) and ev.run_id is not None:
                self.store.jobs.attach_run(self.job.job_id, ev.run_id)
                self.store.jobs.set_phase(self.job.job_id, "training")
        except MnistTuiError:
            pass


def cancel_watch(store: Store, job_id: int, cancel: threading.Event, stopping: threading.Event) -> Ticker:
    """Before a job's run row exists (loading data or TensorFlow), its cancel flag lives on the job; and a
    worker asked to stop (SIGTERM) cancels the running job, leaving the rest queued for the next worker.
    Once the run row exists, cancelling the job also flags the run, which run_monitor watches: the job's
    row is no longer read."""
    watch_job = [True]

    def tick() -> bool:
        if stopping.is_set():
            cancel.set()
            return True
        if watch_job[0]:
            flagged, run_id = store.jobs.cancel_state(job_id)
            if flagged:
                cancel.set()
                return True
            watch_job[0] = run_id is None
        return False

    return Ticker(f"job-cancel-{job_id}", 0.25, tick)


def enqueue(store: Store, req: RunRequest) -> int:
    """A request as a job (the inverse of `request_of`). The data source is fixed now, as an absolute path,
    so the worker reads what the asking process meant whatever its own directory or environment."""
    from engine.data import resolve_source

    data = resolve_source(req.data)
    return store.jobs.add(
        req.preset,
        req.part,
        req.spec,
        data=str(Path(data).resolve()) if data else None,
        subset=req.subset,
        repeat_group=req.repeat_group,
        kind=req.kind,
        label=req.label,
        backend=requested_backend(),
    )


def request_of(job: JobRecord) -> RunRequest:
    if job.spec is None:
        raise MnistTuiError(f"job {job.job_id}: its spec cannot be read by this version of mnist-tui")
    return RunRequest(
        job.preset,
        job.part,
        job.spec,
        data=job.data,
        subset=job.subset,
        repeat_group=job.repeat_group,
        kind=job.kind,
        label=job.label,
    )


def next_request(store: Store) -> RunRequest | None:
    """The job the queue runs next, as a request (None when the queue is empty or the job unreadable)."""
    head = store.jobs.head()
    return request_of(head) if head is not None and head.spec is not None else None


def run_job(store: Store, runner: Runner, job: JobRecord, stopping: threading.Event) -> None:
    cancel = threading.Event()
    if stopping.is_set():
        cancel.set()
    try:
        with cancel_watch(store, job.job_id, cancel, stopping):
            result = runner.run(request_of(job), JobListener(store, job), cancel, lambda: next_request(store))
    except StoreError:
        raise  # the store itself is failing: this worker cannot go on (see serve)
    except MnistTuiError as exc:  # no data, a spec this version cannot read: the reason goes on the job
        store.jobs.finish(job.job_id, "failed", one_line(exc))
        return
    except Exception as exc:  # a bug: on the job, in the log, and the worker goes on with the next
        store.jobs.finish(job.job_id, "failed", one_line(f"{exc.__class__.__name__}: {exc}"))
        raise
    state = {"completed": "done", "cancelled": "cancelled"}.get(result.status, "failed")
    error = result.error or (None if state != "failed" else result.status)
    store.jobs.finish(job.job_id, state, error, run_id=result.run_id)


def serve(
    store_path: Path | str,
    runner_factory=None,
    idle_exit: float = IDLE_EXIT_SECONDS,
    stopping: threading.Event | None = None,
    hand_over=ensure_worker,
) -> int:
    """Drain the queue while holding the lock; 0 when the queue stayed empty, 3 when another worker has it.
    `runner_factory(store)` makes the Runner (tests pass one with a fake trainer). A worker runs one Keras
    backend: when the next job asked for another, it lets go of the lock and `hand_over(store_path,
    backend)` starts a worker on that one (tests pass a recorder)."""
    store_path = Path(store_path)
    lock = WorkerLock(store_path)
    if not lock.acquire():
        return 3
    stopping = stopping or threading.Event()
    store = Store(store_path)
    runner = (runner_factory or Runner)(store)
    try:
        if recovered := store.jobs.recover_orphans():
            _log(f"{recovered} job(s) of a worker that stopped marked interrupted")
        idle_since = time.monotonic()
        backend = requested_backend()
        while not stopping.is_set():
            job = store.jobs.claim_next(backend)
            head = store.jobs.head() if job is None else None
            if head is not None and not runs_on(head.backend, backend):
                _log(f"job {head.job_id} asks for {head.backend}: handing the queue to a worker on it")
                lock.release()
                hand_over(store_path, head.backend)
                return 0
            if job is None:
                if time.monotonic() - idle_since < idle_exit:
                    stopping.wait(POLL_SECONDS)
                    continue
                lock.release()
                # a job added while we decided to stop: take it if no new worker has taken the lock
                if store.jobs.head() is not None and lock.acquire():
                    idle_since = time.monotonic()
                    continue
                return 0
            _log(f"job {job.job_id}: {job.preset} ({job.name})")
            try:
                run_job(store, runner, job, stopping)
            except StoreError as exc:
                _log(f"the store failed, stopping: {exc}")
                return 1
            except Exception as exc:  # logged with its traceback; the next job still runs
                import traceback

                traceback.print_exception(exc)
            idle_since = time.monotonic()
        return 0
    finally:
        lock.release()
        store.close()


def _handle_signals(stopping: threading.Event) -> None:
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # never tied to a terminal, but be sure
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())


def _lower_priority() -> None:
    """The worker is background work beside an interface: at a lower CPU priority (inherited by every
    thread TensorFlow and XLA start), a key press in a TUI on the same machine preempts the math, while an
    idle interface costs the training nothing."""
    from engine.backend import BACKGROUND_NICE

    try:
        os.setpriority(os.PRIO_PROCESS, 0, max(os.getpriority(os.PRIO_PROCESS, 0), BACKGROUND_NICE))
    except (AttributeError, OSError):  # not Linux, or not allowed: run at normal priority
        pass


def _log(text: str) -> None:
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    print(f"{stamp} [worker {os.getpid()}] {text}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.worker", description="drain an mnist-tui store's queue")
    parser.add_argument("--store", required=True)
    args = parser.parse_args(argv)
    _log(f"started for {args.store}")
    _lower_priority()
    stopping = threading.Event()
    _handle_signals(stopping)
    try:
        code = serve(Path(args.store), stopping=stopping)
    except MnistTuiError as exc:
        _log(f"cannot run: {exc}")
        return 1
    _log(f"exiting ({code})")
    return code


if __name__ == "__main__":
    sys.exit(main())
