"""What a finished run got right and wrong on the test set, read from its stored predictions (one byte, the
digit, per test image): the confusion matrix, per-class recall, the images it got wrong, and the test
images themselves read back from the run's data source with numpy alone (no TensorFlow: the TUI uses it).

The trainer stores the matrix with the run as well, so a run whose data has moved still has its matrix;
the wrong images need the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.errors import DataError

DIGITS = 10


def confusion_matrix(labels, predictions) -> list[list[int]]:
    """10x10 counts, rows = the true digit, columns = the predicted one."""
    labels = np.asarray(labels, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    counts = np.zeros((DIGITS, DIGITS), dtype=np.int64)
    np.add.at(counts, (labels, predictions), 1)
    return counts.tolist()


def per_class_recall(matrix: list[list[int]]) -> list[float | None]:
    """Of the test images of each digit, the share predicted as that digit (None: no image of it)."""
    return [row[d] / sum(row) if sum(row) else None for d, row in enumerate(matrix)]


def stored_confusion(extra: dict) -> list[list[int]] | None:
    """The matrix the trainer stored with the run, if it is a well-formed 10x10 of counts."""
    m = extra.get("test_confusion")
    ok = (
        isinstance(m, list)
        and len(m) == DIGITS
        and all(isinstance(row, list) and len(row) == DIGITS and all(isinstance(c, int) for c in row) for row in m)
    )
    return m if ok else None


def decode(predictions: bytes | None) -> np.ndarray | None:
    return None if predictions is None else np.frombuffer(predictions, dtype=np.uint8)


@dataclass(frozen=True)
class LabelledImages:
    images: np.ndarray  # (N, 28, 28) uint8
    labels: np.ndarray  # (N,) uint8
    source: str


def keras_cache() -> Path:
    from engine.data import KERAS_CACHE

    return KERAS_CACHE


def read_test_images(source: str | None) -> LabelledImages:
    """The test images and labels of a run's data source: an npz, a folder of IDX files, or the Keras
    cache file for runs on keras.datasets.mnist (never downloaded here). Raises DataError saying where
    it looked when they cannot be read."""
    from engine.data import load_raw

    if not source:
        raise DataError("the run does not say which data it used")
    if source == "keras.datasets.mnist":
        cache = keras_cache()
        if not cache.is_file():
            raise DataError(f"the run used Keras MNIST, which is not cached at {cache}")
        source = str(cache)
    raw = load_raw(source)
    return LabelledImages(raw.x_test, raw.y_test, raw.source)


def run_confusion(extra: dict, predictions: bytes | None, source: str | None) -> list[list[int]] | None:
    """The run's matrix: as stored, else from its predictions and the labels of its data (None: neither)."""
    stored = stored_confusion(extra)
    if stored is not None:
        return stored
    predicted = decode(predictions)
    if predicted is None:
        return None
    try:
        labels = read_test_images(source).labels
    except DataError:
        return None
    if len(labels) != len(predicted):
        return None
    return confusion_matrix(labels, predicted)
