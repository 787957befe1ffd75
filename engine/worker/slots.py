"""A worker's slots: where its jobs train, several at once. The worker (engine/worker/process.py) claims a
job from the queue for a free slot and starts it there; the slot reports when the job is over.

- ThreadSlot trains in the worker's own process (one slot: the worker keeps its compiled models and warms
  up the next network between jobs, as a single worker always did; tests run several with a fake trainer).
- ProcessSlot trains in a child process of its own, pinned to its device and CPUs (engine/worker/devices.py),
  which lives across jobs so its compiled models and warm-up carry over. It dies with the worker.
- engine/worker/cluster.py has the third kind, a Ray actor on a cluster's node.

Every local slot writes its own run's rows to the store (one SQLite file on this machine, WAL: several
writers on one machine are safe); a cluster's slots never touch it (the worker writes for them).
"""

from __future__ import annotations

import os
import queue
import signal
import threading
import traceback
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from engine.errors import StoreError
from engine.store import JobRecord, Store
from engine.worker.devices import SlotPlan
from engine.worker.job import run_jobs


@dataclass(frozen=True)
class SlotReport:
    """How a job in a slot ended: 'done' (its row says how), 'store_failed' (the store cannot be written:
    the worker stops), or 'died' (the slot's process is gone mid-job; the job has not been finished)."""

    slot: int
    job_id: int
    outcome: str
    message: str | None = None


def default_runner(store: Store):
    from engine.runner import Runner

    return Runner(store)


class ThreadedSlot:
    """A slot whose job is driven by a thread of the worker: `work(job)` runs it, and how it ended is
    reported for the worker to reap. A failing store stops the worker; a bug is logged, the slot goes on."""

    def __init__(self, index: int, wake: threading.Event):
        self.index, self.wake = index, wake
        self.job: JobRecord | None = None
        self.reports: queue.SimpleQueue[SlotReport] = queue.SimpleQueue()
        self.thread: threading.Thread | None = None

    def work(self, job: JobRecord, expected: int | None = None) -> None:
        """Train `job`; `expected` is the job this slot should take next (what it may compile meanwhile)."""
        raise NotImplementedError

    def bug(self, job: JobRecord, exc: Exception) -> None:
        """After a bug in `work`: record it where it is not yet (the job's row)."""

    def start(self, job: JobRecord, expected: int | None = None) -> None:
        self.job = job
        self.thread = threading.Thread(target=self._drive, args=(job, expected), name=f"slot-{self.index}", daemon=True)
        self.thread.start()

    def _drive(self, job: JobRecord, expected: int | None) -> None:
        try:
            self.work(job, expected)
            report = SlotReport(self.index, job.job_id, "done")
        except StoreError as exc:
            report = SlotReport(self.index, job.job_id, "store_failed", str(exc))
        except Exception as exc:  # logged with its traceback; the next job still runs
            traceback.print_exc()
            self.bug(job, exc)
            report = SlotReport(self.index, job.job_id, "done")
        self.reports.put(report)
        self.wake.set()

    def reap(self) -> SlotReport | None:
        try:
            report = self.reports.get_nowait()
        except queue.Empty:
            return None
        self.job = None
        return report

    def close(self, timeout: float | None = None) -> None:
        if self.thread is not None:
            self.thread.join(timeout)


class ThreadSlot(ThreadedSlot):
    """A slot in the worker's own process: the job's Runner runs on a thread of it (run_job records a bug
    on the job itself). It can train a group of jobs as one stacked run (engine/worker/stack_jobs.py)."""

    trains_groups = True

    def __init__(self, index: int, store: Store, runner_factory, stopping: threading.Event, wake: threading.Event):
        super().__init__(index, wake)
        self.mates: list[JobRecord] = []  # the jobs trained stacked with the one started, until it starts
        self.store, self.stopping = store, stopping
        self.runner = (runner_factory or default_runner)(store)
        self.runner.slot = index

    def describe(self) -> str:
        return f"slot {self.index}: this process"

    def start_group(self, jobs: list[JobRecord], expected: int | None = None) -> None:
        """Start jobs[0] with the others trained in its stacked program; the slot reports on jobs[0]."""
        self.mates = jobs[1:]
        self.start(jobs[0], expected)

    def work(self, job: JobRecord, expected: int | None = None) -> None:
        mates, self.mates = self.mates, []
        run_jobs(self.store, self.runner, [job, *mates], self.stopping, expected)


