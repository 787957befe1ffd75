"""Run by tests/test_backends.py in a fresh process per backend (`KERAS_BACKEND=... python backend_probe.py`):
small real trainings through KerasTrainer, reported as one JSON line. Keras picks its backend once per
process, which is why this is not a plain test."""

from __future__ import annotations

import json
import threading

import numpy as np

from engine.data import RawMnist, make_splits
from engine.events import EpochEnd, Progress, Started
from engine.spec import make_spec
from engine.trainer import KerasTrainer


def splits(n_train: int):
    """Learnable synthetic digits: each class lights its own band of pixels, plus noise."""
    rng = np.random.default_rng(0)

    def images(n):
        y = rng.integers(0, 10, n).astype(np.uint8)
        x = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for digit in range(10):
            x[y == digit, digit * 2 : digit * 2 + 3, :] = 255
        return x, y

    (x, y), (xt, yt) = images(n_train + 100), images(100)
    return make_splits(RawMnist(x, y, xt, yt, "synthetic"), validation_fraction=100 / (n_train + 100))


def train(spec, data, cancel_on_first_progress: bool = False):
    events = []
    cancel = threading.Event()

    def emit(ev):
        events.append(ev)
        if cancel_on_first_progress and isinstance(ev, Progress):
            cancel.set()

    trainer = KerasTrainer()
    trainer.prepare(emit)
    result = trainer.train(spec, data, emit, cancel)
    return result, events


def main() -> None:
    out = {}
    spec = make_spec(name="probe", hidden_layers=[32, 16], learning_rate=0.5, epochs=1, batch_size=8)
    result, events = train(spec, splits(300))
    started = next(e for e in events if isinstance(e, Started))
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    out["train"] = {
        "status": result.status,
        "epochs": len(epochs),
        "gradients": epochs[0].gradients if epochs else None,
        "val_accuracy": epochs[0].val_accuracy if epochs else None,
        "test_accuracy": result.test_accuracy,
        "backend": started.backend,
        "device": started.device,
        "versions_backend": started.versions.get("backend"),
        "steps": [e.step for e in events if isinstance(e, Progress)],
        "steps_per_epoch": started.steps_per_epoch,
    }

    slow = make_spec(name="slow", hidden_layers=[64], epochs=5, batch_size=8)
    result, events = train(slow, splits(3000), cancel_on_first_progress=True)
    out["cancel"] = {
        "status": result.status,
        "epochs_completed": result.epochs_completed,
        "progress_steps": [e.step for e in events if isinstance(e, Progress)],
        "steps_per_epoch": next(e for e in events if isinstance(e, Started)).steps_per_epoch,
    }

    boom = make_spec(name="boom", hidden_layers=[64], activation="relu", learning_rate=10_000, epochs=3)
    result, events = train(boom, splits(300))
    out["diverge"] = {"status": result.status, "error": result.error}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
