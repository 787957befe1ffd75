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


def blocks_vs_plain_fit() -> float:
    """Largest weight difference between Keras's own fit (batches of 32 in order) and the same batches fed
    as engine/blocks.py elements of 4 batch slots (4, 4, then 1 real batch + 3 padding slots + the partial
    batch as the tail): the blocks must make exactly the same SGD updates."""
    from engine.backend import import_keras
    from engine.blocks import BlockPlan, pack
    from engine.model import build_model

    keras = import_keras()
    data = splits(300)
    x, y = data.x_train, data.y_train
    spec = make_spec(name="same", hidden_layers=[32, 16], learning_rate=0.5, epochs=1)
    plain = build_model(spec)
    plain.fit(x, y, batch_size=32, shuffle=False, epochs=1, verbose=0)

    plan = BlockPlan(len(x), 32, block=4)
    assert plan.blocks == [4, 4, 2] and plan.partial == 12
    elements = plan.element_indices(np.arange(len(x)))

    class Blocks(keras.utils.PyDataset):
        def __len__(self):
            return len(elements)

        def __getitem__(self, i):
            block, tail, meta = elements[i]
            return pack(x[block], y[block], meta, x[tail], y[tail])

    blocked = build_model(spec)
    blocked.fit(Blocks(), epochs=1, verbose=0, shuffle=False)  # fit shuffles a PyDataset's elements by default
    return max(float(np.abs(a - b).max()) for a, b in zip(plain.get_weights(), blocked.get_weights(), strict=True))


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
    out["blocks_vs_fit"] = blocks_vs_plain_fit()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
