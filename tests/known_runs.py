"""Run stores filled with known, hand-checkable runs (no training): the answers and report tests read them.

Every run's validation accuracy climbs by 1 point per epoch to its final value, training accuracy sits
1 point above it, and the last epoch's gradient probe is the `grads` given (epoch 1 has a different first
layer, so a test can tell the first epoch from the last). Runs may carry a repeat group, a kind ("control")
and the test predictions histogram the trainer records.
"""

from __future__ import annotations

import numpy as np

from engine.events import EpochEnd, Finished
from engine.spec import make_spec
from engine.store import Store

VERSIONS = {"python": "3.11.7", "keras": "3.15.1", "tensorflow": "2.21.0", "backend": "tensorflow"}
SIZES = {"train": 6000, "validation": 1333, "test": 2000}
ONE_DIGIT = [0, 2000, 0, 0, 0, 0, 0, 0, 0, 0]  # predicts 1 for every test image


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
    learning_rate: float = 0.1,
    activation: str = "sigmoid",
    repeat_group: str | None = None,
    kind: str = "exercise",
    predicted: list[int] | None = None,
    sizes: dict | None = None,
    data_source: str = "mnist-sample.npz",
    predictions=None,
    confusion: list[list[int]] | None = None,
    history: list[tuple[float, float, float, float]] | None = None,
) -> int:
    """history: (loss, accuracy, val_loss, val_accuracy) per epoch instead of the made-up climb;
    predictions: the digit predicted for each test image (stored as the trainer stores them);
    confusion: the 10x10 matrix the trainer keeps with the run."""
    spec = make_spec(
        name=name or (part or "my net"),
        hidden_layers=hidden,
        epochs=planned or epochs,
        seed=seed,
        learning_rate=learning_rate,
        activation=activation,
    )
    run_id = store.start_run(
        part or "my-net",
        part,
        spec,
        data_source,
        "tensorflow",
        device,
        VERSIONS,
        sizes or SIZES,
        repeat_group=repeat_group,
        kind=kind,
    )
    for e in range(1, epochs + 1):
        v = round(val - 0.01 * (epochs - e), 4)
        g = None
        if grads:
            g = grads if e == epochs else [1.0, *grads[1:]]
        row = history[e - 1] if history else (1.0 / e, v + 0.01, 1.1 / e, v)
        store.add_epoch(run_id, EpochEnd(e, *row, first_seconds if e == 1 else seconds, g))
    extra = {"test_predicted_counts": predicted} if predicted else {}
    if confusion is not None:
        extra["test_confusion"] = confusion
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
            extra=extra,
            predictions=None if predictions is None else np.asarray(predictions, dtype=np.uint8).tobytes(),
        ),
    )
    return run_id


def add_repeats(store: Store, part: str | None, hidden: list[int], figures: list[tuple[float, float, float]], **kw):
    """One run per (train, val, test) triple, seeds 42, 43, ..., sharing a repeat group. Returns the ids."""
    group = f"{part}-group-{store.runs().__len__()}"
    return [
        add_run(store, part, hidden, train=tr, val=va, test=te, seed=42 + i, repeat_group=group, **kw)
        for i, (tr, va, te) in enumerate(figures)
    ]


NARROW_GRADS = [1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2]  # output / first = 1e7
MEDIUM_GRADS = [1e-8] + [1e-4] * 9 + [1e-2]  # 1e6
WIDE_GRADS = [2e-8] + [1e-4] * 9 + [2e-2]  # 1e6
PART_TWO_SHAPES = {"part2-narrow": [8] * 10, "part2-medium": [32] * 10, "part2-wide": [64] * 10}


def fill_exercise(store: Store) -> dict[str, int]:
    """One completed run of every part (plus noise the answers must skip). Returns part -> run id."""
    ids = {}
    ids["part1-large"] = add_run(store, "part1-large", [384], train=0.9035, val=0.8927, test=0.8920, grads=[2e-4, 1e-2])
    ids["part1-small"] = add_run(store, "part1-small", [48], train=0.9158, val=0.9040, test=0.9085, grads=[5e-4, 5e-3])
    ids["part2-narrow"] = add_run(
        store,
        "part2-narrow",
        [8] * 10,
        train=0.1143,
        val=0.1118,
        test=0.1150,
        grads=NARROW_GRADS,
        learning_rate=0.01,
        predicted=ONE_DIGIT,
    )
    ids["part2-medium"] = add_run(
        store,
        "part2-medium",
        [32] * 10,
        train=0.1143,
        val=0.1250,
        test=0.1150,
        grads=MEDIUM_GRADS,
        learning_rate=0.01,
        predicted=ONE_DIGIT,
    )
    ids["part2-wide"] = add_run(
        store,
        "part2-wide",
        [64] * 10,
        train=0.1143,
        val=0.1180,
        test=0.1135,
        grads=WIDE_GRADS,
        learning_rate=0.01,
        predicted=[0, 0, 0, 0, 2000, 0, 0, 0, 0, 0],
    )
    ids["part3"] = add_run(
        store, "part3", [256, 128, 64], train=0.9877, val=0.9370, test=0.9365, epochs=20, learning_rate=0.5
    )
    # newer but not completed: the default answers must not pick them
    add_run(store, "part3", [256, 128, 64], train=0.99, val=0.99, test=0.99, epochs=3, planned=20, status="cancelled")
    return ids


RELU_GRADS = [1e-3] * 10 + [1e-2]  # the first layer 1 order below the output: the gradient flows


def fill_controls(
    store: Store,
    relu_tests=(0.85, 0.86, 0.84),
    lr_tests=(0.11, 0.115, 0.1135),
    stuck: tuple[str, ...] = (),
) -> None:
    """For every Part Two net: a ReLU control and a 10x learning-rate control, 3 repeats each, with their
    gradient probes. A part in `stuck` gets ReLU controls that stay at chance although the gradient flows."""
    for part, hidden in PART_TWO_SHAPES.items():
        relu = (0.11, 0.115, 0.1135) if part in stuck else relu_tests
        for change, tests, grads in (
            ({"activation": "relu"}, relu, RELU_GRADS),
            ({"learning_rate": 0.1}, lr_tests, NARROW_GRADS),
        ):
            group = f"{part}-{next(iter(change))}"
            for i, t in enumerate(tests):
                kw = {"learning_rate": 0.01, **change}
                add_run(
                    store,
                    part,
                    hidden,
                    train=t,
                    val=t,
                    test=t,
                    seed=42 + i,
                    repeat_group=group,
                    kind="control",
                    name=part,
                    grads=grads,
                    **kw,
                )


def labelled_test_set(path, labels) -> str:
    """A small Keras-format npz whose test labels are `labels` (blank images): the data a run's stored
    predictions are checked against. Returns its path as a run's data source."""
    labels = np.asarray(labels, dtype=np.uint8)
    np.savez(
        path,
        x_train=np.zeros((12, 28, 28), np.uint8),
        y_train=np.arange(12, dtype=np.uint8) % 10,
        x_test=np.zeros((len(labels), 28, 28), np.uint8),
        y_test=labels,
    )
    return str(path)


def predictions_with_accuracy(labels, accuracy: float, wrong_from: int = 0) -> np.ndarray:
    """Predictions right on all but the first round((1 - accuracy) * N) images from `wrong_from` on, which
    are answered (label + 1) mod 10."""
    labels = np.asarray(labels, dtype=np.uint8)
    out = labels.copy()
    wrong = round((1 - accuracy) * len(labels))
    idx = (np.arange(wrong) + wrong_from) % len(labels)
    out[idx] = (labels[idx] + 1) % 10
    return out
