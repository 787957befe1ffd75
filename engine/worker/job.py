"""One job of the queue, run in a slot: the job's row mirrors its progress (phase, then its run id), its
cancel flag and the worker's stop are watched, and how it ended goes back on the row."""

from __future__ import annotations

import threading

from engine.errors import MnistTuiError, StoreError, one_line
from engine.events import Event, Phase, Started
from engine.run_request import RunRequest
from engine.status import JobStatus, RunStatus
from engine.store import JobRecord, Store
from engine.watchers import job_cancel_watch


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


def request_of(job: JobRecord) -> RunRequest:
    """The job as the request it was queued from (the inverse of `enqueue`)."""
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
        sweep_id=job.sweep_id,
    )


def next_request(store: Store) -> RunRequest | None:
    """The job the queue runs next, as a request (None when the queue is empty or the job unreadable)."""
    head = store.jobs.head()
    return request_of(head) if head is not None and head.spec is not None else None


NOTHING_AHEAD = 0  # no job has this id: the worker expects this slot to take nothing it could compile ahead


def expected_request(store: Store, expected: int | None) -> RunRequest | None:
    """What a slot compiles ahead while its job trains: the job the worker expects it to take next (chosen
    when this one started, by the rule that hands out jobs, so two slots do not both warm the head of
    the queue), while that job still waits; with no such job named, the head of the queue."""
    if expected is None:
        return next_request(store)
    if expected == NOTHING_AHEAD:
        return None
    job = store.jobs.get(expected)
    return request_of(job) if job is not None and job.state == JobStatus.QUEUED and job.spec is not None else None


def job_state(run_status: RunStatus) -> JobStatus:
    """How a job ends, from how its run ended (a run cut off by a lost node or a dead slot: interrupted)."""
    ends = {RunStatus.COMPLETED: JobStatus.COMPLETED, RunStatus.CANCELLED: JobStatus.CANCELLED}
    ends[RunStatus.INTERRUPTED] = JobStatus.INTERRUPTED
    return ends.get(run_status, JobStatus.FAILED)


def run_jobs(store: Store, runner, jobs: list[JobRecord], stopping: threading.Event, expected: int | None) -> None:
    """What a slot does with what it was given: one job (compiling `expected` ahead meanwhile), or a repeat
    group's jobs as one stacked program (engine/worker/stack_jobs.py), each ending on its own row."""
    if len(jobs) > 1:
        from engine.worker.stack_jobs import run_job_group

        run_job_group(store, runner, jobs, stopping)
    else:
        run_job(store, runner, jobs[0], stopping, expected)


def run_job(store: Store, runner, job: JobRecord, stopping: threading.Event, expected: int | None = None) -> None:
    """Train the job through `runner` (an engine.runner.Runner) and record how it ended. A failing store
    raises StoreError (the slot cannot go on); a bug is recorded on the job and raised for the log.
    `expected`: the job this slot should take next, compiled meanwhile (expected_request)."""
    cancel = threading.Event()
    if stopping.is_set():
        cancel.set()
    try:
        with job_cancel_watch(store, job.job_id, cancel, stopping):
            then = lambda: expected_request(store, expected)  # noqa: E731
            result = runner.run(request_of(job), JobListener(store, job), cancel, then)
    except StoreError:
        raise
    except MnistTuiError as exc:  # no data, a spec this version cannot read: the reason goes on the job
        store.jobs.finish(job.job_id, JobStatus.FAILED, one_line(exc))
        return
    except Exception as exc:
        store.jobs.finish(job.job_id, JobStatus.FAILED, one_line(f"{exc.__class__.__name__}: {exc}"))
        raise
    state = job_state(result.status)
    error = result.error or (None if state != JobStatus.FAILED else result.status)
    store.jobs.finish(job.job_id, state, error, run_id=result.run_id)
