"""Training K networks of one shape (seeds of one spec) as one stacked model: one fit, K sets of events.

Each network starts from the weights its own run would draw under its seed and sees the batches its own
run would see (engine/stacked_input.py draws both). A step of the stacked model is then one SGD update of
every network.

Per network, as engine/trainer.py does for one: Progress and EpochEnd (with its gradients), the weights
after its last completed epoch evaluated on every split, test predictions counted per digit. A network
whose loss blows up is finished as diverged at that epoch's end while the others train on (the sum of
losses keeps its NaNs out of their gradients); when all have, training stops. Cancel stops all K.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time

import numpy as np

from engine.confusion import confusion_matrix
from engine.data import Splits
from engine.events import EpochEnd, Finished, Phase, Progress, Started
from engine.spec import NetworkSpec
from engine.stacked_input import seeded_starts, stacked_input
from engine.status import RunStatus
from engine.trainer import DIVERGED_LOSS, PROBE_BATCH, PROGRESS_INTERVAL, Emit, _exploded, _finite, seconds_summary


class _Network:
    """One network's bookkeeping inside the stacked fit."""

    def __init__(self, emit: Emit, cancel: threading.Event | None = None):
        self.emit = emit
        self.cancel = cancel or threading.Event()  # this network alone: it stops at the next epoch's end
        self.kept: list | None = None  # its weights when it was cancelled alone (the others trained on)
        self.seconds: list[float] = []
        self.status = RunStatus.COMPLETED
        self.done = False  # finished early (diverged): no more events
        self.val: tuple[float, float] | None = None


