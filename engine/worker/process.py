"""The detached training worker: one process per store that drains the store's queue into its slots.

Started on demand by the TUI or the CLI (engine/worker/client.py), it runs in its own session with no
terminal (a dropped SSH connection or a closed TUI does not reach it; SIGHUP is ignored), logs to a private
file under the user's state folder, and holds the store's lock so a second worker never runs the same
queue. It trains up to N jobs at once, one per slot (engine/worker/slots.py: its own thread with one slot,
a child process per slot on its own device with several, a Ray actor per slot on a cluster), claiming the
next job whenever a slot is free, and exits when the queue has stayed empty for a few seconds.

A worker that was killed leaves its jobs `running`: any reader (the next worker, a TUI, `mnist-tui queue`)
sees that their worker is gone and marks them interrupted (their runs read as interrupted with every
finished epoch); the jobs still queued run when the next worker starts.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from functools import partial
from pathlib import Path

from engine.backend import requested_backend
from engine.errors import MnistTuiError
from engine.model_pool import program_key
from engine.status import JobStatus
from engine.store import Store
from engine.store.jobs import runs_on
from engine.worker.devices import plan_slots
from engine.worker.job import NOTHING_AHEAD
from engine.worker.lock import WorkerLock
from engine.worker.log import log

IDLE_EXIT_SECONDS = 3.0  # an empty queue for this long ends the worker
POLL_SECONDS = 0.5  # the longest the worker sleeps between looks at the queue


def make_slots(store, plans, runner_factory, stopping, wake, cluster=None, processes=None, remote=None, slots=None):
    """The slots for these plans: a Ray actor each on a cluster; else a child process each when there are
    several (or `processes` asks for them), else one slot in this process."""
    from engine.worker.slots import ProcessSlot, ThreadSlot

    if cluster:
        from engine.worker.cluster import cluster_slots

        return cluster_slots(store, cluster, slots, stopping, wake, **(remote or {}))
    if processes is None:
        processes = len(plans) > 1
    if processes:
        return [ProcessSlot(plan, store.path, runner_factory, wake) for plan in plans]
    return [ThreadSlot(plan.index, store, runner_factory, stopping, wake) for plan in plans]


def serve(
    store_path: Path | str,
    runner_factory=None,
    idle_exit: float = IDLE_EXIT_SECONDS,
    stopping: threading.Event | None = None,
    hand_over=None,
    slots: int | None = None,
    cluster: str | None = None,
    processes: bool | None = None,
    remote: dict | None = None,
) -> int:
    """Drain the queue while holding the lock; 0 when the queue stayed empty, 3 when another worker has it,
    1 when the store failed. `runner_factory(store)` makes each slot's Runner (tests pass one with a fake
    trainer; a picklable one for process slots; `remote` the cluster slots' trainer_factory and loader). A
    worker runs one Keras backend: when the next job asks
    for another, it waits for its slots to finish, lets go of the lock and `hand_over(store_path, backend)`
    starts a worker on that one (tests pass a recorder)."""
    store_path = Path(store_path)
    lock = WorkerLock(store_path)
    if not lock.acquire():
        return 3
    if hand_over is None:
        from engine.worker.client import ensure_worker

        hand_over = partial(ensure_worker, slots=slots, cluster=cluster, wait=False)
    stopping = stopping or threading.Event()
    halt = threading.Event()  # set once this worker stops: what its slots still train is cancelled
    wake = threading.Event()
    store = Store(store_path)
    pool: list = []
    try:
        plans = [] if cluster else plan_slots(slots)
        pool = make_slots(store, plans, runner_factory, halt, wake, cluster, processes, remote, slots)
        for slot in pool:
            log(slot.describe())
        return _drain(store, store_path, lock, pool, stopping, wake, idle_exit, hand_over)
    finally:
        halt.set()  # a job still training in a slot is cancelled, keeping its epochs
        for slot in pool:
            slot.close()
        lock.release()
        store.close()


def _drain(store, store_path, lock, pool, stopping, wake, idle_exit, hand_over) -> int:
    if recovered := store.jobs.recover_orphans():
        log(f"{recovered} job(s) of a worker that stopped marked interrupted")
    backend = requested_backend()
    expected: dict[int, str | None] = {}  # slot -> the network of the job it should take next
    idle_since = time.monotonic()
    while not stopping.is_set():
        wake.clear()
        for slot in pool:
            while (report := slot.reap()) is not None:
                if report.outcome == "store_failed":
                    log(f"the store failed, stopping: {report.message}")
                    return 1
                if report.outcome == "died" and _still_running(store, report.job_id):
                    store.jobs.finish(report.job_id, JobStatus.FAILED, report.message)
                    log(f"job {report.job_id}: {report.message}")
        free = next((s for s in pool if s.job is None), None)
        busy = any(s.job is not None for s in pool)
        taken = _taken_programs(pool, free, expected)
        if free is not None and (job := store.jobs.claim_next(backend, free.index, taken)) is not None:
            log(f"job {job.job_id}: {job.preset} ({job.name}) on slot {free.index}")
            mates = _stack_mates(store, free, job)
            nxt = store.jobs.next_for(backend, taken)
            expected[free.index] = program_key(nxt.spec_json) if nxt is not None else None
            ahead = nxt.job_id if nxt is not None else NOTHING_AHEAD
            if mates:
                stacked = ", ".join(str(m.job_id) for m in mates)
                log(f"jobs {stacked}: stacked with job {job.job_id} on slot {free.index}")
                free.start_group([job, *mates], ahead)
            else:
                free.start(job, ahead)
            idle_since = time.monotonic()
            continue
        head = store.jobs.head()
        if head is not None and not runs_on(head.backend, backend):
            if busy:  # jobs run in queue order: the other backend's job waits for these to end
                wake.wait(POLL_SECONDS)
                continue
            log(f"job {head.job_id} asks for {head.backend}: handing the queue to a worker on it")
            lock.release()
            hand_over(store_path, head.backend)
            return 0
        if busy or head is not None:
            idle_since = time.monotonic()
            wake.wait(POLL_SECONDS)
            continue
        if time.monotonic() - idle_since < idle_exit:
            wake.wait(POLL_SECONDS)
            continue
        lock.release()
        # a job added while we decided to stop: take it if no new worker has taken the lock
        if store.jobs.head() is not None and lock.acquire():
            idle_since = time.monotonic()
            continue
        return 0
    return 0


def _taken_programs(pool, free, expected: dict) -> frozenset[str]:
    """The networks the other slots have: the ones they train and the ones they compile ahead for their
    next job. A free slot takes a job of another network first (claim_next), so each network's repeats
    stay on the slot that has it compiled and no two slots compile one network; with only those left,
    it takes the head."""
    others = [s for s in pool if s is not free and s.job is not None]
    taken = {program_key(s.job.spec_json) for s in others}
    taken |= {expected[s.index] for s in others if expected.get(s.index) is not None}
    return frozenset(taken)


def _still_running(store, job_id: int) -> bool:
    """A job a dead slot leaves is failed only while it still reads running (a stacked group's jobs may have
    ended on their own rows before the slot's process died)."""
    job = store.jobs.get(job_id)
    return job is not None and job.state == JobStatus.RUNNING


def _stack_mates(store, slot, job) -> list:
    """The job's waiting stack mates, claimed for the slot when it trains groups (engine/worker/stack_jobs.py:
    seeds of one network as one stacked program, when stacking is on); none otherwise."""
    if not getattr(slot, "trains_groups", False):
        return []
    from engine.worker.stack_jobs import claim_mates

    return claim_mates(store, job, slot.index)


def _handle_signals(stopping: threading.Event) -> None:
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # never tied to a terminal, but be sure
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())


