"""What a stacked fit (engine/stacked_trainer.py) trains on: each network's initial weights and batch order,
drawn under its own seed as its own run draws them, and the block elements fed to fit with a network axis.

Each network's permutation per epoch is drawn exactly as engine/blocks.py draws it for a single run
(numpy's global random state after seeding on JAX, a seeded tf.data shuffle on TensorFlow), replayed from
a state captured right after its weights are drawn.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.spec import NetworkSpec


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
    """engine/blocks.py's numpy blocks with a network axis: each epoch every network's own permutation."""
    from engine.blocks import epoch_blocks

    def take(a, rows):
        return a[rows]

    def transpose(a, axes):
        return np.ascontiguousarray(a.transpose(axes))

    def draw() -> list:
        per_network = [plan.element_indices(order().astype(np.int32)) for order in orders]
        items = []
        for parts in zip(*per_network, strict=True):
            rows = np.stack([p[0] for p in parts], axis=1)
            tail = None if parts[0][1] is None else np.stack([p[1] for p in parts])
            items.append((rows, tail, parts[0][2]))
        return items

    def element(item):
        rows, tail, meta = item
        return _stacked_element(y, rows, meta, tail, take, transpose, np.reshape)

    return epoch_blocks(draw, element)


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
