"""A run store filled with known, hand-checkable runs (no training): the answers tests read it.

Every run's validation accuracy climbs by 1 point per epoch to its final value, training accuracy sits
1 point above it, and the last epoch's gradient probe is the `grads` given (epoch 1 has a different first
layer, so a test can tell the last epoch was used).
"""

from __future__ import annotations

from engine.events import EpochEnd, Finished
from engine.spec import make_spec
from engine.store import Store

VERSIONS = {"python": "3.11.7", "keras": "3.15.1", "tensorflow": "2.21.0", "backend": "tensorflow"}
SIZES = {"train": 6000, "validation": 1333, "test": 2000}


def add_run(
    store: Store,
    part: str | None,
    hidden: list[int],
    *,
    train: float,
    val: float,
    test: float,
    grads: list[float] | None = None,
    epochs: int = 10,
    planned: int | None = None,
    status: str = "completed",
    name: str | None = None,
    device: str = "CPU (2 cores)",
    first_seconds: float = 0.84,
    seconds: float = 0.38,
    seed: int = 42,
) -> int:
    spec = make_spec(
        name=name or (part or "my net"), hidden_layers=hidden, epochs=planned or epochs, seed=seed, learning_rate=0.1
    )
    run_id = store.start_run(part or "my-net", part, spec, "mnist-sample.npz", "tensorflow", device, VERSIONS, SIZES)
    for e in range(1, epochs + 1):
        v = round(val - 0.01 * (epochs - e), 4)
        g = None
        if grads:
            g = grads if e == epochs else [1.0, *grads[1:]]
        store.add_epoch(run_id, EpochEnd(e, 1.0 / e, v + 0.01, 1.1 / e, v, first_seconds if e == 1 else seconds, g))
    store.finish_run(
        run_id,
        Finished(
            run_id,
            status,
            epochs,
            train_accuracy=train,
            val_accuracy=val,
            test_accuracy=test,
            seconds_per_epoch=seconds if epochs > 1 else None,
            first_epoch_seconds=first_seconds,
        ),
    )
    return run_id


NARROW_GRADS = [1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2]  # output / first = 1e7
MEDIUM_GRADS = [1e-8] + [1e-4] * 9 + [1e-2]  # 1e6
WIDE_GRADS = [2e-8] + [1e-4] * 9 + [2e-2]  # 1e6


def fill_exercise(store: Store) -> dict[str, int]:
    """One completed run of every part (plus noise the answers must skip). Returns part -> run id."""
    ids = {}
    ids["part1-large"] = add_run(store, "part1-large", [384], train=0.9035, val=0.8927, test=0.8920, grads=[2e-4, 1e-2])
    ids["part1-small"] = add_run(store, "part1-small", [48], train=0.9158, val=0.9040, test=0.9085, grads=[5e-4, 5e-3])
    ids["part2-narrow"] = add_run(
        store, "part2-narrow", [8] * 10, train=0.1143, val=0.1118, test=0.1150, grads=NARROW_GRADS
    )
    ids["part2-medium"] = add_run(
        store, "part2-medium", [32] * 10, train=0.1143, val=0.1250, test=0.1150, grads=MEDIUM_GRADS
    )
    ids["part2-wide"] = add_run(store, "part2-wide", [64] * 10, train=0.1143, val=0.1180, test=0.1135, grads=WIDE_GRADS)
    ids["part3"] = add_run(store, "part3", [256, 128, 64], train=0.9877, val=0.9370, test=0.9365, epochs=20)
    # newer but not completed: the default answers must not pick them
    add_run(store, "part3", [256, 128, 64], train=0.99, val=0.99, test=0.99, epochs=3, planned=20, status="cancelled")
    return ids
