"""Test doubles for the TUI: a trainer that emits the engine's real event sequence on a timer (no Keras),
an in-memory data loader, and a clock the tests set by hand."""

from __future__ import annotations

import asyncio
import threading
import time

import numpy as np

from engine.data import Splits
from engine.errors import DataError
from engine.events import EpochEnd, Finished, Phase, Progress, Started
from engine.spec import NetworkSpec


def curve(epoch: int) -> dict:
    """Deterministic metrics that improve by epoch, so charts and snapshots are stable."""
    return dict(
        loss=1.0 / epoch,
        accuracy=1 - 0.4 / epoch,
        val_loss=1.1 / epoch + 0.05,
        val_accuracy=1 - 0.45 / epoch - 0.02,
    )


class FakeTrainer:
    """Emits Phase, Started, (Progress x steps, EpochEnd) per epoch, Finished, like KerasTrainer.

    step_seconds: wait per step (0: as fast as possible); it waits on the cancel event, so a stop is seen
    at once. hold_after: stop after that epoch until `release` is set (or the run is cancelled), so a test
    can look at the screen mid-run. diverge_at: end as 'diverged' when that epoch's loss would be NaN.
    fail_after: after that epoch raise `error` (an exception: a crash or Ctrl+C inside fit) or, given a
    message, end the run as failed with it.
    """

    def __init__(
        self,
        steps: int = 4,
        step_seconds: float = 0.0,
        hold_after: int | None = None,
        diverge_at: int | None = None,
        fail_after: int | None = None,
        error: BaseException | str | None = None,
    ) -> None:
        self.steps, self.step_seconds, self.hold_after, self.diverge_at = steps, step_seconds, hold_after, diverge_at
        self.fail_after, self.error = fail_after, error
        self.release = threading.Event()
        self.holding = threading.Event()
        self.prepared = False
        self.trained: list[str] = []
        self.next_seen: list[str | None] = []  # what the queue said comes next, asked after each run's epoch 1

    def prepare(self, emit) -> None:
        self.prepared = True
        emit(Phase("loading TensorFlow"))
        emit(Phase("Keras ready on fake"))

    def train(self, spec: NetworkSpec, splits: Splits, emit, cancel: threading.Event, next_up=None) -> Finished:
        self.trained.append(spec.name)
        emit(Phase("building model"))
        emit(
            Started(
                None,
                spec.epochs,
                self.steps,
                len(splits.x_train),
                len(splits.x_val),
                len(splits.x_test),
                backend="fake",
                device="Test Device",
            )
        )
        done = 0
        for epoch in range(1, spec.epochs + 1):
            if epoch == self.diverge_at:
                return Finished(None, "diverged", done, error="loss became NaN or infinite")
            for step in range(1, self.steps + 1):
                if self.step_seconds:
                    cancel.wait(self.step_seconds)
                if cancel.is_set():
                    return Finished(None, "cancelled", done, **self._final(done))
                emit(Progress(epoch, step, self.steps, loss=curve(epoch)["loss"]))
            emit(EpochEnd(epoch, **curve(epoch), seconds=1.0, gradients=[1e-6 * epoch, 1e-3]))
            done = epoch
            if epoch == 1:
                upcoming = next_up() if next_up is not None else None
                self.next_seen.append(upcoming.name if upcoming else None)
            if epoch == self.fail_after:
                if isinstance(self.error, BaseException):
                    raise self.error
                return Finished(None, "failed", done, error=self.error)
            if epoch == self.hold_after:
                self.holding.set()
                while not (self.release.is_set() or cancel.wait(0.01)):
                    pass
        return Finished(None, "completed", done, **self._final(done), seconds_per_epoch=1.0, first_epoch_seconds=1.0)

    @staticmethod
    def _final(done: int) -> dict:
        if not done:
            return {}
        c = curve(done)
        return dict(
            train_accuracy=c["accuracy"],
            val_accuracy=c["val_accuracy"],
            test_accuracy=c["val_accuracy"],
            train_loss=c["loss"],
            val_loss=c["val_loss"],
            test_loss=c["val_loss"],
        )


