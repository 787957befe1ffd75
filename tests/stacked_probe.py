"""Run by tests/test_stacked.py in a fresh process per backend (`KERAS_BACKEND=... python stacked_probe.py`),
reported as one JSON line: Keras picks its backend once per process.

Stacked networks (engine/stacked_trainer.py) against the runs each would be alone (engine/trainer.py, a
fresh model each): every epoch's loss, accuracy, validation figures and gradients, and the final
evaluation, as the largest relative difference; plus a network whose weights start as NaN among healthy
ones, a cancel after the first epoch, and one network alone.
"""

from __future__ import annotations

import json
import math
import threading

import numpy as np

from engine.data import load_splits
from engine.events import EpochEnd, Finished
from engine.spec import make_spec
from engine.trainer import KerasTrainer

SAMPLE = "tests/fixtures/mnist-small.npz"
FINALS = ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_loss", "test_accuracy")


def figures(events: list, result: Finished) -> list[float]:
    out = []
    for e in events:
        if isinstance(e, EpochEnd):
            out += [e.loss, e.accuracy, e.val_loss, e.val_accuracy, *(e.gradients or [])]
    return out + [getattr(result, f) for f in FINALS]


def relative_difference(a: list[float], b: list[float]) -> float:
    if len(a) != len(b):
        return math.inf
    return max(abs(x - y) / max(abs(x), abs(y), 1e-6) for x, y in zip(a, b, strict=True))


def alone(spec, splits) -> tuple[list, Finished]:
    events: list = []
    result = KerasTrainer(reuse_models=False).train(spec, splits, events.append, threading.Event())
    return events, result


def stacked(specs, splits, cancel=None, on_event=None) -> list[tuple[list, Finished]]:
    from engine.stacked_trainer import train_stacked

    logs = [[] for _ in specs]

    def emitter(log):
        def emit(ev):
            log.append(ev)
            if on_event:
                on_event(ev)

        return emit

    results = train_stacked(specs, splits, [emitter(log) for log in logs], cancel or threading.Event())
    return list(zip(logs, results, strict=True))


def compare(specs, splits) -> dict:
    together = stacked(specs, splits)
    out = {"difference": [], "status": [], "counts_equal": [], "epochs": []}
    for spec, (events, result) in zip(specs, together, strict=True):
        own_events, own = alone(spec, splits)
        out["difference"].append(relative_difference(figures(own_events, own), figures(events, result)))
        out["status"].append(result.status)
        # a network's predicted digit counts: equal unless an image sits on a rounding-close tie
        counts = zip(own.extra["test_predicted_counts"], result.extra["test_predicted_counts"], strict=True)
        out["counts_equal"].append(sum(abs(a - b) for a, b in counts))
        out["epochs"].append(sum(isinstance(e, EpochEnd) for e in events))
        differ = np.frombuffer(own.predictions, np.uint8) != np.frombuffer(result.predictions, np.uint8)
        out["predictions_differ"] = out.get("predictions_differ", []) + [int(differ.sum())]
    return out


def one_poisoned(spec, splits) -> dict:
    """Network 1 of 3 starts from NaN weights: it is diverged at its first epoch; 0 and 2 train as alone."""
    import engine.stacked_trainer as st

    specs = [spec.model_copy(update={"seed": spec.seed + i}) for i in range(3)]
    real = st.seeded_starts

    def poisoned(specs, n):
        weights, orders = real(specs, n)
        weights[1] = [np.full_like(w, np.nan) for w in weights[1]]
        return weights, orders

    st.seeded_starts = poisoned
    try:
        together = stacked(specs, splits)
    finally:
        st.seeded_starts = real
    healthy = [relative_difference(figures(*alone(specs[i], splits)), figures(*together[i])) for i in (0, 2)]
    return {
        "status": [r.status for _, r in together],
        "epochs": [r.epochs_completed for _, r in together],
        "healthy_difference": healthy,
    }


def cancel_after_first_epoch(spec, splits) -> dict:
    cancel = threading.Event()
    # batches of 4: 75 steps an epoch, in two blocks, so a cancel lands inside the second epoch
    specs = [spec.model_copy(update={"seed": spec.seed + i, "epochs": 5, "batch_size": 4}) for i in range(2)]

    def on_event(ev):
        if isinstance(ev, EpochEnd):
            cancel.set()

    together = stacked(specs, splits, cancel, on_event)
    one_epoch = [alone(s.model_copy(update={"epochs": 1}), splits)[1] for s in specs]
    diff = [
        relative_difference([getattr(r, f) for f in FINALS], [getattr(o, f) for f in FINALS])
        for (_, r), o in zip(together, one_epoch, strict=True)
    ]
    return {
        "status": [r.status for _, r in together],
        "epochs": [r.epochs_completed for _, r in together],
        "evaluated": [r.extra.get("evaluated") for _, r in together],
        "difference": diff,
    }


def main() -> None:
    KerasTrainer().prepare(lambda ev: None)
    splits = load_splits(SAMPLE, subset=300)  # 9 batches of 32 and a partial one of 12
    sgd = make_spec(name="s", hidden_layers=[16, 8], learning_rate=0.3, epochs=2, seed=5)
    adam = make_spec(name="a", hidden_layers=[12], optimizer="adam", learning_rate=0.01, epochs=2, seed=9)
    out = {
        "sgd": compare([sgd.model_copy(update={"seed": 5 + i}) for i in range(3)], splits),
        "adam": compare([adam.model_copy(update={"seed": 9 + i}) for i in range(2)], splits),
        "one": compare([sgd], splits),
        "poisoned": one_poisoned(sgd, splits),
        "cancel": cancel_after_first_epoch(sgd, splits),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