class ProcessSlot:
    """A slot in a child process of its own, on its own device; jobs go to it by id over a pipe and it
    answers when each is over. A child that dies mid-job is reported; the next job starts a new one.
    Like the worker's own slot it trains a repeat group's seeds as one stacked program when stacking is on
    (the child finishes each job's row; a child that dies mid-group leaves each of them reported)."""

    trains_groups = True

    def __init__(self, plan: SlotPlan, store_path: Path, runner_factory, wake: threading.Event):
        self.plan, self.index, self.store_path = plan, plan.index, store_path
        self.runner_factory, self.wake = runner_factory, wake
        self.job: JobRecord | None = None
        self.mates: list[JobRecord] = []  # trained stacked with `job` (engine/worker/stack_jobs.py)
        self.reports: queue.SimpleQueue[SlotReport] = queue.SimpleQueue()
        self.process = None
        self.conn = None

    def describe(self) -> str:
        return self.plan.describe()

    def _spawn(self) -> None:
        ctx = get_context("spawn")  # a fresh interpreter: no forked TensorFlow or sqlite state
        mine, theirs = ctx.Pipe()
        self.process = ctx.Process(
            target=slot_main,
            args=(str(self.store_path), self.plan, theirs, self.runner_factory),
            name=f"mnist-tui-slot-{self.index}",
            daemon=True,
        )
        self.process.start()
        theirs.close()
        self.conn = mine
        threading.Thread(
            target=self._listen, args=(mine, self.process), name=f"slot-{self.index}-pipe", daemon=True
        ).start()

    def _listen(self, conn, process) -> None:
        """Each answer of the child, until its pipe closes (the child exited or died)."""
        answered: set[int] = set()
        while True:
            try:
                kind, job_id, message = conn.recv()
            except (EOFError, OSError):
                break
            answered.add(job_id)
            self.reports.put(SlotReport(self.index, job_id, kind, message))
            self.wake.set()
        process.join()
        job, mates = self.job, self.mates
        if job is not None and job.job_id not in answered:
            code = process.exitcode
            for lost in (*mates, job):  # the job last: its report frees the slot
                message = f"slot {self.index}'s process died (exit {code})"
                self.reports.put(SlotReport(self.index, lost.job_id, "died", message))
            self.wake.set()

    def start(self, job: JobRecord, expected: int | None = None) -> None:
        self.start_group([job], expected)

    def start_group(self, jobs: list[JobRecord], expected: int | None = None) -> None:
        """Train jobs[0] with the others in its stacked program; the child answers for jobs[0]."""
        if self.process is None or not self.process.is_alive():
            self._spawn()
        self.job, self.mates = jobs[0], jobs[1:]
        self.conn.send(("job", (jobs[0].job_id, expected, [m.job_id for m in jobs[1:]])))

    def reap(self) -> SlotReport | None:
        try:
            report = self.reports.get_nowait()
        except queue.Empty:
            return None
        if self.job is not None and report.job_id == self.job.job_id:
            self.job, self.mates = None, []
        return report

    def close(self, timeout: float | None = 60) -> None:
        """Ask the child to stop (it cancels a job it is training, keeping its epochs) and wait for it."""
        if self.process is None:
            return
        try:
            self.conn.send(("stop", None))
        except (OSError, ValueError):
            pass
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


def slot_main(store_path: str, plan: SlotPlan, conn, runner_factory) -> None:
    """The child process of a ProcessSlot: pinned to its device and CPUs before any framework is imported,
    it trains the jobs it is sent, one at a time, until asked to stop or its worker goes away."""
    _die_with_parent()
    os.environ.update(plan.env())
    try:
        os.sched_setaffinity(0, plan.cpus)
    except (AttributeError, OSError):
        pass
    stopping = threading.Event()
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the worker decides; a stray Ctrl+C reaches it, not us
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    jobs: queue.SimpleQueue[tuple[int, int | None] | None] = queue.SimpleQueue()

    def listen() -> None:
        while True:
            try:
                kind, payload = conn.recv()
            except (EOFError, OSError):
                kind, payload = "stop", None
            if kind == "stop":
                stopping.set()
                jobs.put(None)
                return
            jobs.put(payload)

    threading.Thread(target=listen, name="slot-pipe", daemon=True).start()
    store = Store(store_path)
    runner = (runner_factory or default_runner)(store)
    runner.slot = plan.index
    try:
        while (sent := jobs.get()) is not None:
            job_id, expected, mate_ids = sent
            job = store.jobs.get(job_id)
            if job is None:
                conn.send(("done", job_id, None))
                continue
            mates = [m for m in map(store.jobs.get, mate_ids) if m is not None]
            try:
                run_jobs(store, runner, [job, *mates], stopping, expected)
                conn.send(("done", job_id, None))
            except StoreError as exc:
                conn.send(("store_failed", job_id, str(exc)))
                return
            except Exception:
                traceback.print_exc()
                conn.send(("done", job_id, None))
    finally:
        store.close()


def _die_with_parent() -> None:
    """Linux: SIGKILL this process when the worker dies, however it dies, so no training outlives its
    worker unseen (its run then reads as interrupted, as a single worker's always did)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
