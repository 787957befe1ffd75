"""Cancelling what trains now, and saying truly what each cancel will do. A run stopped partway ends as
`cancelled` with its finished epochs; a run that has trained every planned epoch is evaluating its final
model and completes (its training is done: nothing is thrown away); a job still loading (no run yet) ends
before training; a job whose run has just ended is left to its worker."""

from __future__ import annotations

from dataclasses import dataclass, field

STOPPING, FINISHING, ENDED = "stopping", "finishing", "ended"


@dataclass
class CancelReport:
    stopping: list[int] = field(default_factory=list)  # run ids that end as cancelled
    finishing: list[int] = field(default_factory=list)  # run ids evaluating after their last epoch: they complete
    loading: list[int] = field(default_factory=list)  # job ids cancelled before their run began
    ended: list[int] = field(default_factory=list)  # run ids that were no longer training

    @property
    def anything(self) -> bool:
        return bool(self.stopping or self.finishing or self.loading)


def cancel_training(store, run_ids: list[int] | None = None) -> CancelReport:
    """Cancel the given runs, or (None) every run training now and every job still loading."""
    report = CancelReport()
    if run_ids is None:
        running = store.running_runs()
        run_ids = [r.run_id for r in running]
        jobs = store.jobs.running()
        # a run row exists a moment before its job learns the run's id: such a job is that run, not loading
        claimed = {j.run_id for j in jobs if j.run_id is not None}
        unclaimed = [r.preset for r in running if r.run_id not in claimed]
        for job in jobs:
            if job.run_id is None and job.preset in unclaimed:
                unclaimed.remove(job.preset)
                store.jobs.cancel(job.job_id)  # its flag reaches the run too; the run is reported below
            elif job.run_id is None and store.jobs.cancel(job.job_id):
                report.loading.append(job.job_id)
            elif job.run_id is not None and job.run_id not in run_ids:
                report.ended.append(job.run_id)  # its run ended a moment ago; the worker is closing the job
    for run_id in run_ids:
        outcome = store.cancel_run(run_id)
        {STOPPING: report.stopping, FINISHING: report.finishing, ENDED: report.ended}[outcome].append(run_id)
    return report


def report_lines(report: CancelReport) -> list[str]:
    """What the cancel will do, one line per kind of outcome (none when nothing trains)."""
    lines = []
    if report.stopping:
        ids = ", ".join(map(str, report.stopping))
        lines.append(f"stopping run(s) {ids} after the current block (kept as cancelled with their finished epochs)")
    if report.finishing:
        ids = ", ".join(map(str, report.finishing))
        lines.append(
            f"run(s) {ids} trained every planned epoch and are evaluating: they complete (an evaluation is not cut)"
        )
    if report.loading:
        ids = ", ".join(map(str, report.loading))
        lines.append(f"job(s) {ids} cancelled while loading, before training (no run is stored)")
    return lines
