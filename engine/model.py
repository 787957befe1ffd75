"""NetworkSpec -> a compiled Keras model. With trainer.py, the only code that touches Keras."""

from __future__ import annotations

from engine.backend import import_keras
from engine.spec import CLASSES, INPUTS, NetworkSpec

# Run this many batches per call into the compiled train step: the per-batch Python/callback overhead
# of fit() is what dominates small dense nets on a CPU. The SGD updates are the same, batch by batch.
STEPS_PER_EXECUTION = 64
EVAL_BATCH_SIZE = 2048  # evaluation has no updates, so its batch size never changes the numbers


def make_optimizer(spec: NetworkSpec):
    keras = import_keras()
    if spec.optimizer == "sgd":
        return keras.optimizers.SGD(learning_rate=spec.learning_rate, momentum=spec.momentum)
    if spec.optimizer == "adam":
        return keras.optimizers.Adam(learning_rate=spec.learning_rate)
    if spec.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=spec.learning_rate, momentum=spec.momentum)
    return keras.optimizers.Adagrad(learning_rate=spec.learning_rate)


def build_model(spec: NetworkSpec, steps_per_execution: int = STEPS_PER_EXECUTION):
    """784 -> Dense(hidden, activation)... -> Dense(10, softmax), seeded so a seed reproduces a run."""
    keras = import_keras()
    keras.utils.set_random_seed(spec.seed)
    inputs = keras.Input(shape=(INPUTS,), name="pixels")
    x = inputs
    for i, units in enumerate(spec.hidden_layers, start=1):
        x = keras.layers.Dense(units, activation=spec.activation, name=f"hidden_{i}")(x)
    outputs = keras.layers.Dense(CLASSES, activation="softmax", name="output")(x)
    model = keras.Model(inputs, outputs, name="mnist_mlp")
    model.compile(
        optimizer=make_optimizer(spec),
        loss=spec.loss,
        metrics=["categorical_accuracy"],
        steps_per_execution=steps_per_execution,
    )
    return model


def dense_layers(model) -> list:
    return [layer for layer in model.layers if hasattr(layer, "kernel")]
