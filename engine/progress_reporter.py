"""The writer of a running run's progress row (phase, batch, elapsed, ETA, CPU, memory, GPUs; a few writes
a second at most), so other processes see the run as it trains. Its partner, engine/watchers.py, beats the
run's heartbeat and turns a cancel flag set by any process into the trainer's cancel Event."""

from __future__ import annotations

import time
from collections.abc import Callable

from engine.errors import MnistTuiError
from engine.events import EpochEnd, Event, Finished, Phase, Progress, Started
from engine.resources import ResourceSampler
from engine.store import HOST, ProgressRow, Store

PROGRESS_ROW_INTERVAL = 0.3  # seconds between progress-row writes (epoch ends and phase changes are written at once)


class EtaClock:
    """Elapsed time and an ETA that does not count compiling. Within an epoch the rate is measured from the
    epoch's first progress report (the first block is where tracing and XLA compiling happen); once epochs
    have ended, the steady ones (after the first) give the pace. The first epoch never does: it holds
    the compiling, so after it alone the current epoch's rate gives the pace."""

    def __init__(self, epochs: int, now: Callable[[], float] = time.monotonic):
        self.epochs, self.now = epochs, now
        self.started = now()
        self.epoch_seconds: list[float] = []
        self._mark: tuple[int, float, int] | None = None  # (epoch, time, step) of the epoch's first report

    def elapsed(self) -> float:
        return self.now() - self.started

    def epoch_ended(self, seconds: float) -> None:
        self.epoch_seconds.append(seconds)
        self._mark = None

    def eta(self, epoch: int, step: int, steps: int) -> float | None:
        t = self.now()
        if self._mark is None or self._mark[0] != epoch:
            self._mark = (epoch, t, step)
        steady = self.epoch_seconds[1:]  # never the first: it compiled (0:46 left shown when 3 s were)
        remaining_epochs = max(0, self.epochs - epoch)
        _, t0, s0 = self._mark
        rate = (step - s0) / (t - t0) if t > t0 and step > s0 else None  # steps per second, this epoch
        if rate:
            this_epoch = (steps - step) / rate
            per_epoch = sum(steady) / len(steady) if steady else steps / rate
        elif steady:
            per_epoch = sum(steady) / len(steady)
            this_epoch = per_epoch * (1 - step / steps) if steps else per_epoch
        else:
            return None  # nothing measured yet (still compiling the first block)
        return this_epoch + remaining_epochs * per_epoch


class ProgressReporter:
    """A runner listener that mirrors events into the run's progress row. Store errors are swallowed
    here: the progress row is a courtesy; the epochs' own writes report a failing disk."""

    def __init__(self, store: Store, sampler: ResourceSampler | None = None, slot: int | None = None):
        self.store = store
        self.slot = slot
        self.device: str | None = None
        self.sampler = sampler or ResourceSampler()
        self.run_id: int | None = None
        self.clock: EtaClock | None = None
        self.row: dict = {}
        self.last_write = 0.0

    def __call__(self, ev: Event) -> None:
        if isinstance(ev, Started):
            self.run_id = ev.run_id
            self.device = ev.device
            self.clock = EtaClock(ev.epochs)
            self.row = dict(phase="training", epoch=1, epochs=ev.epochs, step=0, steps=ev.steps_per_epoch)
            self._write(force=True)
        elif self.run_id is None or self.clock is None:
            return
        elif isinstance(ev, Progress):
            self.row.update(phase="training", epoch=ev.epoch, step=ev.step, steps=ev.steps, loss=ev.loss)
            self.row["accuracy"] = ev.accuracy
            self.row["eta"] = self.clock.eta(ev.epoch, ev.step, ev.steps)
            self._write()
        elif isinstance(ev, EpochEnd):
            self.clock.epoch_ended(ev.seconds)
            done = ev.epoch >= self.clock.epochs
            self.row.update(epoch=min(ev.epoch + 1, self.clock.epochs), step=self.row["steps"] if done else 0)
            steady = self.clock.epoch_seconds[1:]  # after epoch 1 only a compiling epoch: wait for a pace
            self.row["eta"] = (self.clock.epochs - ev.epoch) * sum(steady) / len(steady) if steady else None
            self._write(force=True)
        elif isinstance(ev, Phase):
            self.row["phase"] = ev.message
            self._write(force=True)
        elif isinstance(ev, Finished):
            self.sampler.close()

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last_write < PROGRESS_ROW_INTERVAL:
            return
        self.last_write = now
        cpu, rss, gpus = self.sampler.sample()
        row = ProgressRow(
            run_id=self.run_id,
            phase=self.row.get("phase"),
            epoch=self.row.get("epoch"),
            epochs=self.row.get("epochs"),
            step=self.row.get("step"),
            steps=self.row.get("steps"),
            loss=self.row.get("loss"),
            accuracy=self.row.get("accuracy"),
            elapsed=self.clock.elapsed() if self.clock else None,
            eta=self.row.get("eta"),
            cpu_percent=cpu,
            rss_bytes=rss,
            gpus=gpus,
            updated_at=time.time(),
            slot=self.slot,
            host=HOST,
            device=self.device,
        )
        try:
            self.store.progress.update(row)
        except MnistTuiError:
            pass
