"""One run end to end: load data -> trainer -> store, passing every event on to a listener.

The CLI and the TUI are both listeners on this; neither repeats what the other does. Runs in a queue
share the process's one copy of the data (engine.data caches it).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass

from engine.data import Splits, describe_source, load_splits
from engine.events import EpochEnd, Event, Finished, Phase, Started
from engine.spec import NetworkSpec
from engine.store import Store
from engine.trainer import KerasTrainer, Trainer

Listener = Callable[[Event], None]
Loader = Callable[..., Splits]


@dataclass(frozen=True)
class RunRequest:
    preset: str
    part: str | None
    spec: NetworkSpec
    data: str | None = None  # --data; None: MNIST_TUI_DATA or the Keras loader
    subset: int | None = None


class Runner:
    def __init__(self, store: Store, trainer: Trainer | None = None, loader: Loader = load_splits):
        self.store = store
        self.trainer = trainer or KerasTrainer()
        self.loader = loader

    def run(self, req: RunRequest, listener: Listener | None = None, cancel: threading.Event | None = None) -> Finished:
        """Train one spec. Data errors raise DataError before any run row exists; everything after the
        run row is written ends in a Finished that is stored (training failures never raise)."""
        listener = listener or (lambda ev: None)
        cancel = cancel or threading.Event()
        self.trainer.prepare(listener)
        listener(Phase(f"loading MNIST from {describe_source(req.data)}"))
        splits = self.loader(req.data, req.spec.validation_fraction, req.subset)
        run_id = self.store.start_run(req.preset, req.part, req.spec, data_source=splits.source, sizes=splits.sizes())

        def emit(ev: Event) -> None:
            if isinstance(ev, Started):
                ev = dataclasses.replace(ev, run_id=run_id)
                self.store.set_environment(run_id, ev.backend, ev.device, ev.versions, splits.sizes())
            elif isinstance(ev, EpochEnd):
                self.store.add_epoch(run_id, ev)  # committed before anyone hears of it: a kill loses nothing
            listener(ev)

        try:
            result = self.trainer.train(req.spec, splits, emit, cancel)
        except BaseException as exc:  # KeyboardInterrupt included: the run row must not stay 'running'
            status = "cancelled" if isinstance(exc, KeyboardInterrupt) else "failed"
            done = self.store.get_run(run_id)
            result = Finished(run_id, status, done.epochs_completed if done else 0, error=_one_line(exc))
            self.store.finish_run(run_id, result)
            listener(result)
            if isinstance(exc, KeyboardInterrupt):
                raise
            return result
        result = dataclasses.replace(result, run_id=run_id)
        self.store.finish_run(run_id, result)
        listener(result)
        return result


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {text[0]}" if text else exc.__class__.__name__
