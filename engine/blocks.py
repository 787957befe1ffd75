"""Training data in blocks of up to BLOCK_BATCHES batches, so one compiled call runs that many SGD steps.

Why: for a small dense net on a CPU, per-step overhead is most of an epoch. Keras's `steps_per_execution`
still pays it: on JAX it returns to Python after every step, on TensorFlow every step goes through a
tf.data `get_next` and graph control flow outside XLA. Here each element fed to `fit` is a block of
batches, shape (k, batch, 784), and engine.block_model's train_step runs its steps inside one compiled
loop (tf.while_loop under XLA, jax.lax.while_loop).

Every element of a run has the same shapes, so the training program is traced and compiled once per run
(each new input shape is another trace and another XLA compile, which cost more than an epoch): the last
block is padded to k batches and carries how many of them are real (the loop stops there; padding is
never computed), and the partial last batch of the epoch rides along in every element as a `tail` that
only the last element switches on.

The math is Keras's own: one permutation of the training set per epoch (as `fit(..., shuffle=True)`),
cut into consecutive batches of `batch_size`, the last one partial; each batch is one SGD update, in order.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

import numpy as np

from engine.backend import backend_name, import_keras

BLOCK_BATCHES = 64  # SGD steps per compiled call: ~25 Python round trips per epoch of 60k images


@dataclass(frozen=True)
class BlockPlan:
    """How one epoch of n examples is cut: full batches in blocks of `k`, the partial batch last."""

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
    def k(self) -> int:
        """Batch slots per element: the block size, smaller when the epoch has fewer full batches."""
        return min(self.block, self.full_batches)

    @property
    def full_steps(self) -> list[int]:
        """Real full batches in each element (the last may be fewer than k: the rest is padding)."""
        full, k = self.full_batches, self.k
        if not full:
            return [0]  # fewer examples than one batch: one element, the partial batch alone
        return [k] * (full // k) + ([full % k] if full % k else [])

    @property
    def blocks(self) -> list[int]:
        """SGD steps per element, in order: the partial batch is the last element's extra step."""
        sizes = self.full_steps
        return sizes[:-1] + [sizes[-1] + (1 if self.partial else 0)]

    def batches_done(self, block_index: int) -> int:
        """SGD steps finished once element `block_index` (0-based) has run."""
        done = list(accumulate(self.blocks))
        return done[min(block_index, len(done) - 1)]

    def element_indices(self, order: np.ndarray) -> list[tuple[np.ndarray, np.ndarray | None, np.ndarray]]:
        """One epoch's permutation -> per element (block indices (k, batch), tail indices or None,
        meta [real full batches, 1 if the tail trains]). Padding slots index example 0; they never run."""
        b, full, p = self.batch_size, self.full_batches, self.partial
        sizes = self.full_steps
        tail = order[full * b :] if p else None
        out = []
        start = 0
        for i, count in enumerate(sizes):
            last = i == len(sizes) - 1
            block = np.zeros((max(self.k, 1), b), dtype=order.dtype)
            block[:count] = order[start * b : (start + count) * b].reshape(count, b)
            start += count
            tail_here = None if tail is None else (tail if last else np.zeros_like(tail))
            meta = np.array([count, 1 if (last and p) else 0], dtype=np.int32)
            out.append((block, tail_here, meta))
        return out


def pack(x_block, y_block, meta, x_tail=None, y_tail=None):
    """The element fit gets: ((x block, x tail), (y block, y tail), meta); no tail when n divides evenly.
    engine.block_model unpacks it (meta travels where Keras puts sample weights)."""
    if x_tail is None:
        return x_block, y_block, meta
    return (x_block, x_tail), (y_block, y_tail), meta


@dataclass(frozen=True)
class TrainingInput:
    """What `model.fit` gets for the training set, and how to turn its batch index into SGD steps."""

    fit_kwargs: dict
    batches_done: Callable[[int], int]


def training_input(x: np.ndarray, y: np.ndarray, batch_size: int, block: int = BLOCK_BATCHES) -> TrainingInput:
    plan = BlockPlan(len(x), batch_size, block)
    backend = backend_name()
    if backend == "tensorflow":
        return TrainingInput({"x": _tf_blocks(x, y, plan), "shuffle": False}, plan.batches_done)
    # JAX, the one other backend engine.backend accepts (shuffle=False: the blocks shuffle themselves)
    blocks = _device_blocks(x, y, plan) if device_data_wanted() else _numpy_blocks(x, y, plan)
    return TrainingInput({"x": blocks, "shuffle": False}, plan.batches_done)


