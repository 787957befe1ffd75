"""`FitEvents`: the Keras callback that turns `model.fit`'s hooks into the engine's events (Progress a few
times a second, EpochEnd with every finished epoch) and stops training on a cancel or a blown-up loss.

A callback in Keras's own style (like `EarlyStopping` or `TerminateOnNaN`): it is given what it needs when
made, reads `self.model` through Keras's public Callback API, and what fit left behind is read from its
attributes afterwards: `status` ("completed", "cancelled" or "diverged"), `epoch_seconds` (one per finished
epoch), and `last_weights` / `last_val` (the weights after the last finished epoch, and their validation
loss and accuracy), which the trainer evaluates when a cancel stops fit partway into the next epoch.

Importing this module imports Keras (through engine.backend, which sets it up first): only a process that
trains imports it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from engine.backend import import_keras
from engine.events import EpochEnd, Progress
from engine.status import RunStatus
from engine.trainer import PROGRESS_INTERVAL, Emit, _exploded, _finite

keras = import_keras()

EPOCH_KEYS = ("loss", "categorical_accuracy", "val_loss", "val_categorical_accuracy")


class FitEvents(keras.callbacks.Callback):
    """Args:
    emit: where the events go.
    steps: SGD steps in one epoch.
    cancel: set by another thread to stop after the current execution step (kept as cancelled).
    batches_done: SGD steps finished once fit's batch `batch` (0-based) has run; fit's batches are blocks of
        steps when the input is blocked (engine/blocks.py). Default: one step a batch.
    probe: the model -> mean |dL/dW| of each layer, sent with each kept epoch; None sends no gradients.
    after_first_epoch: called once the first epoch has ended (its programs are compiled by then).
    progress_interval: the fewest seconds between two Progress events (an epoch's last one always goes).
    clock: seconds, for the epochs' durations and the progress interval.
    """

    def __init__(
        self,
        emit: Emit,
        steps: int,
        cancel: threading.Event,
        batches_done: Callable[[int], int] | None = None,
        probe: Callable[[object], list[float]] | None = None,
        after_first_epoch: Callable[[], None] | None = None,
        progress_interval: float = PROGRESS_INTERVAL,
        clock: Callable[[], float] = time.perf_counter,
    ):
        super().__init__()
        self.emit = emit
        self.steps = steps
        self.cancel = cancel
        self.batches_done = batches_done or (lambda batch: batch + 1)
        self.probe = probe
        self.after_first_epoch = after_first_epoch
        self.progress_interval = progress_interval
        self.clock = clock
        self.on_train_begin()

    def on_train_begin(self, logs=None):
        self.status = RunStatus.COMPLETED
        self.epoch_seconds: list[float] = []
        self.last_weights: list | None = None
        self.last_val: tuple[float, float] | None = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_started = self.clock()
        self.last_progress = 0.0
        self.epoch = epoch + 1
        self.done = 0

    def on_train_batch_end(self, batch, logs=None):
        self.done = self.batches_done(batch)
        if self.cancel.is_set():
            self.status = RunStatus.CANCELLED
            self.model.stop_training = True
        now = self.clock()
        if now - self.last_progress < self.progress_interval and self.done < self.steps:
            return
        self.last_progress = now
        logs = logs or {}
        loss, acc = logs.get("loss"), logs.get("categorical_accuracy")
        if _exploded(loss):
            self.status = RunStatus.DIVERGED
            self.model.stop_training = True
        self.emit(
            Progress(
                self.epoch,
                min(self.done, self.steps),
                self.steps,
                float(loss) if _finite(loss) else None,
                float(acc) if _finite(acc) else None,
            )
        )

    def on_epoch_end(self, epoch, logs=None):
        seconds = self.clock() - self.epoch_started
        if self.done < self.steps and self.status != RunStatus.DIVERGED:
            return  # cancelled mid-epoch: that epoch did not finish, so it is not kept
        # (an epoch stopped because the loss blew up is kept, with the values it blew up to)
        logs = logs or {}
        values = [float(logs[k]) if k in logs else math.nan for k in EPOCH_KEYS]
        if not all(math.isfinite(v) for v in values) or _exploded(values[0]) or _exploded(values[2]):
            self.status = RunStatus.DIVERGED
            self.model.stop_training = True
        self.epoch_seconds.append(seconds)
        if self.status != RunStatus.DIVERGED:
            self.last_weights = self.model.get_weights()  # copies: ~1 MB for these nets
            self.last_val = values[2], values[3]
        gradients = None
        if self.probe is not None and self.status != RunStatus.DIVERGED:
            gradients = self.probe(self.model)
        self.emit(EpochEnd(self.epoch, *values, seconds=seconds, gradients=gradients))
        if self.epoch == 1 and self.after_first_epoch is not None:
            self.after_first_epoch()
