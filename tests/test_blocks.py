"""Blocks of batches (engine/blocks.py): how an epoch is cut, and that each epoch is one fresh permutation
of the training set in batches of batch_size, the partial batch last, as fit(shuffle=True) does."""

from __future__ import annotations

import numpy as np
import pytest

from engine.blocks import BlockPlan, training_input


@pytest.mark.parametrize(
    ("n", "batch", "block", "blocks"),
    [
        (50_000, 32, 64, [64] * 24 + [26, 1]),  # 1,562 full batches of 32 and one of 16
        (2_000, 32, 64, [62, 1]),
        (640, 32, 64, [20]),  # divides evenly: no partial batch
        (4_096, 32, 64, [64, 64]),
        (10, 32, 64, [1]),  # fewer examples than one batch
        (300, 8, 4, [4] * 9 + [1, 1]),
    ],
)
def test_plan_cuts_every_batch_once(n, batch, block, blocks):
    plan = BlockPlan(n, batch, block)
    assert plan.blocks == blocks
    assert sum(plan.blocks) == plan.steps == -(-n // batch)
    assert [plan.batches_done(i) for i in range(len(blocks))] == list(np.cumsum(blocks))


def epoch_of(data) -> list[tuple[np.ndarray, np.ndarray]]:
    if hasattr(data, "__getitem__") and hasattr(data, "on_epoch_end"):  # JAX: a keras PyDataset
        blocks = [data[i] for i in range(len(data))]
        data.on_epoch_end()
        return blocks
    return [(x.numpy(), y.numpy()) for x, y in data]  # TensorFlow: a tf.data.Dataset, one epoch per iteration


def test_each_epoch_is_a_fresh_permutation_in_batches():
    from engine.backend import import_keras

    import_keras().utils.set_random_seed(1)  # as build_model does: epochs must still differ (tensorflow#35682)
    n, batch = 1_000, 32
    x = np.zeros((n, 784), np.float32)
    x[:, 0] = np.arange(n)  # each row says which example it is
    y = np.eye(10, dtype=np.float32)[np.arange(n) % 10]
    data = training_input(x, y, batch, block=8)
    assert data.blocked
    orders = []
    for _ in range(2):
        blocks = epoch_of(data.fit_kwargs["x"])
        assert [b[0].shape[:2] for b in blocks] == [(8, 32)] * 3 + [(7, 32), (1, 8)]
        ids = np.concatenate([b[0][..., 0].reshape(-1) for b in blocks]).astype(int)
        labels = np.concatenate([b[1].reshape(-1, 10).argmax(1) for b in blocks])
        assert sorted(ids) == list(range(n))  # every example exactly once
        assert np.array_equal(labels, ids % 10)  # labels travel with their images
        orders.append(ids)
    assert not np.array_equal(orders[0], orders[1])  # reshuffled between epochs
    assert not np.array_equal(orders[0], np.arange(n))