def fake_loader(path=None, validation_fraction: float = 1 / 6, subset: int | None = None) -> Splits:
    x, y = np.zeros((12, 784), np.float32), np.eye(10, dtype=np.float32)[np.arange(12) % 10]
    return Splits(x[:10], y[:10], x[10:], y[10:], x, y, source="fake")


def no_data_loader(path=None, validation_fraction: float = 1 / 6, subset: int | None = None) -> Splits:
    raise DataError(
        "MNIST is not cached at /nowhere/mnist.npz and the Keras download failed (URLError); "
        "pass --data PATH or set MNIST_TUI_DATA to an mnist.npz or IDX folder"
    )


def app_without_worker(store):
    """The real app over `store` with no training worker: the test writes the store as a training process
    would, and the screens follow it through the app's one path (its `live` snapshot)."""
    from tui.app import make_app

    return make_app(store, spawn_worker=lambda path: None, clock=FrozenClock())


def sweep_host(store, sweep_id: int | None = None):
    """The sweep screen alone in an app with no worker: a sweep's queued jobs stay queued, so what it shows
    is the store's (the newest sweep unless `sweep_id` names one)."""
    from textual.app import App

    from tui.screens.sweep import SweepScreen

    class Host(App):  # the name the snapshots were taken with (their title)
        def on_mount(self) -> None:
            self.push_screen(SweepScreen(store, sweep_id))

    app = Host()
    app.store = store
    return app


class FrozenClock:
    """time.monotonic stand-in: stays put until a test moves it."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def until(pilot, condition, timeout: float = 10.0, what: str = "condition") -> None:
    """Let the app run until condition() holds (the worker thread posts messages meanwhile)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


async def held(trainer: FakeTrainer, timeout: float = 20.0) -> None:
    """Wait, without blocking the app, until the trainer holds after its `hold_after` epoch."""
    if not await asyncio.to_thread(trainer.holding.wait, timeout):
        raise AssertionError(f"the trainer never held after epoch {trainer.hold_after}")


def text_of(widget) -> str:
    """The plain text a Static (or any widget) currently renders."""
    return str(widget.render())


class FakeWorker:
    """The app's worker spawner for tests: instead of a detached process, a thread runs the real worker
    loop (engine.worker.serve: the lock, the queue, live rows, cancel flags) with a fake trainer and loader.
    Call stop() at the end: it cancels what runs and waits for the threads."""

    def __init__(self, trainer=None, loader=None, idle_exit: float = 0.3, slots: int | None = None) -> None:
        self.slots = slots  # several: that many slots, each a thread of the worker (the fake needs no device)
        self.trainer = trainer or FakeTrainer()
        self.loader = loader or fake_loader
        self.idle_exit = idle_exit
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.spawned = 0

    def runner(self, store):
        from engine.runner import Runner

        return Runner(store, self.trainer, self.loader)

    def spawn(self, store_path) -> bool:
        from engine.worker.process import serve

        self.spawned += 1
        thread = threading.Thread(
            target=serve,
            args=(store_path,),
            kwargs=dict(
                runner_factory=self.runner,
                idle_exit=self.idle_exit,
                stopping=self.stopping,
                slots=self.slots,
                processes=False,
            ),
            daemon=True,
            name=f"fake-worker-{self.spawned}",
        )
        self.threads.append(thread)
        thread.start()
        return True

    def stop(self) -> None:
        self.stopping.set()
        self.trainer.release.set() if hasattr(self.trainer, "release") else None
        for thread in self.threads:
            thread.join(10)


class Note:
    """One toast the app showed: what a test can read without Textual's private notification list."""

    def __init__(self, message, title: str = "", severity: str = "information") -> None:
        self.message, self.title, self.severity = str(message), title, severity


