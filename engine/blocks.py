"""Training data in blocks of up to BLOCK_BATCHES batches, so one compiled call runs that many SGD steps.

Why: for a small dense net on a CPU, per-step overhead is most of an epoch. Keras's `steps_per_execution`
still pays it: on JAX it returns to Python after every step, on TensorFlow every step goes through a
tf.data `get_next` and graph control flow outside XLA. Here each element fed to `fit` is a block of
batches, shape (k, batch, 784), and engine.block_model's train_step runs the k steps inside one compiled
loop (tf.while_loop under XLA, jax.lax.scan).

The math is Keras's own: one permutation of the training set per epoch (as `fit(..., shuffle=True)`),
cut into consecutive batches of `batch_size`, the last one partial; each batch is one SGD update. A
partial last batch cannot be stacked with full ones, so it travels as a block of its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

import numpy as np

from engine.backend import backend_name, import_keras

BLOCK_BATCHES = 64  # SGD steps per compiled call: ~25 Python round trips per epoch of 60k images


@dataclass(frozen=True)
class BlockPlan:
    """How one epoch of n examples is cut: batches per block, in order."""

    n: int
    batch_size: int
    block: int = BLOCK_BATCHES

    @property
    def full_batches(self) -> int:
        return self.n // self.batch_size

    @property
    def partial(self) -> int:
        """Size of the last, partial batch (0 if n divides evenly)."""
        return self.n % self.batch_size

    @property
    def steps(self) -> int:
        return math.ceil(self.n / self.batch_size)

    @property
    def blocks(self) -> list[int]:
        full, k = self.full_batches, self.block
        sizes = [k] * (full // k) + ([full % k] if full % k else [])
        return sizes + ([1] if self.partial else [])

    def batches_done(self, block_index: int) -> int:
        """SGD steps finished once block `block_index` (0-based) has run."""
        done = list(accumulate(self.blocks))
        return done[min(block_index, len(done) - 1)]


@dataclass(frozen=True)
class TrainingInput:
    """What `model.fit` gets for the training set, and how to turn its batch index into SGD steps."""

    fit_kwargs: dict
    batches_done: Callable[[int], int]
    blocked: bool


def training_input(x: np.ndarray, y: np.ndarray, batch_size: int, block: int = BLOCK_BATCHES) -> TrainingInput:
    plan = BlockPlan(len(x), batch_size, block)
    backend = backend_name()
    if backend == "tensorflow":
        return TrainingInput({"x": _tf_blocks(x, y, plan), "shuffle": False}, plan.batches_done, True)
    if backend == "jax":  # (shuffle=False: the blocks shuffle themselves, once per epoch)
        return TrainingInput({"x": _numpy_blocks(x, y, plan), "shuffle": False}, plan.batches_done, True)
    # other backends: Keras's own batching, one step per call
    steps = plan.steps
    kwargs = {"x": x, "y": y, "batch_size": batch_size, "shuffle": True}
    return TrainingInput(kwargs, lambda i: min(i + 1, steps), False)


def _tf_blocks(x: np.ndarray, y: np.ndarray, plan: BlockPlan):
    """A tf.data pipeline over tensors made once: a fresh permutation per iteration (epoch), gathered
    block by block in tf.data's threads while the previous block trains."""
    import tensorflow as tf

    xs, ys = tf.convert_to_tensor(x), tf.convert_to_tensor(y)
    n, b, full = plan.n, plan.batch_size, plan.full_batches

    def blocks_of(perm):
        blocks = tf.data.Dataset.from_tensor_slices(tf.reshape(perm[: full * b], (full, b))).batch(plan.block)
        if plan.partial:
            tail = tf.data.Dataset.from_tensors(perm[full * b :][tf.newaxis, :])
            blocks = blocks.concatenate(tail)
        return blocks

    # Dataset.shuffle, not tf.random.shuffle in a map: under a global seed (keras.utils.set_random_seed)
    # a random op inside a tf.data function repeats the same values on every iteration, so every epoch
    # would see the same order (tensorflow#35682). shuffle(reshuffle_each_iteration=True) reshuffles,
    # reproducibly. One element: the whole epoch's permutation.
    perms = tf.data.Dataset.range(n).shuffle(n, reshuffle_each_iteration=True).batch(n)
    indices = perms.flat_map(blocks_of)
    data = indices.map(lambda i: (tf.gather(xs, i), tf.gather(ys, i)), num_parallel_calls=tf.data.AUTOTUNE)
    return data.apply(tf.data.experimental.assert_cardinality(len(plan.blocks))).prefetch(2)


def _numpy_blocks(x: np.ndarray, y: np.ndarray, plan: BlockPlan):
    keras = import_keras()

    class NumpyBlocks(keras.utils.PyDataset):
        """Blocks gathered with numpy from a permutation drawn per epoch (np.random, seeded by
        keras.utils.set_random_seed, as Keras's own array adapter does)."""

        def __init__(self):
            super().__init__()
            starts = [0, *accumulate(plan.blocks)]
            self.spans = list(zip(starts, starts[1:], strict=False))
            self.order = np.random.permutation(plan.n)

        def __len__(self) -> int:
            return len(self.spans)

        def __getitem__(self, i: int):
            first, last = self.spans[i]
            b = plan.batch_size
            index = self.order[first * b : min(last * b, plan.n)]
            index = index.reshape(last - first, -1)  # (k, batch), or (1, partial) for the last one
            return x[index], y[index]

        def on_epoch_end(self) -> None:
            self.order = np.random.permutation(plan.n)

    return NumpyBlocks()
