"""The states of a run and of a queued job, one name each. They are written to the store, the events and
`--json` as these strings: a StrEnum member is its string, so rows written before these enums existed read
back equal, and a reader checks a stored value by turning it into a member (a value no member has is a row
this version cannot read). A job ends as its run does (completed, cancelled, interrupted), or failed."""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    """In the order Compare's status filter cycles through them."""

    COMPLETED = "completed"  # every planned epoch trained and the final model evaluated
    RUNNING = "running"
    DIVERGED = "diverged"  # the loss blew up (NaN or past engine.trainer.DIVERGED_LOSS)
    FAILED = "failed"  # an error ended it (or no epoch was trained, so nothing could be evaluated)
    CANCELLED = "cancelled"  # stopped on request; the epochs before it stay and are evaluated
    INTERRUPTED = "interrupted"  # its process died (killed, machine lost): its committed epochs stay


class JobStatus(StrEnum):
    QUEUED = "queued"  # waiting for a free slot of the worker
    RUNNING = "running"  # claimed by a slot: loading, then training its run
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    FAILED = "failed"  # its run failed or diverged, or the job could not start
    INTERRUPTED = "interrupted"  # its worker died with it running


ENDED_JOB = frozenset({JobStatus.COMPLETED, JobStatus.CANCELLED, JobStatus.FAILED, JobStatus.INTERRUPTED})