def evaluation_input(x: np.ndarray, y: np.ndarray, batch_size: int, keep: bool = True) -> dict:
    """Keyword arguments for `evaluate`/`predict` over one split, in order, in batches of batch_size.
    On TensorFlow a tf.data pipeline over tensors made once per process: given numpy arrays, Keras
    copies the whole split into a new tensor on every call (0.2-0.5 s for the 50,000 training images,
    at every validation and every final evaluation). keep=False: a one-off input, not kept."""
    if backend_name() != "tensorflow":
        return {"x": x, "y": y, "batch_size": batch_size}
    import tensorflow as tf

    tensors = _as_tensors(x, y) if keep else (x, y)
    return {"x": tf.data.Dataset.from_tensor_slices(tensors).batch(batch_size)}


def validation_kwargs(data: dict) -> dict:
    """evaluation_input's arguments as fit's validation arguments."""
    if "y" not in data:
        return {"validation_data": data["x"]}
    return {"validation_data": (data["x"], data["y"]), "validation_batch_size": data["batch_size"]}


def warm_up_input(x: np.ndarray, y: np.ndarray, batch_size: int, block: int = BLOCK_BATCHES) -> dict:
    """`fit` arguments for one element shaped and typed exactly as training_input's (so it reaches the same
    compiled program), running one SGD step on the first examples. It draws nothing at random: it may run
    while another run trains, whose shuffling reads the process's random state."""
    plan = BlockPlan(len(x), batch_size, block)
    rows, tail, meta = plan.element_indices(np.arange(plan.n))[0]
    meta = np.array([min(1, meta[0]), 0 if meta[0] else meta[1]], dtype=np.int32)
    if tail is None:
        element = pack(x[rows], y[rows], meta)
    else:
        element = pack(x[rows], y[rows], meta, x[tail], y[tail])
    if backend_name() == "tensorflow":
        import tensorflow as tf

        return {"x": tf.data.Dataset.from_tensors(element), "shuffle": False}
    keras = import_keras()

    class OneElement(keras.utils.PyDataset):
        def __len__(self) -> int:
            return 1

        def __getitem__(self, i: int):
            return element

    return {"x": OneElement(), "shuffle": False}


_tensors: dict[tuple[int, int], tuple] = {}  # (id(x), id(y)) -> (x, y, x tensor, y tensor)


def _as_tensors(x: np.ndarray, y: np.ndarray):
    """TensorFlow copies of arrays made once per process: a queue of runs shares the process's one copy
    of the data (engine.data), and so its tensors. The arrays are held too, so an id is never reused."""
    import tensorflow as tf

    key = (id(x), id(y))
    if key not in _tensors:
        if len(_tensors) >= 3:  # one dataset's train, validation and test; another dataset replaces them
            _tensors.pop(next(iter(_tensors)))
        _tensors[key] = (x, y, tf.convert_to_tensor(x), tf.convert_to_tensor(y))
    return _tensors[key][2:]


