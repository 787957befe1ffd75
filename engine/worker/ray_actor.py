"""What runs inside a Ray actor on a cluster's node: a slot's trainer, one job at a time, keeping the events
it emits until the worker (engine/worker/cluster.py, on the store's machine) polls them. It never opens
the store: it gets the digits through Ray's object store and gives back events and, once a run completed,
its weights. Ray is imported only with `--cluster`.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import threading
import traceback

from engine.errors import MnistTuiError, one_line
from engine.events import Finished, Started
from engine.status import RunStatus


def import_ray():
    try:
        import ray
    except ImportError:
        raise MnistTuiError("--cluster needs Ray: pip install -e '.[cluster]'") from None
    return ray


class SlotActorBody:
    """What runs inside a Ray actor: trains one job at a time on a thread and keeps its events until the
    worker polls them. `trainer_factory` makes the trainer (default: Keras's; tests pass a fake)."""

    def __init__(self, trainer_factory=None, env: dict[str, str] | None = None):
        import socket

        import engine

        os.environ.update(env or {})
        self.trainer_factory = trainer_factory
        self.trainer = None
        self.events: list = []
        self.lock = threading.Lock()
        self.cancel = threading.Event()
        self.thread: threading.Thread | None = None
        self.sampler = None
        ray = import_ray()
        self.facts = {
            "host": socket.gethostname(),
            "pid": str(os.getpid()),
            "mnist-tui": engine.__version__,
            "python": platform.python_version(),
            "ray": ray.__version__,
            "node": ray.get_runtime_context().get_node_id(),
        }

    def hello(self) -> dict[str, str]:
        return self.facts

    def start(self, spec_json: str, raw, subset: int | None) -> None:
        with self.lock:
            self.events = []
        self.cancel.clear()
        self.thread = threading.Thread(target=self._train, args=(spec_json, raw, subset), daemon=True)
        self.thread.start()

    def _emit(self, ev) -> None:
        if isinstance(ev, Started):  # the run's environment names the node it trained on
            ev = dataclasses.replace(
                ev, versions={**ev.versions, "host": self.facts["host"], "ray_node": self.facts["node"]}
            )
        with self.lock:
            self.events.append(ev)

    def _train(self, spec_json: str, raw, subset: int | None) -> None:
        from engine.data import make_splits
        from engine.resources import ResourceSampler
        from engine.spec import NetworkSpec

        try:
            spec = NetworkSpec.model_validate_json(spec_json)
            splits = make_splits(raw, spec.validation_fraction, subset)
            if self.trainer is None:
                if self.trainer_factory is None:
                    from engine.trainer import KerasTrainer

                    self.trainer = KerasTrainer()
                else:
                    self.trainer = self.trainer_factory()
            self.trainer.prepare(self._emit)
            self.sampler = self.sampler or ResourceSampler()
            result = self.trainer.train(spec, splits, self._emit, self.cancel)
        except Exception as exc:  # a bug or bad data on the node: the run fails with the reason
            traceback.print_exc()
            result = Finished(None, RunStatus.FAILED, 0, error=one_line(f"{exc.__class__.__name__}: {exc}"))
        self._emit(result)

    def poll(self, since: int):
        """The events after the first `since`, and this process's CPU, memory and GPUs now."""
        with self.lock:
            new = self.events[since:]
        resources = self.sampler.sample() if self.sampler is not None else (None, None, [])
        return new, resources

    def stop(self) -> None:
        self.cancel.set()

    def trained_weights(self):
        """The last completed run's weights (numpy arrays), handed over once: the worker keeps the model."""
        weights = getattr(self.trainer, "trained_weights", None)
        if self.trainer is not None and weights is not None:
            self.trainer.trained_weights = None
        return weights
