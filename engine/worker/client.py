"""What a process that queues work needs: put a request in the store's queue and make sure a worker drains
it. The TUI and the CLI import this, never the training code: no Keras, no runner, no psutil sampler.

A job is checked as far as it can be before it is committed (its backend, its data path, the log and the
lock the worker will need), so a job that can never run is never reported as queued; and starting a worker
waits until it holds the lock or has died, so a worker that cannot start is an error at once, with the log's
last line, not a queue that waits for ever.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from engine.backend import SUPPORTED_BACKENDS, requested_backend
from engine.errors import MnistTuiError, SpecError
from engine.paths import CLUSTER_ENV, SLOTS_ENV, absolute
from engine.run_request import RunRequest
from engine.store import Store
from engine.worker.lock import lock_held, lock_path, open_lock
from engine.worker.log import last_line, log_path, open_log

START_TIMEOUT = 20.0  # seconds a new worker has to take the lock (Python and the engine's imports, on a busy box)


def worker_running(store_path: Path) -> bool:
    """Does some process hold this store's worker lock? (Asked without taking it for more than a moment.)
    A lock that cannot be read counts as no worker: `check_worker_can_start` says why."""
    try:
        return lock_held(lock_path(store_path))
    except MnistTuiError:
        return False


def check_worker_can_start(store_path: Path, backend: str | None = None) -> None:
    """Everything a worker for this store will need, checked before a job is committed: a Keras backend
    mnist-tui trains on, a log it can write, a lock it can take."""
    backend = backend or requested_backend()
    if backend not in SUPPORTED_BACKENDS:
        raise SpecError(f"KERAS_BACKEND={backend[:40]}: mnist-tui trains on {' or '.join(SUPPORTED_BACKENDS)}")
    os.close(open_log())
    fd = open_lock(lock_path(store_path))
    if fd is not None:
        os.close(fd)


def enqueue(store: Store, req: RunRequest) -> int:
    """A request as a job (the inverse of `request_of`). The data source is fixed now, as an absolute path
    with `~` expanded, so the worker reads what the asking process meant whatever its own directory."""
    from engine.data import resolve_source

    check_worker_can_start(store.path)
    data = resolve_source(req.data)
    return store.jobs.add(
        req.preset,
        req.part,
        req.spec,
        data=str(absolute(data)) if data else None,
        subset=req.subset,
        repeat_group=req.repeat_group,
        kind=req.kind,
        label=req.label,
        backend=requested_backend(),
        sweep_id=req.sweep_id,
    )


def slots_setting(slots: int | None = None) -> int | None:
    """--slots, else MNIST_TUI_SLOTS, else None (the worker's default: one per visible GPU, 1 without)."""
    if slots is not None:
        return slots
    value = os.environ.get(SLOTS_ENV, "").strip()
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 64:
        raise SpecError(f"{SLOTS_ENV}={value[:20]}: expected a whole number of slots from 1 to 64")
    return int(value)


def cluster_setting(cluster: str | None = None) -> str | None:
    """--cluster, else MNIST_TUI_CLUSTER, else None (slots on this machine)."""
    value = cluster if cluster is not None else os.environ.get(CLUSTER_ENV, "")
    return value.strip() or None


def ensure_worker(
    store_path: Path,
    backend: str | None = None,
    slots: int | None = None,
    cluster: str | None = None,
    wait: bool = True,
) -> bool:
    """Start a detached worker for this store unless one holds its lock; True if one was started. It runs
    `backend` (KERAS_BACKEND; by default this process's), `slots` runs at once, on a Ray `cluster` if
    named. With `wait`, returns once the worker holds the lock, and raises with the log's last line if it
    died first."""
    store_path = absolute(store_path)
    if worker_running(store_path):
        return False
    check_worker_can_start(store_path, backend)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if backend:
        env["KERAS_BACKEND"] = backend
    cmd = [sys.executable, "-m", "engine.worker", "--store", str(store_path)]
    if (slots := slots_setting(slots)) is not None:
        cmd += ["--slots", str(slots)]
    if cluster := cluster_setting(cluster):
        cmd += ["--cluster", cluster]
    log_fd = open_log()
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log_fd,
            stderr=log_fd,
            start_new_session=True,  # no controlling terminal: a hang-up of the TUI's terminal never reaches it
            close_fds=True,
            cwd="/",
            env=env,
        )
    finally:
        os.close(log_fd)
    if wait:
        wait_for_worker(store_path, proc)
    return True


def wait_for_worker(store_path: Path, proc: subprocess.Popen, timeout: float = START_TIMEOUT) -> None:
    """Until the worker holds the lock (or another worker does); an error with its reason if it exits
    first. A worker that exits 0 at once found nothing to do, or handed over: not an error."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if worker_running(store_path):
            return
        code = proc.poll()
        if code is not None:
            if code in (0, 3):  # drained the queue already, or another worker has it
                return
            raise MnistTuiError(
                f"the training worker could not start: {last_line() or 'no reason logged'} (see {log_path()})"
            )
        time.sleep(0.05)
