"""Run by tests/test_block_equivalence.py in a fresh process per backend (`KERAS_BACKEND=... python
block_equivalence_probe.py`), reported as one JSON line: Keras picks its backend once per process.

The block model (engine/block_model.py) must make exactly the SGD updates Keras's own fit makes, batch by
batch. Each check trains the same initial weights on the same batches in the same order, once through the
engine's blocks and once through a stock Keras model, and reports the largest weight difference (0.0
expected).
"""

from __future__ import annotations

import json

import numpy as np

from engine.backend import import_keras
from engine.blocks import BlockPlan, pack
from engine.model import build_model, make_optimizer
from engine.spec import make_spec

keras = import_keras()
N, BATCH, BLOCK = 300, 32, 4  # 9 full batches in elements of 4, 4 and 1 (+ padding), then a partial batch of 12
SEEDS = range(6)
OPTIMIZERS = {
    "sgd": {"optimizer": "sgd", "learning_rate": 0.5},
    "sgd+momentum": {"optimizer": "sgd", "learning_rate": 0.1, "momentum": 0.9},
    "adam": {"optimizer": "adam", "learning_rate": 0.01},
}


def digits(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Learnable synthetic digits (each class lights its own band of pixels, plus noise), model-ready."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, n)
    x = rng.integers(0, 60, (n, 28, 28)).astype(np.float32)
    for digit in range(10):
        x[y == digit, digit * 2 : digit * 2 + 3, :] = 255
    return (x / 255).reshape(n, 784), np.eye(10, dtype=np.float32)[y]


def blocks_in_order(x, y):
    """The engine's own elements for one epoch over the examples in their given order."""
    plan = BlockPlan(len(x), BATCH, BLOCK)
    elements = plan.element_indices(np.arange(len(x)))

    class Blocks(keras.utils.PyDataset):
        def __len__(self):
            return len(elements)

        def __getitem__(self, i):
            block, tail, meta = elements[i]
            if tail is None:
                return pack(x[block], y[block], meta)
            return pack(x[block], y[block], meta, x[tail], y[tail])

    return Blocks()


def largest_difference(a, b) -> float:
    return max(float(np.abs(p - q).max()) for p, q in zip(a.get_weights(), b.get_weights(), strict=True))


def fit_blocks(model, x, y, epochs: int) -> None:
    # shuffle=False: fit's default shuffles the order of a PyDataset's elements
    model.fit(blocks_in_order(x, y), epochs=epochs, shuffle=False, verbose=0)


def blocks_vs_stock_sequential(x, y, epochs: int = 2) -> dict[int, dict]:
    """Under each seed, with SGD, SGD with momentum and Adam in turn: a stock keras.Sequential (Keras's own
    Model class and train_step) given the engine model's initial weights and the same XLA setting, trained
    for several epochs with plain fit, vs the engine's model fed the same batches as blocks. (Under Keras's
    default compile, no XLA on a TensorFlow CPU, weights differ by about 1e-7: XLA rounds fused ops
    differently.)"""
    out = {}
    labels = list(OPTIMIZERS)
    for seed in SEEDS:
        label = labels[seed % len(labels)]
        spec = make_spec(name=label, hidden_layers=[32, 16], epochs=epochs, seed=seed, **OPTIMIZERS[label])
        blocked = build_model(spec)
        layers = [keras.layers.Dense(units, activation=spec.activation) for units in spec.hidden_layers]
        stock = keras.Sequential([keras.Input((784,)), *layers, keras.layers.Dense(10, activation="softmax")])
        stock.set_weights(blocked.get_weights())
        stock.compile(
            optimizer=make_optimizer(spec),
            loss=spec.loss,
            metrics=["categorical_accuracy"],
            jit_compile=blocked.jit_compile,
        )
        stock.fit(x, y, batch_size=BATCH, shuffle=False, epochs=epochs, verbose=0)
        fit_blocks(blocked, x, y, epochs)
        out[seed] = {"optimizer": label, "difference": largest_difference(stock, blocked)}
    return out


def canary(x, y) -> dict[str, str]:
    """What the block model leans on in Keras (engine/block_model.py): fit builds a model's compiled loss and
    metrics from the first element it is given unless they are already built, and skips that once they are.
    'after_build': blocks after build_training_state train ('ok' needed). 'without_build': the same model
    class left to fit's own build, which on a backend that builds from the first element fails on a block."""
    from engine.block_model import BlockModel

    out = {}
    spec = make_spec(name="canary", hidden_layers=[8], epochs=1)
    for case in ("after_build", "without_build"):
        inputs = keras.Input(shape=(784,))
        outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Dense(8)(inputs))
        model = BlockModel(inputs, outputs)
        model.compile(optimizer=make_optimizer(spec), loss=spec.loss, metrics=["categorical_accuracy"])
        if case == "after_build":
            model.build_training_state()
        try:
            fit_blocks(model, x, y, epochs=1)
            out[case] = "ok"
        except Exception as exc:  # reported, judged by the test
            out[case] = f"{exc.__class__.__name__}: {str(exc).splitlines()[0][:200]}"
    return out


def main() -> None:
    x, y = digits(N)
    out = {
        "keras": keras.__version__,
        "seeds": blocks_vs_stock_sequential(x, y),
        "canary": canary(x, y),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
