"""One run end to end: load data -> trainer -> store, passing every event on to a listener.

The CLI and the TUI are both listeners on this; neither repeats what the other does. Runs in a queue
share the process's one copy of the data (engine.data caches it).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

from engine.data import Splits, describe_source, load_splits
from engine.errors import one_line
from engine.events import EpochEnd, Event, Finished, Phase, Started
from engine.memory import check_fits
from engine.progress_reporter import ProgressReporter
from engine.run_request import RunRequest
from engine.spec import NetworkSpec
from engine.status import RunStatus
from engine.store import Store
from engine.takeout.keras_model import keep_trained_model
from engine.trainer import KerasTrainer, NetTrainer
from engine.watchers import run_monitor

__all__ = ["Runner", "RunRequest"]

Listener = Callable[[Event], None]
Loader = Callable[..., Splits]


class Runner:
    def __init__(
        self, store: Store, trainer: NetTrainer | None = None, loader: Loader = load_splits, slot: int | None = None
    ):
        self.store = store
        self.trainer = trainer or KerasTrainer()
        self.loader = loader
        self.slot = slot  # the worker's slot that trains here (None: a foreground train)

    def run(
        self,
        req: RunRequest,
        listener: Listener | None = None,
        cancel: threading.Event | None = None,
        next_up: Callable[[], RunRequest | None] | None = None,
    ) -> Finished:
        """Train one spec. Data errors raise DataError before any run row exists; everything after the
        run row is written ends in a Finished that is stored (training failures never raise).
        next_up: what the queue runs after this one, asked once this run is under way, so the trainer
        can compile that network meanwhile (engine/warm_up.py)."""
        listener = listener or (lambda ev: None)
        cancel = cancel or threading.Event()
        # data first: a missing or broken file is reported at once, not after TensorFlow's import
        listener(Phase(f"loading MNIST from {describe_source(req.data)}"))
        splits = self.loader(req.data, req.spec.validation_fraction, req.subset)
        check_fits(req.spec, len(splits.x_train), len(splits.x_val), len(splits.x_test))  # before any work
        self.trainer.prepare(listener)
        if cancel.is_set():  # cancelled while loading: nothing trained, so no run to keep
            result = Finished(None, RunStatus.CANCELLED, 0)
            listener(result)
            return result
        run_id = start_run_of(self.store, req, splits.source, splits.sizes(), slot=self.slot)
        with run_monitor(self.store, run_id, cancel):
            return self._train(req, splits, run_id, listener, cancel, _same_data_next(req, next_up))

    def run_stacked(
        self,
        requests: list[RunRequest],
        listeners: list[Listener],
        cancel: threading.Event | None = None,
        cancels: list[threading.Event] | None = None,
    ) -> list[Finished]:
        """Runs of one network shape trained together, each its own run (engine/stacked.py)."""
        from engine.stacked import run_stacked

        return run_stacked(self.store, requests, listeners, cancel, self.loader, self.slot, cancels)

    def _train(self, req: RunRequest, splits: Splits, run_id: int, listener: Listener, cancel, next_up) -> Finished:
        record = RunRecorder(self.store, run_id, listener, ProgressReporter(self.store, slot=self.slot))
        try:
            result = self.trainer.train(req.spec, splits, record, cancel, next_up)
        except BaseException as exc:  # KeyboardInterrupt included: the run row must not stay 'running'
            status = RunStatus.CANCELLED if isinstance(exc, KeyboardInterrupt) else RunStatus.FAILED
            result = record.finish(Finished(run_id, status, record.epochs_completed(), error=_one_line(exc)))
            if isinstance(exc, KeyboardInterrupt):
                raise
            return result
        result = as_told(self.store, run_id, result)
        if result.status == RunStatus.COMPLETED:  # its model beside the store, before the run reads as completed
            keep_trained_model(self.store, self.trainer, req.spec, run_id)
        return record.finish(result)


def start_run_of(store: Store, req: RunRequest, source: str, sizes: dict | None = None, **owner) -> int:
    """The run row of a request, as every way of training writes it (here, stacked, on a Ray node):
    `owner` is its slot, and for a run trained elsewhere its host and pid."""
    return store.start_run(
        req.preset,
        req.part,
        req.spec,
        data_source=source,
        sizes=sizes,
        repeat_group=req.repeat_group,
        kind=req.kind,
        label=req.label,
        sweep_id=req.sweep_id,
        **owner,
    )


class RunRecorder:
    """The store's side of one run, fed the trainer's events wherever it trains (this process, a slot's, a
    Ray actor's): the environment when it starts, each epoch committed as it ends, the live row, the end.
    Every event is passed on to `listener` only once the store has it, so a kill loses nothing heard."""

    def __init__(self, store: Store, run_id: int, listener: Listener, live: ProgressReporter):
        self.store, self.run_id, self.listener, self.live = store, run_id, listener, live

    def __call__(self, ev: Event) -> None:
        if isinstance(ev, Started):
            ev = dataclasses.replace(ev, run_id=self.run_id)
            sizes = {"train": ev.train_size, "validation": ev.val_size, "test": ev.test_size}
            self.store.set_environment(self.run_id, ev.backend, ev.device, ev.versions, sizes)
        elif isinstance(ev, EpochEnd):
            self.store.add_epoch(self.run_id, ev)  # committed before anyone hears of it: a kill loses nothing
        elif isinstance(ev, Finished):
            self.finish(ev)
            return
        self.live(ev)
        self.listener(ev)

    def epochs_completed(self) -> int:
        done = self.store.get_run(self.run_id)
        return done.epochs_completed if done else 0

    def finish(self, result: Finished) -> Finished:
        result = dataclasses.replace(result, run_id=self.run_id, error=_first_line(result.error))
        result = as_told(self.store, self.run_id, result)
        result = self.store.finish_run(self.run_id, result)  # as stored: with no epoch, never 'completed'
        self.live(result)
        self.listener(result)
        return result


def as_told(store: Store, run_id: int, result: Finished) -> Finished:
    """A run asked to stop during its last epoch, too late for the trainer to see, ends as it was told:
    cancelled (the flag is set only while epochs remain: engine/store/store.py cancel_run)."""
    if result.status == RunStatus.COMPLETED and store.cancel_requested(run_id):
        return dataclasses.replace(result, status=RunStatus.CANCELLED)
    return result


def _same_data_next(req: RunRequest, next_up: Callable[[], RunRequest | None] | None):
    """The next request's spec, when it trains on the same splits as req (so on the same input shapes)."""
    if next_up is None:
        return None

    def then() -> NetworkSpec | None:
        nxt = next_up()
        return nxt.spec if nxt is not None and _splits_of(nxt) == _splits_of(req) else None

    return then


def _splits_of(req: RunRequest) -> tuple:
    """What decides a request's splits, and so the shapes its programs are compiled for."""
    return req.data, req.subset, req.spec.validation_fraction


def _first_line(text: str | None) -> str | None:
    """A TensorFlow error can be pages long: the stored and shown reason is its first line."""
    lines = (text or "").strip().splitlines()
    return one_line(lines[0]) if lines else None


def _one_line(exc: BaseException) -> str:
    first = _first_line(str(exc))
    return f"{exc.__class__.__name__}: {first}" if first else exc.__class__.__name__
