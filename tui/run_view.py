"""What the screens show about the current (or last) run, rebuilt from the worker's messages."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.events import EpochEnd, Finished, Progress, Started
from engine.runner import RunRequest
from tui.format import duration, pct


@dataclass
class RunView:
    request: RunRequest
    phase: str = "waiting to start"
    phases: list[str] = field(default_factory=list)  # every set-up step so far, in order
    started: Started | None = None
    started_at: float | None = None  # app clock at Started: elapsed and ETA count from here
    history: list[EpochEnd] = field(default_factory=list)
    progress: Progress | None = None
    finished: Finished | None = None
    error: str | None = None  # the run never started (no data...): nothing stored

    @property
    def active(self) -> bool:
        return self.finished is None and self.error is None

    @property
    def total_epochs(self) -> int:
        return self.started.epochs if self.started else self.request.spec.epochs

    @property
    def epoch_now(self) -> int:
        """The epoch being trained (1-based); once the run ends, the epochs it completed."""
        if not self.active:
            return len(self.history)
        return min(len(self.history) + 1, self.total_epochs)

    def epoch_fraction(self) -> float:
        """How far into the current epoch (0-1) the latest progress reached."""
        p = self.progress
        if p is None or p.epoch <= len(self.history) or not p.steps:
            return 0.0
        return min(1.0, p.step / p.steps)

    def fraction_done(self) -> float:
        return min(1.0, (len(self.history) + self.epoch_fraction()) / max(1, self.total_epochs))

    def elapsed(self, now: float) -> float | None:
        return None if self.started_at is None else max(0.0, now - self.started_at)

    def eta(self, now: float) -> float | None:
        elapsed, done = self.elapsed(now), self.fraction_done()
        if elapsed is None or done <= 0 or not self.active:
            return None
        return elapsed / done - elapsed

    def clock_text(self, now: float) -> str:
        elapsed = self.elapsed(now)
        if elapsed is None:
            return ""
        eta = self.eta(now)
        return f"elapsed {duration(elapsed)}" + (f" · ETA {duration(eta)}" if eta is not None else "")

    def result_text(self) -> str:
        """One line for a run that ended: its accuracies, or why it failed."""
        if self.error:
            return f"could not start: {self.error}"
        r = self.finished
        if r is None:
            return ""
        if r.run_id is None:  # stopped while loading: the runner never wrote a run row
            return f"{r.status} before training began (nothing stored)"
        text = f"run {r.run_id} {r.status} after {r.epochs_completed} epoch{'s' * (r.epochs_completed != 1)}"
        if r.test_accuracy is not None:
            text += f": train {pct(r.train_accuracy)} · validation {pct(r.val_accuracy)} · test {pct(r.test_accuracy)}"
        if r.seconds_per_epoch:
            text += f" · {r.seconds_per_epoch:.2f} s/epoch"
        if r.error:
            text += f" ({r.error})"
        return text

    def summary(self) -> str:
        """The one-line status Home shows."""
        name = self.request.preset
        if not self.active:
            return f"{name}: {self.result_text()}"
        if self.started is None:
            return f"{name}: {self.phase}…"
        return f"{name}: Epoch {self.epoch_now}/{self.total_epochs} · {self.step_text()}"

    def step_text(self) -> str:
        """Where in the run we are: a share of the epoch, or a phase like 'evaluating' after the last one."""
        if self.active and self.phase != "training":
            return f"{self.phase}…"
        return f"{self.epoch_fraction():.0%} of epoch"