def train_stacked(
    specs: list[NetworkSpec],
    splits: Splits,
    emits: list[Emit],
    cancel: threading.Event,
    probe_gradients: bool = True,
    shared_order: bool = False,
    trained: list | None = None,
    cancels: list[threading.Event] | None = None,
) -> list[Finished]:
    """Train the specs (one shape, one epoch count, different seeds) together; one Finished per spec.
    shared_order: every network sees the first one's batches (faster: the first layer is one matmul for
    all); the others then differ from their own runs in order, and each run says so (extra.shared_order).
    trained: a list filled with each network's final weights (None where it did not complete).
    cancels: one event per network: a network whose event is set ends as cancelled at the next epoch's end,
    evaluated on its weights then, while the others train on (`cancel` stops them all at once)."""
    from engine.backend import backend_name, device_name, import_keras, versions
    from engine.blocks import BlockPlan, evaluation_input, validation_kwargs
    from engine.model import eval_batch_size
    from engine.stacked_gradients import stacked_kernel_gradients
    from engine.stacked_model import (
        build_stacked_model,
        network_weights,
        set_trainable,
        stack_weights,
        trainable_values,
    )

    keras = import_keras()
    spec, k = specs[0], len(specs)
    nets = [_Network(emit, c) for emit, c in zip(emits, cancels or [None] * len(emits), strict=True)]

    def to_all(ev) -> None:
        for net in nets:
            net.emit(ev)

    to_all(Phase(f"building {k} stacked networks"))
    n = len(splits.x_train)
    weights, orders = seeded_starts(specs, n)
    model = build_stacked_model(spec, k, splits.x_train, shared_order)
    set_trainable(model, stack_weights(weights))
    plan = BlockPlan(n, spec.batch_size)
    train_input = stacked_input(splits.x_train, splits.y_train, plan, orders[:1] if shared_order else orders)
    steps = plan.steps
    eval_batch = eval_batch_size(n, len(splits.x_val), len(splits.x_test))
    to_all(
        Started(
            run_id=None,
            epochs=spec.epochs,
            steps_per_epoch=steps,
            train_size=n,
            val_size=len(splits.x_val),
            test_size=len(splits.x_test),
            backend=backend_name(),
            device=device_name(),
            versions=versions(),
        )
    )
    probe_x, probe_y = splits.x_train[:PROBE_BATCH], splits.y_train[:PROBE_BATCH]
    state = {"cancelled": False, "weights": None, "started": time.perf_counter()}

    def live() -> list[int]:
        return [i for i, net in enumerate(nets) if not net.done]

    class Bridge(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0, self.last, self.epoch, self.done = time.perf_counter(), 0.0, epoch + 1, 0

        def on_train_batch_end(self, batch, logs=None):
            self.done = plan.batches_done(batch)
            if cancel.is_set() or all(nets[i].cancel.is_set() for i in live()):
                state["cancelled"] = True
                self.model.stop_training = True
            now = time.perf_counter()
            if now - self.last < PROGRESS_INTERVAL and self.done < steps:
                return
            self.last = now
            losses, accs = _column(logs, "net_loss", k), _column(logs, "net_accuracy", k)
            for i in live():
                if _exploded(losses[i]):
                    nets[i].status = RunStatus.DIVERGED
                nets[i].emit(
                    Progress(
                        self.epoch,
                        min(self.done, steps),
                        steps,
                        float(losses[i]) if _finite(losses[i]) else None,
                        float(accs[i]) if _finite(accs[i]) else None,
                    )
                )
            if all(nets[i].status == RunStatus.DIVERGED for i in live()):
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            seconds = time.perf_counter() - self.t0
            if self.done < steps and state["cancelled"]:
                return  # cancelled mid-epoch: that epoch did not finish, so it is not kept
            keys = ("net_loss", "net_accuracy", "val_net_loss", "val_net_accuracy")
            columns = [_column(logs, key, k) for key in keys]
            grads = None
            for i in live():
                net = nets[i]
                values = [float(c[i]) for c in columns]
                if not all(math.isfinite(v) for v in values) or _exploded(values[0]) or _exploded(values[2]):
                    net.status = RunStatus.DIVERGED
                net.seconds.append(seconds)
                gradients = None
                if net.status == RunStatus.DIVERGED:
                    net.done = True
                else:
                    net.val = values[2], values[3]
                    if probe_gradients:
                        grads = grads or stacked_kernel_gradients(self.model, probe_x, probe_y)
                        gradients = grads[i]
                net.emit(EpochEnd(self.epoch, *values, seconds=seconds, gradients=gradients))
            if live():
                state["weights"] = trainable_values(self.model)  # every network's weights after this epoch
            for i in live():
                if nets[i].cancel.is_set():  # cancelled alone: kept as it is now, the others go on
                    nets[i].status, nets[i].done = RunStatus.CANCELLED, True
                    nets[i].kept = network_weights(state["weights"], i)
            if not live():
                self.model.stop_training = True

    try:
        model.fit(
            **train_input,
            epochs=spec.epochs,
            **validation_kwargs(evaluation_input(splits.x_val, splits.y_val, eval_batch)),
            verbose=0,
            callbacks=[Bridge()],
        )
    except Exception as exc:  # any Keras/TF failure fails every run of the stack, never a crash
        error = f"{exc.__class__.__name__}: {exc}"
        return [_summary(net, RunStatus.FAILED, k, error=error) for net in nets]
    results = _finish(model, nets, state, splits, eval_batch)
    if trained is not None:
        final = trainable_values(model)
        trained[:] = [
            network_weights(final, i) if r.status == RunStatus.COMPLETED else None for i, r in enumerate(results)
        ]
    if shared_order:
        results = [dataclasses.replace(r, extra={**r.extra, "shared_order": True}) for r in results]
    return results


def _column(logs, key: str, k: int) -> np.ndarray:
    value = (logs or {}).get(key)
    return np.full(k, np.nan) if value is None else np.reshape(np.asarray(value, dtype=np.float64), (k,))


def _summary(net: _Network, status: str, k: int, extra: dict | None = None, **fields) -> Finished:
    """A network's Finished; extra["stacked"]: how many networks its program trained (its epochs' seconds
    are the wall time of all of them)."""
    first, per_epoch = seconds_summary(net.seconds)
    fields["extra"] = {**(extra or {}), "stacked": k}
    return Finished(None, status, len(net.seconds), seconds_per_epoch=per_epoch, first_epoch_seconds=first, **fields)


def _finish(model, nets: list[_Network], state: dict, splits: Splits, eval_batch: int) -> list[Finished]:
    from engine.blocks import evaluation_input
    from engine.stacked_model import set_trainable

    everyone = RunStatus.CANCELLED if state["cancelled"] else RunStatus.COMPLETED
    results: list[Finished | None] = [None] * len(nets)
    evaluate = []
    for i, net in enumerate(nets):
        if net.status == RunStatus.DIVERGED:
            why = f"loss became NaN, infinite or over {DIVERGED_LOSS:g} (the weights blew up)"
            results[i] = _summary(net, RunStatus.DIVERGED, len(nets), error=why)
        elif not net.seconds:  # cancelled before the first epoch ended: nothing to evaluate
            ended = RunStatus.CANCELLED if net.status == RunStatus.CANCELLED else everyone
            results[i] = _summary(net, ended, len(nets))
        else:
            evaluate.append(i)
    if evaluate:
        training_seconds = time.perf_counter() - state["started"]  # the clock stops at "evaluating"
        for i in evaluate:
            nets[i].emit(Phase("evaluating"))
        if state["weights"] is not None:  # a cancel stops partway into an epoch: back to its last end
            weights = [np.array(w) for w in state["weights"]]
            for i, net in enumerate(nets):
                for w, own in zip(weights, net.kept or [], strict=False):  # a network cancelled alone: its own
                    w[i] = own
            set_trainable(model, weights)
        metrics = {}
        for split, x, y in (("train", splits.x_train, splits.y_train), ("test", splits.x_test, splits.y_test)):
            logs = model.evaluate(**evaluation_input(x, y, eval_batch), verbose=0, return_dict=True)
            metrics[split] = _column(logs, "net_loss", len(nets)), _column(logs, "net_accuracy", len(nets))
        test_input = evaluation_input(splits.x_test, splits.y_test, eval_batch)
        test_input.pop("y", None)
        predicted = model.predict(**test_input, verbose=0).argmax(axis=2)  # (n, K)
        digits, truth = splits.y_test.shape[1], splits.y_test.argmax(axis=1)
        for i in evaluate:
            net = nets[i]
            extra = {
                "test_predicted_counts": [int((predicted[:, i] == d).sum()) for d in range(digits)],
                "evaluated": f"after epoch {len(net.seconds)}",
                "test_confusion": confusion_matrix(truth, predicted[:, i]),
                "training_seconds": training_seconds,
            }
            results[i] = _summary(
                net,
                RunStatus.CANCELLED if net.status == RunStatus.CANCELLED else everyone,
                len(nets),
                train_loss=float(metrics["train"][0][i]),
                train_accuracy=float(metrics["train"][1][i]),
                val_loss=net.val[0],
                val_accuracy=net.val[1],
                test_loss=float(metrics["test"][0][i]),
                test_accuracy=float(metrics["test"][1][i]),
                extra=extra,
                predictions=predicted[:, i].astype("uint8").tobytes(),  # its digit for each test image
            )
    return [r for r in results if r is not None]
