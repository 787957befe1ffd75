"""One epoch-benchmark process: `python -m bench.epoch_worker VARIANT EPOCHS` (backend from KERAS_BACKEND).

Prints one JSON line with the seconds of every epoch (the first includes tracing/compilation).
  plain   a plain `model.fit(x, y, batch_size=32, validation_data=...)` with Keras defaults (verbose=0:
          a progress bar would only slow the baseline down)
  spe64   plain fit plus compile(steps_per_execution=64) and validation_batch_size=2048 (what the
          engine did before blocks)
  engine  mnist-tui's real path: engine.model.build_model + KerasTrainer.train (its fit call, callbacks,
          progress events and per-epoch gradient probe included)
"""

from __future__ import annotations

import json
import sys
import threading
import time


def part1_large(epochs: int):
    from engine.presets import find_preset

    return find_preset("part1-large").spec.model_copy(update={"epochs": epochs})


def splits():
    from bench.common import synthetic_raw
    from engine.data import RawMnist, make_splits

    return make_splits(RawMnist(**synthetic_raw(), source="synthetic"))


class EpochTimer:
    def __init__(self, keras):
        self.seconds: list[float] = []
        timer = self

        class Callback(keras.callbacks.Callback):  # epoch hooks only: nothing per batch
            def on_epoch_begin(self, epoch, logs=None):
                self.t0 = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                timer.seconds.append(time.perf_counter() - self.t0)

        self.callback = Callback()


def plain_fit(epochs: int, tuned: bool) -> list[float]:
    from engine.backend import import_keras

    keras = import_keras()
    spec, data = part1_large(epochs), splits()
    keras.utils.set_random_seed(spec.seed)
    model = keras.Sequential(
        [
            keras.Input((784,)),
            keras.layers.Dense(spec.hidden_layers[0], activation="sigmoid"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=spec.learning_rate),
        loss="categorical_crossentropy",
        metrics=["categorical_accuracy"],
        **({"steps_per_execution": 64} if tuned else {}),
    )
    timer = EpochTimer(keras)
    model.fit(
        data.x_train,
        data.y_train,
        batch_size=spec.batch_size,
        epochs=epochs,
        validation_data=(data.x_val, data.y_val),
        verbose=0,
        callbacks=[timer.callback],
        **({"validation_batch_size": 2048} if tuned else {}),
    )
    return timer.seconds


def engine_fit(epochs: int) -> list[float]:
    from engine.events import EpochEnd
    from engine.trainer import KerasTrainer

    spec, data = part1_large(epochs), splits()
    seconds: list[float] = []

    def emit(ev):
        if isinstance(ev, EpochEnd):
            seconds.append(ev.seconds)

    trainer = KerasTrainer()
    trainer.prepare(emit)
    result = trainer.train(spec, data, emit, threading.Event())
    if result.status != "completed":
        raise SystemExit(f"engine run {result.status}: {result.error}")
    return seconds


def main() -> None:
    variant, epochs = sys.argv[1], int(sys.argv[2])
    if variant == "engine":
        seconds = engine_fit(epochs)
    elif variant in ("plain", "spe64"):
        seconds = plain_fit(epochs, tuned=variant == "spe64")
    else:
        raise SystemExit(f"unknown variant {variant!r}")
    from engine.backend import backend_name, device_name

    print(json.dumps({"variant": variant, "backend": backend_name(), "device": device_name(), "seconds": seconds}))


if __name__ == "__main__":
    main()
