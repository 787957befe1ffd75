"""Training: model.fit with a callback that turns Keras's hooks into engine events (engine/fit_events.py).

Cancel: another thread sets `cancel`; the callback sees it after the current execution step and sets
`model.stop_training`. NaN loss ends the run as diverged. The weights after the last completed epoch are
evaluated on every split (a cancel stops partway into the next epoch: those weights are put back first,
and Finished.extra["evaluated"] says which epoch's weights were evaluated).
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from engine.confusion import confusion_matrix
from engine.data import Splits
from engine.events import Event, Finished, Phase, Started
from engine.paths import APP
from engine.spec import NetworkSpec
from engine.status import RunStatus

if TYPE_CHECKING:
    from engine.fit_events import FitEvents

Emit = Callable[[Event], None]
NextUp = Callable[[], NetworkSpec | None]  # the network a queue trains next, if it shares this run's data
PROGRESS_INTERVAL = 0.25  # seconds between Progress events: a few a second is plenty for a screen
PROBE_BATCH = 256


class NetTrainer(Protocol):
    """What the runner needs; tests substitute a fake that emits events on a timer."""

    def prepare(self, emit: Emit) -> None: ...

    def train(
        self, spec: NetworkSpec, splits: Splits, emit: Emit, cancel: threading.Event, next_up: NextUp | None = None
    ) -> Finished: ...


def _finite(x) -> bool:
    return x is not None and math.isfinite(float(x))


# Cross-entropy at chance is ln 10 ~ 2.3. Weights that blew up (relu at a learning rate of 10,000) give a
# huge but finite loss long before any NaN: on TensorFlow Keras computes it from the logits (1e18 and up);
# on JAX it clips probabilities at 1e-7, so there it tops out near -ln(1e-7) ~ 16. Over 10 (more than 4x
# guessing) is a blown-up net on both.
DIVERGED_LOSS = 10.0


def _exploded(loss) -> bool:
    return loss is not None and not (_finite(loss) and float(loss) < DIVERGED_LOSS)


def seconds_summary(seconds: list[float]) -> tuple[float | None, float | None]:
    """(first epoch, mean of the others): the first epoch includes graph tracing/compilation."""
    if not seconds:
        return None, None
    rest = seconds[1:] or seconds
    return seconds[0], sum(rest) / len(rest)


class KerasTrainer:
    def __init__(self, probe_gradients: bool = True, reuse_models: bool = True):
        from engine.warm_up import WarmUp

        self.probe_gradients = probe_gradients
        self.reuse_models = reuse_models  # engine/model_pool.py: a network trained again skips compiling
        self.warm_up = WarmUp()  # engine/warm_up.py: the next network of a queue compiles during this one
        self.trained_weights: list | None = None  # the last completed run's weights, until the runner keeps them

    def prepare(self, emit: Emit) -> None:
        from engine.backend import (
            backend_name,
            background_priority,
            device_name,
            gpu_mismatch_warning,
            import_keras,
            requested_backend,
        )

        background_priority()  # before Keras starts its compute threads: they inherit it
        emit(Phase("loading TensorFlow" if requested_backend() == "tensorflow" else "loading Keras"))
        import_keras()
        if warning := gpu_mismatch_warning(device_name()):
            print(f"{APP}: warning: {warning}", file=sys.stderr, flush=True)
            emit(Phase(f"warning: {warning}"))
        emit(Phase(f"Keras ready on {backend_name()}"))

    def train(
        self, spec: NetworkSpec, splits: Splits, emit: Emit, cancel: threading.Event, next_up: NextUp | None = None
    ) -> Finished:
        from engine.backend import backend_name, background_priority, device_name, import_keras, versions
        from engine.blocks import evaluation_input, training_input, validation_kwargs
        from engine.gradients import mean_abs_kernel_gradients
        from engine.model import build_model, eval_batch_size
        from engine.model_pool import give_back, graph_key, take_model

        background_priority()
        import_keras()
        from engine.fit_events import FitEvents  # a Keras callback: imports Keras, so after the priority is set

        emit(Phase("building model"))
        self.warm_up.wait()  # this network may be compiling ahead: finishing beats starting over
        pooled = take_model(spec) if self.reuse_models else None
        model = pooled.model if pooled else build_model(spec)
        train_input = training_input(splits.x_train, splits.y_train, spec.batch_size)
        steps = math.ceil(len(splits.x_train) / spec.batch_size)
        eval_batch = eval_batch_size(len(splits.x_train), len(splits.x_val), len(splits.x_test))
        emit(
            Started(
                run_id=None,
                epochs=spec.epochs,
                steps_per_epoch=steps,
                train_size=len(splits.x_train),
                val_size=len(splits.x_val),
                test_size=len(splits.x_test),
                backend=backend_name(),
                device=device_name(),
                versions=versions(),
            )
        )
        training_started = time.perf_counter()  # the live row's clock starts at Started too
        probe_x, probe_y = splits.x_train[:PROBE_BATCH], splits.y_train[:PROBE_BATCH]
        probe = self.probe_gradients
        warm_up = self.warm_up if self.reuse_models and next_up is not None else None

        def warm_next() -> None:
            """Once this run's own programs are compiled (its first epoch is over), compile the next's."""
            upcoming = next_up() if next_up is not None else None
            if warm_up is not None and upcoming is not None and graph_key(upcoming) != graph_key(spec):
                warm_up.start(upcoming, splits, eval_batch, PROBE_BATCH)

        events = FitEvents(
            emit,
            steps,
            cancel,
            batches_done=train_input.batches_done,  # fit's batches are blocks of SGD steps (engine/blocks.py)
            probe=(lambda m: mean_abs_kernel_gradients(m, probe_x, probe_y)) if probe else None,
            after_first_epoch=warm_next,
        )
        try:
            model.fit(
                **train_input.fit_kwargs,
                epochs=spec.epochs,
                **validation_kwargs(evaluation_input(splits.x_val, splits.y_val, eval_batch)),
                verbose=0,
                callbacks=[events],
            )
        except Exception as exc:  # any Keras/TF failure becomes a failed run, never a crash
            first, per_epoch = seconds_summary(events.epoch_seconds)
            return Finished(
                None,
                RunStatus.FAILED,
                len(events.epoch_seconds),
                seconds_per_epoch=per_epoch,
                first_epoch_seconds=first,
                error=f"{exc.__class__.__name__}: {exc}",
            )
        finished = self._finish(model, events, training_started, splits, eval_batch, emit)
        self.trained_weights = model.get_weights() if finished.status == RunStatus.COMPLETED else None
        if pooled:  # trained and evaluated without an error: it serves the next run of this network
            give_back(spec, pooled)
        return finished

    def _finish(
        self, model, events: FitEvents, started: float, splits: Splits, eval_batch: int, emit: Emit
    ) -> Finished:
        from engine.blocks import evaluation_input

        seconds = events.epoch_seconds
        first, per_epoch = seconds_summary(seconds)
        result = dict(epochs_completed=len(seconds), seconds_per_epoch=per_epoch, first_epoch_seconds=first)
        if events.status == RunStatus.DIVERGED:
            why = f"loss became NaN, infinite or over {DIVERGED_LOSS:g} (the weights blew up)"
            return Finished(None, RunStatus.DIVERGED, error=why, **result)
        if not seconds:  # cancelled before the first epoch ended: nothing to evaluate
            return Finished(None, events.status, **result)
        # the training clock stops here, as the screens' clock does at "evaluating"
        training_seconds = time.perf_counter() - started
        emit(Phase("evaluating"))
        if events.last_weights is not None:  # a cancel stops partway into an epoch: back to its last end
            model.set_weights(events.last_weights)
        metrics = {}
        # validation of these weights already ran at that epoch's end, same batches: not run twice
        metrics["val_loss"], metrics["val_accuracy"] = events.last_val
        for split, x, y in (("train", splits.x_train, splits.y_train), ("test", splits.x_test, splits.y_test)):
            loss, acc = model.evaluate(**evaluation_input(x, y, eval_batch), verbose=0)
            metrics[f"{split}_loss"], metrics[f"{split}_accuracy"] = float(loss), float(acc)
        # how often the final model predicts each digit on test: a net that answers one digit for every image
        # shows as one count holding them all
        test_input = evaluation_input(splits.x_test, splits.y_test, eval_batch)
        test_input.pop("y", None)  # predict takes images alone
        predicted = model.predict(**test_input, verbose=0).argmax(axis=1)
        extra = {"test_predicted_counts": [int((predicted == d).sum()) for d in range(splits.y_test.shape[1])]}
        extra["evaluated"] = f"after epoch {len(seconds)}"
        # and which digit it gave each test image, one byte each: the confusion matrix and the paired test
        predictions = predicted.astype("uint8").tobytes()
        extra["test_confusion"] = confusion_matrix(splits.y_test.argmax(axis=1), predicted)
        extra["training_seconds"] = training_seconds
        return Finished(None, events.status, **result, **metrics, extra=extra, predictions=predictions)
