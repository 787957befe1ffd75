"""What the screens show about one run being followed, read from the store: its job (queued, or loading
before the run row exists), its run row with the committed epochs, and its live row (batch, ETA,
resources). The TUI never hears from the training process directly; every fact here was read from the
store, so any TUI, started anywhere and at any time, shows the same."""

from __future__ import annotations

import time
from dataclasses import dataclass

from engine.percent import pct
from engine.spec import NetworkSpec
from engine.status import ENDED_JOB, JobStatus, RunStatus
from engine.store import EpochRow, JobRecord, ProgressRow, RunRecord
from tui.format import duration

STARTING = "starting"  # a view's status while its job loads, before the run row exists (not stored)


@dataclass
class RunView:
    job: JobRecord | None = None
    run: RunRecord | None = None
    live: ProgressRow | None = None

    # -- identity ---------------------------------------------------------------------------------------
    @property
    def key(self) -> tuple[str, int]:
        """What this view follows: a run once one exists, else the job that will make it."""
        if self.run is not None:
            return ("run", self.run.run_id)
        assert self.job is not None
        return ("job", self.job.job_id)

    @property
    def run_id(self) -> int | None:
        return self.run.run_id if self.run else (self.job.run_id if self.job else None)

    @property
    def preset(self) -> str:
        return self.run.preset if self.run else self.job.preset if self.job else "?"

    @property
    def name(self) -> str:
        return self.run.name if self.run else self.job.name if self.job else "?"

    @property
    def spec(self) -> NetworkSpec | None:
        if self.run and self.run.spec:
            return self.run.spec
        return self.job.spec if self.job else None

    # -- state ------------------------------------------------------------------------------------------
    @property
    def status(self) -> str:
        """queued, starting (loading before the run row: STARTING), running, or how the run or job ended."""
        if self.run is not None:
            return self.run.status
        if self.job is None:
            return "?"
        return STARTING if self.job.state == JobStatus.RUNNING else self.job.state

    @property
    def active(self) -> bool:
        return self.status in (JobStatus.QUEUED, STARTING, RunStatus.RUNNING)

    @property
    def started(self) -> bool:
        return self.run is not None

    @property
    def history(self) -> list[EpochRow]:
        return self.run.history if self.run else []

    @property
    def total_epochs(self) -> int:
        if self.live and self.live.epochs:
            return self.live.epochs
        spec = self.spec
        return spec.epochs if spec else max(1, len(self.history))

    @property
    def phase(self) -> str:
        if self.live and self.live.phase and self.status == RunStatus.RUNNING:
            return self.live.phase
        if self.job and self.job.phase and self.status == STARTING:
            return self.job.phase
        return self.status

    @property
    def epoch_now(self) -> int:
        """The epoch being trained (1-based); once the run ends, the epochs it completed."""
        if not self.active or (self.started and self.history and self.phase != "training"):
            return len(self.history)  # ended, or evaluating the last finished epoch's weights (a cancel's too)
        return min(len(self.history) + 1, self.total_epochs)

    def epoch_fraction(self) -> float:
        """How far into the current epoch (0-1) the live row says training has reached."""
        lv = self.live
        if not self.active or lv is None or not lv.steps or (lv.epoch or 0) <= len(self.history):
            return 0.0
        return min(1.0, (lv.step or 0) / lv.steps)

    def run_fraction(self) -> float:
        """How far into the whole run (0-1): the epochs done of those planned, plus the current one's share."""
        if self.status == RunStatus.COMPLETED:
            return 1.0
        return min(1.0, (len(self.history) + self.epoch_fraction()) / max(1, self.total_epochs))

    def bar(self) -> tuple[int | None, int]:
        """(total, progress) for the bar: the whole run, in steps when the live row knows them (else in
        epochs), so it moves through every epoch instead of refilling per epoch. Full once every epoch is
        done; a cancelled or failed run keeps the share it had reached."""
        if not self.active or self.started:
            if self.status == RunStatus.COMPLETED or (self.started and len(self.history) >= self.total_epochs):
                return 1, 1
            lv = self.live
            steps = lv.steps if self.active and lv is not None and lv.steps else 1
            done = len(self.history) * steps + round(self.epoch_fraction() * steps)
            return self.total_epochs * steps, done
        return None, 0  # queued or loading: no progress to show yet

    # -- time -------------------------------------------------------------------------------------------
    def training_seconds(self) -> float | None:
        """How long the run trained, the clock the screens show: from the trainer's record (it stops where
        the evaluation starts), else the sum of its epochs."""
        if self.run is None:
            return None
        recorded = self.run.extra.get("training_seconds") if isinstance(self.run.extra, dict) else None
        if isinstance(recorded, int | float):
            return float(recorded)
        return sum(e.seconds or 0 for e in self.history) if self.history else None

    def clock_text(self) -> str:
        """Elapsed and ETA while training (the ETA leaves compiling out); once the epochs are done (evaluating)
        the clock stops at the training time, and the ended run says the same time."""
        if self.run is None:
            return ""
        if not self.active:
            seconds = self.training_seconds()
            return f"trained {duration(seconds)}" if seconds is not None else ""
        lv = self.live
        if lv is None or lv.elapsed is None:
            return ""
        if self.phase != "training":  # evaluating: the training is over, its clock stops
            return f"trained {duration(lv.elapsed)}"
        # the row is a few tenths of a second old at most while batches run, longer while compiling
        elapsed = lv.elapsed + max(0.0, time.time() - lv.updated_at)
        text = f"elapsed {duration(elapsed)}"
        if lv.eta is not None:
            text += f" · ETA {duration(lv.eta)}"
        return text

    # -- words ------------------------------------------------------------------------------------------
    def result_text(self) -> str:
        """One line for a run that ended: its accuracies, or why it failed."""
        if self.run is None:
            if self.job is not None and self.job.state in ENDED_JOB:
                why = f": {self.job.error}" if self.job.error else ""
                return f"{self.job.state} before training began (nothing stored){why}"
            return ""
        r = self.run
        n = r.epochs_completed
        text = f"run {r.run_id} {r.status} after {n} epoch{'s' * (n != 1)}"
        m = r.metrics
        if m.get("test_accuracy") is not None:
            text += (
                f": evaluated train {pct(m['train_accuracy'], '-')} · validation {pct(m['val_accuracy'], '-')}"
                f" · test {pct(m['test_accuracy'], '-')}"
            )
        if r.seconds_per_epoch:
            text += f" · {r.seconds_per_epoch:.2f} s/epoch"
        if r.error:
            text += f" ({r.error})"
        return text

    @property
    def slot(self) -> int | None:
        if self.run is not None and self.run.slot is not None:
            return self.run.slot
        return self.job.slot if self.job is not None else None

    def where(self) -> str:
        """Which slot trains it, on which device and host: 'slot 1 · GPU 1: NVIDIA H200 · node-3'."""
        parts = [] if self.slot is None else [f"slot {self.slot}"]
        run = self.run
        if run is not None and run.device:
            parts.append(run.device)
        host = run.host if run is not None else (self.job.worker_host if self.job else None)
        if host:
            parts.append(host)
        return " · ".join(parts)

    def summary(self) -> str:
        """The one-line status Home shows."""
        if not self.active:
            return f"{self.name}: {self.result_text()}"
        if not self.started:
            return f"{self.name}: {self.phase}…"
        return f"{self.name}: Epoch {self.epoch_now}/{self.total_epochs} · {self.step_text()}"

    def step_text(self) -> str:
        """Where in the run we are: the epoch's share and the run's, or a phase like 'evaluating' after the
        last epoch."""
        if self.active and self.phase != "training":
            return f"{self.phase}…"
        return f"{self.epoch_fraction():.0%} of epoch · {self.run_fraction():.0%} of run"