def _lower_priority() -> None:
    """The worker is background work beside an interface: at a lower CPU priority (inherited by every
    thread TensorFlow and XLA start, and by its slots' processes), a key press in a TUI on the same machine
    preempts the math, while an idle interface costs the training nothing."""
    from engine.backend import BACKGROUND_NICE

    try:
        os.setpriority(os.PRIO_PROCESS, 0, max(os.getpriority(os.PRIO_PROCESS, 0), BACKGROUND_NICE))
    except (AttributeError, OSError):  # not Linux, or not allowed: run at normal priority
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.worker", description="drain an mnist-tui store's queue")
    parser.add_argument("--store", required=True)
    parser.add_argument("--slots", type=int, help="runs at once (default: one per visible GPU, 1 without)")
    parser.add_argument("--cluster", help="a Ray cluster's address (or auto): slots become Ray actors on its nodes")
    args = parser.parse_args(argv)
    on = f", on the Ray cluster {args.cluster}" if args.cluster else ""
    log(f"started for {args.store} (slots: {args.slots or 'default'}{on})")
    _lower_priority()
    if not args.cluster:
        plans = plan_slots(args.slots)
        if len(plans) == 1:  # the one slot trains in this process: its device settings are this process's
            os.environ.update(plans[0].env())
    stopping = threading.Event()
    _handle_signals(stopping)
    try:
        code = serve(Path(args.store), stopping=stopping, slots=args.slots, cluster=args.cluster)
    except MnistTuiError as exc:
        log(f"cannot run: {exc}")
        return 1
    log(f"exiting ({code})")
    return code


if __name__ == "__main__":
    sys.exit(main())
