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


def train(spec, data, cancel_on_first_progress: bool = False, trainer=None, next_up=None):
    events = []
    cancel = threading.Event()

    def emit(ev):
        events.append(ev)
        if cancel_on_first_progress and isinstance(ev, Progress):
            cancel.set()

    trainer = trainer or KerasTrainer()
    trainer.prepare(emit)
    result = trainer.train(spec, data, emit, cancel, next_up)
    return result, events


def numbers(result, events) -> list:
    """Every number a run reports: per epoch loss, accuracies and gradients, then the final evaluation."""
    epochs = [(e.loss, e.accuracy, e.val_loss, e.val_accuracy, e.gradients) for e in events if isinstance(e, EpochEnd)]
    return [epochs, result.train_loss, result.val_loss, result.test_loss, result.test_accuracy]


def warm_up() -> dict:
    """A queue of two networks: the second is compiled while the first trains (engine/warm_up.py). Both
    must report exactly what they report trained alone, with fresh models."""
    from engine.block_model import BlockModel
    from engine.model_pool import clear

    traces = []  # train_step runs as Python only while its program is traced
    original = BlockModel.train_step

    def counted(self, *args):
        traces.append(self.name)
        return original(self, *args)

    BlockModel.train_step = counted
    data = splits(600)
    first = make_spec(name="first", hidden_layers=[32], learning_rate=0.5, epochs=3, batch_size=16, seed=1)
    second = make_spec(name="second", hidden_layers=[16, 8], optimizer="adam", learning_rate=0.01, epochs=2, seed=2)
    clear()
    queue = KerasTrainer()
    first_queued = numbers(*train(first, data, trainer=queue, next_up=lambda: second))
    queue.warm_up.wait()
    warmed, error = list(queue.warm_up.warmed), queue.warm_up.error
    traced_before = len(traces)
    second_queued = numbers(*train(second, data, trainer=queue))
    traced_by_second = len(traces) - traced_before
    BlockModel.train_step = original
    clear()
    first_alone = numbers(*train(first, data, trainer=KerasTrainer(reuse_models=False)))
    second_alone = numbers(*train(second, data, trainer=KerasTrainer(reuse_models=False)))
    return {
        "warmed": warmed,
        "error": error,
        "first_same": first_queued == first_alone,
        "second_same": second_queued == second_alone,
        "traced_by_second": traced_by_second,
        "traced": len(traces),
    }


def block_loop() -> dict:
    """One run's numbers with the block loop this process uses (MNIST_TUI_STATIC_LOOP): 300 examples in
    batches of 8 make 37 full batches in blocks of up to 64 and a tail, so the static loop runs padding."""
    from engine.block_model import STATIC_STEPS
    from engine.blocks import device_data_wanted

    spec = make_spec(name="loop", hidden_layers=[32, 16], learning_rate=0.5, epochs=2, batch_size=8)
    numbers_ = numbers(*train(spec, splits(300)))
    return {"static": STATIC_STEPS, "device_data": device_data_wanted(), "numbers": numbers_}


def main() -> None:
    import sys

    if sys.argv[1:] == ["block-loop"]:
        print(json.dumps(block_loop()))
        return
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
    out["warm_up"] = warm_up()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
