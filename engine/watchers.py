"""The small threads that sit beside a training: each ticks on its own interval, reads a flag or beats a
heartbeat in the store, and stops with the `with` block around the work it watches. Every one a process
starts is listed in docs/ARCHITECTURE.md."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from engine.errors import MnistTuiError
from engine.store import HEARTBEAT_SECONDS, Store

CANCEL_POLL = 0.25  # seconds between looks at a cancel flag: a cancel lands within one block plus this


class Ticker:
    """A daemon thread that calls `tick()` every `interval` seconds while its `with` block runs (and stops
    early when tick returns True). Store errors in a tick are skipped: a busy or full disk is reported by
    the writes that matter (the epochs), not by a watcher."""

    def __init__(self, name: str, interval: float, tick: Callable[[], bool | None]):
        self.interval, self.tick = interval, tick
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(self.interval):
            try:
                if self.tick():
                    return
            except MnistTuiError:
                pass

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join()


def run_monitor(store: Store, run_id: int, cancel: threading.Event) -> Ticker:
    """Beside a training: the heartbeat every HEARTBEAT_SECONDS, the run's cancel flag every CANCEL_POLL."""
    last_beat = [time.monotonic()]

    def tick() -> None:
        if not cancel.is_set() and store.cancel_requested(run_id):
            cancel.set()
        if time.monotonic() - last_beat[0] >= HEARTBEAT_SECONDS:
            last_beat[0] = time.monotonic()
            store.heartbeat(run_id)

    return Ticker(f"run-monitor-{run_id}", CANCEL_POLL, tick)


def job_cancel_watch(store: Store, job_id: int, cancel: threading.Event, stopping: threading.Event) -> Ticker:
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

    return Ticker(f"job-cancel-{job_id}", CANCEL_POLL, tick)
