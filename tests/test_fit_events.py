"""FitEvents, the Keras callback that turns fit's hooks into engine events: once inside a real (tiny) fit,
then driven by hand with the logs Keras would pass, for the cases a real fit reaches only by chance (a
cancel mid-epoch, a blown-up loss, the progress interval, blocks of steps)."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest

from engine.events import EpochEnd, Progress
from engine.fit_events import FitEvents, keras

pytestmark = pytest.mark.slow


def tiny_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["categorical_accuracy"])
    return model


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def callback(events: list, steps: int = 4, **kwargs) -> FitEvents:
    cb = FitEvents(events.append, steps, kwargs.pop("cancel", threading.Event()), **kwargs)
    cb.set_model(tiny_model())
    return cb


def logs(loss=0.5, acc=0.8) -> dict:
    return {"loss": loss, "categorical_accuracy": acc}


def epoch_logs(loss=0.5, acc=0.8, val_loss=0.6, val_acc=0.7) -> dict:
    return {**logs(loss, acc), "val_loss": val_loss, "val_categorical_accuracy": val_acc}


def test_a_real_fit_emits_progress_then_the_epoch_as_keras_logged_it():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 4)).astype("float32")
    y = keras.utils.to_categorical(rng.integers(0, 3, 8), 3)
    model = tiny_model()
    events, first_epochs = [], []
    cb = FitEvents(
        events.append,
        steps=2,
        cancel=threading.Event(),
        probe=lambda m: [float(np.abs(m.get_weights()[0]).mean())],
        after_first_epoch=lambda: first_epochs.append(1),
        progress_interval=0,
    )
    history = model.fit(x, y, batch_size=4, epochs=1, validation_data=(x, y), verbose=0, callbacks=[cb])
    assert [type(e) for e in events] == [Progress, Progress, EpochEnd]
    assert [(e.epoch, e.step, e.steps) for e in events[:2]] == [(1, 1, 2), (1, 2, 2)]
    end = events[-1]
    logged = history.history
    assert (end.epoch, end.loss, end.accuracy) == (1, logged["loss"][0], logged["categorical_accuracy"][0])
    assert (end.val_loss, end.val_accuracy) == (logged["val_loss"][0], logged["val_categorical_accuracy"][0])
    assert end.gradients == [float(np.abs(model.get_weights()[0]).mean())] and end.seconds > 0
    assert cb.status == "completed" and len(cb.epoch_seconds) == 1 and first_epochs == [1]
    assert all(np.array_equal(a, b) for a, b in zip(cb.last_weights, model.get_weights(), strict=True))
    assert cb.last_val == (end.val_loss, end.val_accuracy)


def test_progress_waits_the_interval_but_an_epochs_last_batch_always_goes():
    events, clock = [], Clock()
    cb = callback(events, steps=4, clock=clock, progress_interval=0.25)
    cb.on_train_begin()
    cb.on_epoch_begin(0)
    for batch, at in enumerate((100.3, 100.4, 100.6, 100.61)):
        clock.now = at
        cb.on_train_batch_end(batch, logs())
    assert [e.step for e in events] == [1, 3, 4]
    assert events[0] == Progress(1, 1, 4, 0.5, 0.8)


def test_blocks_of_steps_count_as_their_steps():
    events = []
    cb = callback(events, steps=10, batches_done=lambda block: min(10, 4 * (block + 1)), progress_interval=0)
    cb.on_epoch_begin(2)
    for block in range(3):
        cb.on_train_batch_end(block, logs())
    assert [(e.epoch, e.step) for e in events] == [(3, 4), (3, 8), (3, 10)]


def test_a_cancel_stops_after_the_step_and_the_unfinished_epoch_is_not_kept():
    events, cancel = [], threading.Event()
    cb = callback(events, steps=4, cancel=cancel, progress_interval=0)
    cb.on_epoch_begin(0)
    cb.on_train_batch_end(0, logs())
    assert not cb.model.stop_training
    cancel.set()
    cb.on_train_batch_end(1, logs())
    assert cb.model.stop_training and cb.status == "cancelled"
    cb.on_epoch_end(0, epoch_logs())
    assert not any(isinstance(e, EpochEnd) for e in events)
    assert cb.epoch_seconds == [] and cb.last_weights is None


def test_a_blown_up_loss_stops_and_its_epoch_is_kept_without_weights_or_gradients():
    events, probed = [], []
    cb = callback(events, steps=1, probe=lambda m: probed.append(1) or [1.0], progress_interval=0)
    cb.on_epoch_begin(0)
    cb.on_train_batch_end(0, logs(loss=float("nan")))
    assert cb.model.stop_training and cb.status == "diverged"
    assert events[0].loss is None  # a NaN is not a number a screen can show
    cb.on_epoch_end(0, epoch_logs(loss=1e6))
    end = events[-1]
    assert isinstance(end, EpochEnd) and end.loss == 1e6 and end.gradients is None
    assert cb.last_weights is None and probed == [] and len(cb.epoch_seconds) == 1


def test_an_epoch_whose_logs_lack_a_metric_is_diverged():
    events = []
    cb = callback(events, steps=1, progress_interval=0)
    cb.on_epoch_begin(0)
    cb.on_train_batch_end(0, logs())
    cb.on_epoch_end(0, logs())  # no validation values
    assert cb.status == "diverged" and cb.model.stop_training
    assert math.isnan(events[-1].val_loss)


def test_a_kept_epoch_keeps_its_weights_and_validation_and_calls_after_first_epoch_once():
    events, calls = [], []
    cb = callback(events, steps=1, after_first_epoch=lambda: calls.append(1), progress_interval=0)
    for epoch in range(2):
        cb.on_epoch_begin(epoch)
        cb.on_train_batch_end(0, logs())
        cb.on_epoch_end(epoch, epoch_logs(val_loss=0.6 - epoch / 10))
    assert calls == [1] and cb.status == "completed" and len(cb.epoch_seconds) == 2
    assert cb.last_val == (0.5, 0.7)
    assert len(cb.last_weights) == 2  # kernel and bias of the one layer
