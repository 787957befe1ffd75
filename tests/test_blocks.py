"""Blocks of batches (engine/blocks.py): how an epoch is cut, and that each epoch is one fresh permutation
of the training set in batches of batch_size, the partial batch last, as fit(shuffle=True) does."""

from __future__ import annotations

import numpy as np
import pytest

from engine.blocks import BlockPlan, training_input


@pytest.mark.parametrize(
    ("n", "batch", "block", "blocks"),
    [
        (50_000, 32, 64, [64] * 24 + [27]),  # 1,562 full batches of 32, the last block 26 of them + the 16
        (2_000, 32, 64, [63]),  # 62 full batches: one block of 62 slots, then the partial batch
        (640, 32, 64, [20]),  # divides evenly: no partial batch
        (4_096, 32, 64, [64, 64]),
        (10, 32, 64, [1]),  # fewer examples than one batch: the partial batch alone
        (300, 8, 4, [4] * 9 + [2]),
    ],
)
def test_plan_cuts_every_batch_once(n, batch, block, blocks):
    plan = BlockPlan(n, batch, block)
    assert plan.blocks == blocks
    assert sum(plan.blocks) == plan.steps == -(-n // batch)
    assert [plan.batches_done(i) for i in range(len(blocks))] == list(np.cumsum(blocks))


def test_every_element_has_the_same_shapes_and_padding_is_never_trained():
    """One input shape per run is one compile per run: the last block is padded, the tail rides in every
    element, and meta says how much of each is real."""
    plan = BlockPlan(300, 8, 4)
    elements = plan.element_indices(np.arange(300))
    assert {(b.shape, t.shape) for b, t, _ in elements} == {((4, 8), (4,))}
    assert [list(m) for _, _, m in elements] == [[4, 0]] * 9 + [[1, 1]]
    real = [b[: m[0]].reshape(-1) for b, _, m in elements] + [elements[-1][1]]
    assert list(np.concatenate(real)) == list(range(300))


def epoch_of(data) -> list:
    """One epoch's elements as numpy: ((x block, x tail), (y block, y tail), meta)."""
    if hasattr(data, "__getitem__") and hasattr(data, "on_epoch_end"):  # JAX: a keras PyDataset
        elements = [data[i] for i in range(len(data))]
        data.on_epoch_end()
        return elements
    import tensorflow as tf  # TensorFlow: a tf.data.Dataset, one epoch per iteration

    return [tf.nest.map_structure(lambda t: t.numpy(), e) for e in data]


def trained_rows(element) -> tuple[np.ndarray, np.ndarray]:
    """The rows of x and y that this element trains on, in order (padding dropped)."""
    (xb, xt), (yb, yt), meta = element
    xs, ys = [xb[: meta[0]].reshape(-1, xb.shape[-1])], [yb[: meta[0]].reshape(-1, yb.shape[-1])]
    if meta[1]:
        xs, ys = [*xs, xt], [*ys, yt]
    return np.concatenate(xs), np.concatenate(ys)


def test_each_epoch_is_a_fresh_permutation_in_batches():
    from engine.backend import import_keras

    import_keras().utils.set_random_seed(1)  # as build_model does: epochs must still differ (tensorflow#35682)
    n, batch = 1_000, 32
    x = np.zeros((n, 784), np.float32)
    x[:, 0] = np.arange(n)  # each row says which example it is
    y = np.eye(10, dtype=np.float32)[np.arange(n) % 10]
    data = training_input(x, y, batch, block=8)
    orders = []
    for _ in range(2):
        elements = epoch_of(data.fit_kwargs["x"])
        assert [(e[0][0].shape, e[0][1].shape) for e in elements] == [((8, 32, 784), (8, 784))] * 4
        assert [list(e[2]) for e in elements] == [[8, 0]] * 3 + [[7, 1]]  # 31 full batches, then 8 examples
        rows = [trained_rows(e) for e in elements]
        ids = np.concatenate([r[0][:, 0] for r in rows]).astype(int)
        labels = np.concatenate([r[1].argmax(1) for r in rows])
        assert sorted(ids) == list(range(n))  # every example exactly once
        assert np.array_equal(labels, ids % 10)  # labels travel with their images
        orders.append(ids)
    assert not np.array_equal(orders[0], orders[1])  # reshuffled between epochs
    assert not np.array_equal(orders[0], np.arange(n))