def record_notifications(app) -> list[Note]:
    """From now on every app.notify (screens and widgets call it too) is also kept in the returned list."""
    notes: list[Note] = []
    real = app.notify

    def notify(message, *, title: str = "", severity: str = "information", **kwargs):
        notes.append(Note(message, title, severity))
        return real(message, title=title, severity=severity, **kwargs)

    app.notify = notify
    return notes


class RendezvousTrainer(FakeTrainer):
    """A FakeTrainer whose runs meet: each waits, once started, until `parties` runs have started (in any
    process: each start leaves a file in MNIST_TUI_TEST_RENDEZVOUS) and fails its run if they never do. Runs
    that trained one after another can never meet."""

    def __init__(self, parties: int = 2, timeout: float = 30, **kwargs) -> None:
        super().__init__(**kwargs)
        self.parties, self.timeout = parties, timeout

    def train(self, spec, splits, emit, cancel, next_up=None):
        import os
        from pathlib import Path

        folder = Path(os.environ["MNIST_TUI_TEST_RENDEZVOUS"])
        mine = folder / f"{os.getpid()}-{threading.get_ident()}-{spec.name}"
        mine.touch()
        deadline = time.monotonic() + self.timeout
        while len([f for f in folder.iterdir() if not f.name.startswith("done-")]) < self.parties:
            if time.monotonic() > deadline:
                mine.rename(folder / f"done-{mine.name}")
                return Finished(None, "failed", 0, error="ran alone: no other run started beside it")
            time.sleep(0.02)
        result = super().train(spec, splits, emit, cancel, next_up)
        time.sleep(0.1)  # the other run has seen this one before it leaves
        mine.rename(folder / f"done-{mine.name}")
        return result


def rendezvous_runner(store):
    """A picklable runner factory for process slots: each slot's process makes its own."""
    from engine.runner import Runner

    return Runner(store, RendezvousTrainer(), fake_loader)


class DyingTrainer(FakeTrainer):
    """Kills its own process with SIGKILL after the first epoch of a spec named 'Part One, small'."""

    def train(self, spec, splits, emit, cancel, next_up=None):
        import os
        import signal

        if spec.name != "Part One, small":
            return super().train(spec, splits, emit, cancel, next_up)
        self.hold_after = 1

        def die(ev):
            emit(ev)
            if isinstance(ev, EpochEnd):
                os.kill(os.getpid(), signal.SIGKILL)

        return super().train(spec, splits, die, cancel, next_up)


def dying_runner(store):
    from engine.runner import Runner

    return Runner(store, DyingTrainer(), fake_loader)


def fake_runner(store):
    """A picklable runner factory with a plain FakeTrainer, for process slots."""
    from engine.runner import Runner

    return Runner(store, FakeTrainer(), fake_loader)


def fake_raw(source=None):
    """engine.data.load_raw's stand-in: 12 blank digits (10 to train and validate on, 2 to test)."""
    from engine.data import RawMnist

    x, y = np.zeros((12, 28, 28), np.uint8), (np.arange(12) % 10).astype(np.uint8)
    return RawMnist(x[:10], y[:10], x[10:], y[10:], source="fake")


def quick_trainer():
    """A picklable trainer factory for Ray actors: a FakeTrainer a little slower than instant."""
    return FakeTrainer(step_seconds=0.01)


def held_trainer():
    """A picklable trainer factory for Ray actors: trains one epoch, then holds until cancelled."""
    return FakeTrainer(hold_after=1)


class WeightsTrainer(FakeTrainer):
    """A FakeTrainer that, like KerasTrainer, leaves the completed run's weights (zeros of the right shapes)."""

    def train(self, spec, splits, emit, cancel, next_up=None):
        result = super().train(spec, splits, emit, cancel, next_up)
        sizes = [784, *spec.hidden_layers, 10]
        weights = []
        for n, m in zip(sizes, sizes[1:], strict=False):
            weights += [np.zeros((n, m), np.float32), np.zeros(m, np.float32)]
        self.trained_weights = weights if result.status == "completed" else None
        return result


def weights_trainer():
    """A picklable trainer factory for Ray actors whose completed runs leave weights to keep."""
    return WeightsTrainer()
