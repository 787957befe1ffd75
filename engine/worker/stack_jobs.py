"""Seeds of one network waiting in the queue, trained together: when stacking is on (engine/stacked.py), the
worker's in-process slot claims a job together with the waiting jobs of its repeat group (`train --repeats`
queued, a sweep point's seeds) that can share its compiled program, and trains them as one stacked run.

Each job stays its own: its own run row, its own phase and run id on its row, its own cancel (that network
alone stops at the next epoch's end, evaluated on its weights then, while the others train on), its own
end state. A worker asked to stop cancels them all, as it cancels a single job.
"""

from __future__ import annotations

import threading
from contextlib import ExitStack

from engine.errors import MnistTuiError, StoreError, one_line
from engine.stacked import MAX_STACK, stack_key, stacking_enabled
from engine.status import JobStatus
from engine.store import JobRecord, Store
from engine.watchers import job_cancel_watch
from engine.worker.job import JobListener, job_state, request_of


def stack_mates(job: JobRecord, waiting: list[JobRecord], limit: int = MAX_STACK) -> list[JobRecord]:
    """The waiting jobs that can train in one program with `job`, in queue order: its repeat group's, of the
    same shape, epochs, data and backend; none when stacking is off or the job is in no group."""
    if job.repeat_group is None or job.spec is None or not stacking_enabled(job.spec):
        return []
    key = stack_key(request_of(job))
    mates = []
    for other in waiting:
        if len(mates) + 1 >= limit:
            break
        if (
            other.job_id != job.job_id
            and other.repeat_group == job.repeat_group
            and other.backend == job.backend
            and other.spec is not None
            and stack_key(request_of(other)) == key
        ):
            mates.append(other)
    return mates


def claim_mates(store: Store, job: JobRecord, slot: int | None) -> list[JobRecord]:
    """Claim stack_mates(job) for the slot that has `job`; a mate another worker took meanwhile is left out."""
    claimed = (store.jobs.claim(mate.job_id, slot) for mate in stack_mates(job, store.jobs.waiting()))
    return [mate for mate in claimed if mate is not None]


def run_job_group(store: Store, runner, jobs: list[JobRecord], stopping: threading.Event) -> None:
    """engine/worker/job.py's run_job for a group: one stacked run through `runner` (an engine.runner.Runner),
    each job's end recorded on its own row."""
    cancels = [threading.Event() for _ in jobs]
    if stopping.is_set():
        for cancel in cancels:
            cancel.set()
    try:
        with ExitStack() as watches:
            for job, cancel in zip(jobs, cancels, strict=True):
                watches.enter_context(job_cancel_watch(store, job.job_id, cancel, stopping))
            requests = [request_of(job) for job in jobs]
            listeners = [JobListener(store, job) for job in jobs]
            results = runner.run_stacked(requests, listeners, cancels=cancels)
    except StoreError:
        raise
    except MnistTuiError as exc:  # no data, a spec this version cannot read: the reason goes on every job
        for job in jobs:
            store.jobs.finish(job.job_id, JobStatus.FAILED, one_line(exc))
        return
    except Exception as exc:
        for job in jobs:
            store.jobs.finish(job.job_id, JobStatus.FAILED, one_line(f"{exc.__class__.__name__}: {exc}"))
        raise
    for job, result in zip(jobs, results, strict=True):
        state = job_state(result.status)
        error = result.error or (None if state != JobStatus.FAILED else result.status)
        store.jobs.finish(job.job_id, state, error, run_id=result.run_id)
