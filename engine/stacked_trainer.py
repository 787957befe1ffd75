"""Training K networks of one shape (seeds of one spec) as one stacked model: one fit, K sets of events.

Each network starts from the weights its own run would draw under its seed and sees the batches its own
run would see: its own permutation per epoch, drawn exactly as engine/blocks.py draws it (numpy's global
random state after seeding on JAX, a seeded tf.data shuffle on TensorFlow), replayed from a state captured
right after its weights are drawn. A step of the stacked model is then one SGD update of every network.

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
from collections.abc import Callable

import numpy as np

from engine.confusion import confusion_matrix
from engine.data import Splits
from engine.events import EpochEnd, Finished, Phase, Progress, Started
from engine.spec import NetworkSpec
from engine.status import RunStatus
from engine.trainer import DIVERGED_LOSS, PROBE_BATCH, PROGRESS_INTERVAL, Emit, _exploded, _finite, seconds_summary


def _order_source(n: int):
    """Where one network's epoch permutations come from, made right after its seeding as its own run
    makes them (engine/blocks.py): a seeded tf.data shuffle on TensorFlow, numpy's global random state
    on JAX (a copy of it: each network replays its own)."""
    from engine.backend import backend_name

    if backend_name() == "tensorflow":
        import tensorflow as tf

        return tf.data.Dataset.range(n).shuffle(n, reshuffle_each_iteration=True).batch(n)
    state = np.random.RandomState()
    state.set_state(np.random.get_state())
    return lambda: state.permutation(n)


def seeded_starts(specs: list[NetworkSpec], n: int) -> tuple[list[list[np.ndarray]], list[Callable]]:
    """Each network's initial weights and its permutation source, drawn under its own seed."""
    from engine.backend import import_keras
    from engine.model import seeded_network

    keras = import_keras()
    weights, orders = [], []
    for spec in specs:
        weights.append(keras.Model(*seeded_network(spec)).get_weights())
        orders.append(_order_source(n))
    return weights, orders


def stacked_input(x: np.ndarray, y: np.ndarray, plan, orders: list) -> dict:
    """`fit` arguments for stacked block elements: per step the K networks' batches one after another
    (K * b, 784) and their labels (b, K, 10), in blocks of engine/blocks.py's plan, each network in its
    own order. On TensorFlow a tf.data pipeline over the networks' own shuffles, zipped (so however fit
    iterates it, each network's shuffle is iterated as in its own run); on JAX numpy gathers."""
    from engine.backend import backend_name

    if backend_name() == "tensorflow":
        return {"x": _tf_stacked_blocks(x, y, plan, orders), "shuffle": False}
    return {"x": _numpy_stacked_blocks(x, y, plan, orders), "shuffle": False}


def _stacked_element(y, rows, meta, tail=None, take=None, transpose=None, reshape=None):
    """(steps, K, b) rows and (K, p) tail rows -> the packed element: row numbers (steps, K * b, 1) for
    the model to gather images by, labels (steps, b, K, 10). Same code for numpy and TensorFlow."""
    from engine.blocks import pack

    steps, k, b = rows.shape
    xb = reshape(rows, (steps, k * b, 1))
    yb = transpose(take(y, rows), (0, 2, 1, 3))
    if tail is None:
        return pack(xb, yb, meta)
    xt = reshape(tail, (-1, 1))
    yt = transpose(take(y, tail), (1, 0, 2))
    return pack(xb, yb, meta, xt, yt)


def _numpy_stacked_blocks(x: np.ndarray, y: np.ndarray, plan, orders: list):
    from engine.backend import import_keras

    keras = import_keras()

    def take(a, rows):
        return a[rows]

    def transpose(a, axes):
        return np.ascontiguousarray(a.transpose(axes))

    class StackedBlocks(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.on_epoch_end()

        def __len__(self) -> int:
            return len(self.elements)

        def __getitem__(self, i: int):
            rows, tail, meta = self.elements[i]
            return _stacked_element(y, rows, meta, tail, take, transpose, np.reshape)

        def on_epoch_end(self) -> None:
            per_network = [plan.element_indices(draw().astype(np.int32)) for draw in orders]
            self.elements = []
            for parts in zip(*per_network, strict=True):
                rows = np.stack([p[0] for p in parts], axis=1)
                tail = None if parts[0][1] is None else np.stack([p[1] for p in parts])
                self.elements.append((rows, tail, parts[0][2]))

    return StackedBlocks()


def _tf_stacked_blocks(x: np.ndarray, y: np.ndarray, plan, orders: list):
    """engine/blocks.py's _tf_blocks with a network axis: every network's permutation, cut the same way."""
    import tensorflow as tf

    from engine.blocks import _as_tensors

    _, ys = _as_tensors(x, y)
    k = len(orders)
    b, full, p = plan.batch_size, plan.full_batches, plan.partial
    sizes = plan.full_steps
    elements, steps = len(sizes), max(plan.k, 1)
    meta = tf.constant([[c, 0] for c in sizes[:-1]] + [[sizes[-1], 1 if p else 0]], dtype=tf.int32)

    def elements_of(*perms):
        perm = tf.cast(tf.stack(perms), tf.int32)  # (K, n)
        body = tf.concat([perm[:, : full * b], tf.zeros((k, elements * steps * b - full * b), perm.dtype)], 1)
        rows = tf.transpose(tf.reshape(body, (k, elements, steps, b)), (1, 2, 0, 3))  # (elements, steps, K, b)
        if not p:
            return tf.data.Dataset.from_tensor_slices((rows, meta))
        tails = tf.concat([tf.zeros((elements - 1, k, p), perm.dtype), perm[tf.newaxis, :, full * b :]], 0)
        return tf.data.Dataset.from_tensor_slices((rows, tails, meta))

    def gather(rows, *rest):
        tail = rest[0] if p else None
        return _stacked_element(ys, rows, rest[-1], tail, tf.gather, tf.transpose, tf.reshape)

    data = tf.data.Dataset.zip(tuple(orders)).flat_map(elements_of).map(gather, num_parallel_calls=tf.data.AUTOTUNE)
    return data.apply(tf.data.experimental.assert_cardinality(elements)).prefetch(2)


class _Network:
    """One network's bookkeeping inside the stacked fit."""

    def __init__(self, emit: Emit):
        self.emit = emit
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
) -> list[Finished]:
    """Train the specs (one shape, one epoch count, different seeds) together; one Finished per spec.
    shared_order: every network sees the first one's batches (faster: the first layer is one matmul for
    all); the others then differ from their own runs in order, and each run says so (extra.shared_order).
    trained: a list filled with each network's final weights (None where it did not complete)."""
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
    nets = [_Network(emit) for emit in emits]

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
            if cancel.is_set():
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
            else:
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

    status = "cancelled" if state["cancelled"] else "completed"
    results: list[Finished | None] = [None] * len(nets)
    evaluate = []
    for i, net in enumerate(nets):
        if net.status == RunStatus.DIVERGED:
            why = f"loss became NaN, infinite or over {DIVERGED_LOSS:g} (the weights blew up)"
            results[i] = _summary(net, RunStatus.DIVERGED, len(nets), error=why)
        elif not net.seconds:  # cancelled before the first epoch ended: nothing to evaluate
            results[i] = _summary(net, status, len(nets))
        else:
            evaluate.append(i)
    if evaluate:
        training_seconds = time.perf_counter() - state["started"]  # the clock stops at "evaluating"
        for i in evaluate:
            nets[i].emit(Phase("evaluating"))
        if state["weights"] is not None:  # a cancel stops partway into an epoch: back to its last end
            set_trainable(model, state["weights"])
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
                status,
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