def _tf_blocks(x: np.ndarray, y: np.ndarray, plan: BlockPlan):
    """A tf.data pipeline over tensors made once: a fresh permutation per iteration (epoch), gathered
    block by block in tf.data's threads while the previous block trains."""
    import tensorflow as tf

    xs, ys = _as_tensors(x, y)
    n, b, full, p = plan.n, plan.batch_size, plan.full_batches, plan.partial
    sizes = plan.full_steps
    elements, k = len(sizes), max(plan.k, 1)
    meta = tf.constant([[c, 0] for c in sizes[:-1]] + [[sizes[-1], 1 if p else 0]], dtype=tf.int32)

    def elements_of(perm):
        body = tf.concat([perm[: full * b], tf.zeros(elements * k * b - full * b, perm.dtype)], 0)
        blocks = tf.reshape(body, (elements, k, b))
        if not p:
            return tf.data.Dataset.from_tensor_slices((blocks, meta))
        tails = tf.concat([tf.zeros(((elements - 1), p), perm.dtype), perm[tf.newaxis, full * b :]], 0)
        return tf.data.Dataset.from_tensor_slices((blocks, tails, meta))

    def gather(block, *rest):
        meta_i = rest[-1]
        if not p:
            return pack(tf.gather(xs, block), tf.gather(ys, block), meta_i)
        tail = rest[0]
        return pack(tf.gather(xs, block), tf.gather(ys, block), meta_i, tf.gather(xs, tail), tf.gather(ys, tail))

    # Dataset.shuffle, not tf.random.shuffle in a map: under a global seed (keras.utils.set_random_seed)
    # a random op inside a tf.data function repeats the same values on every iteration, so every epoch
    # would see the same order (tensorflow#35682). shuffle(reshuffle_each_iteration=True) reshuffles,
    # reproducibly. One element: the whole epoch's permutation.
    perms = tf.data.Dataset.range(n).shuffle(n, reshuffle_each_iteration=True).batch(n)
    data = perms.flat_map(elements_of).map(gather, num_parallel_calls=tf.data.AUTOTUNE)
    return data.apply(tf.data.experimental.assert_cardinality(elements)).prefetch(2)


def _numpy_blocks(x: np.ndarray, y: np.ndarray, plan: BlockPlan, take=None):
    """Blocks gathered from a permutation drawn per epoch (np.random, seeded by keras.utils.set_random_seed,
    as Keras's own array adapter does): by numpy on the host, or by `take(rows)` -> (x rows, y rows)."""
    take = take or (lambda rows: (x[rows], y[rows]))

    def element(parts):
        block, tail, meta = parts
        if tail is None:
            return pack(*take(block), meta)
        return pack(*take(block), meta, *take(tail))

    return epoch_blocks(lambda: plan.element_indices(np.random.permutation(plan.n)), element)


def epoch_blocks(draw: Callable[[], list], element: Callable):
    """A Keras PyDataset of one epoch's elements: draw() makes the epoch's list (its permutation cut into
    blocks) at the start and again at every epoch's end, element(item) turns one item into what fit gets.
    One run's blocks (above) and the stacked networks' (engine/stacked_input.py) are both this."""
    keras = import_keras()

    class EpochBlocks(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.on_epoch_end()

        def __len__(self) -> int:
            return len(self.items)

        def __getitem__(self, i: int):
            return element(self.items[i])

        def on_epoch_end(self) -> None:
            self.items = draw()

    return EpochBlocks()


DEVICE_DATA_ENV = "MNIST_TUI_DEVICE_DATA"


def device_data_wanted() -> bool:
    """JAX: keep the training set on the device and gather each block there by index. On a GPU a block
    gathered on the host is staged and copied to the device at every block; on the device only the
    block's indices travel. On a CPU the device is the host, and a second copy of the training set would
    only cost memory, so it is off there. MNIST_TUI_DEVICE_DATA=1/0 forces either (the tests compare
    both, bit for bit: a gather copies values, so the steps see the same numbers)."""
    forced = os.environ.get(DEVICE_DATA_ENV)
    if forced is not None:
        return forced.strip().lower() not in ("", "0", "off", "false", "no")
    import jax

    return jax.devices()[0].platform != "cpu"


_device_arrays: dict[tuple[int, int], tuple] = {}  # (id(x), id(y)) -> (x, y, x on the device, y on the device)


def _device_blocks(x: np.ndarray, y: np.ndarray, plan: BlockPlan):
    """JAX blocks gathered on the device: the arrays are placed once per process (a queue of runs shares
    the process's one copy of the data, engine.data, and so this one), each block's rows taken there by a
    compiled gather of a fixed shape (one compile per run's shapes)."""
    import jax

    key = (id(x), id(y))
    if key not in _device_arrays:
        if len(_device_arrays) >= 1:  # one training set at a time: another dataset replaces it
            _device_arrays.clear()
        _device_arrays[key] = (x, y, jax.device_put(x), jax.device_put(y))
    xs, ys = _device_arrays[key][2:]
    gather = _device_gather()
    return _numpy_blocks(x, y, plan, take=lambda rows: gather(xs, ys, rows))


def _device_gather():
    import jax

    global _gather
    if _gather is None:
        _gather = jax.jit(lambda xs, ys, rows: (xs[rows], ys[rows]))
    return _gather


_gather = None
