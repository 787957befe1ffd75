"""The baseline for bench/e2e.py: a plain Keras script, as the exercise would be written by hand, training
the six built-in presets in order on an MNIST npz. Keras defaults throughout (fit's own batching and
shuffling, validation on the held-out 10,000 at every epoch, evaluate on test at the end); verbose=0 so a
progress bar does not slow the baseline down. Backend from KERAS_BACKEND.

    python -m bench.plain_all PATH.npz [--epochs N]
"""

from __future__ import annotations

import argparse
import json
import time
import tomllib
from pathlib import Path

import numpy as np

PRESETS = ["part1-large", "part1-small", "part2-narrow", "part2-medium", "part2-wide", "part3"]  # train --all's
ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("npz")
    ap.add_argument("--epochs", type=int, help="override every preset's epochs")
    args = ap.parse_args()
    import keras

    with np.load(args.npz) as data:
        x = data["x_train"].reshape(-1, 784).astype("float32") / 255
        y = keras.utils.to_categorical(data["y_train"], 10)
        x_test = data["x_test"].reshape(-1, 784).astype("float32") / 255
        y_test = keras.utils.to_categorical(data["y_test"], 10)
    n_val = len(x) // 6
    x_train, y_train, x_val, y_val = x[:-n_val], y[:-n_val], x[-n_val:], y[-n_val:]
    out = []
    for name in PRESETS:
        p = tomllib.loads((ROOT / "presets" / f"{name}.toml").read_text())
        keras.utils.set_random_seed(42)
        model = keras.Sequential(
            [keras.Input((784,))]
            + [keras.layers.Dense(u, activation=p["activation"]) for u in p["hidden_layers"]]
            + [keras.layers.Dense(10, activation="softmax")]
        )
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=p["learning_rate"]),
            loss="categorical_crossentropy",
            metrics=["categorical_accuracy"],
        )
        t0 = time.perf_counter()
        model.fit(
            x_train,
            y_train,
            batch_size=p["batch_size"],
            epochs=args.epochs or p["epochs"],
            validation_data=(x_val, y_val),
            verbose=0,
        )
        _, acc = model.evaluate(x_test, y_test, verbose=0)
        out.append({"preset": name, "seconds": time.perf_counter() - t0, "test_accuracy": float(acc)})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
