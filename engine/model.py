"""NetworkSpec -> a compiled Keras model (a BlockModel, so it also trains on blocks of batches).

Keras is touched only by the engine's training modules: this one, trainer.py and fit_events.py (fit and its
callback), blocks.py and block_model.py (the batches and the compiled loop over them), gradients.py and
backend.py.
None of them is imported until a run trains, so the CLI's other commands and the TUI never load Keras.
"""

from __future__ import annotations

import math
import sys
from contextlib import contextmanager

from engine.backend import import_keras, native_stderr_silenced
from engine.spec import CLASSES, INPUTS, NetworkSpec

EVAL_BATCH_SIZE = 2048  # evaluation has no updates, so its batch size never changes the weights
MIN_EVAL_BATCH = 256


def eval_batch_size(*sizes: int) -> int:
    """One evaluation batch size for every split that divides them all when it can (60,000 MNIST images
    split 50,000 / 10,000 / 10,000: 2,000), so validation and the final evaluation feed one input shape
    and compile one program instead of one per remainder. Otherwise EVAL_BATCH_SIZE."""
    common = math.gcd(*sizes) if sizes else 0
    for batch in range(min(common, EVAL_BATCH_SIZE), MIN_EVAL_BATCH - 1, -1):
        if common % batch == 0:
            return batch
    return EVAL_BATCH_SIZE


def make_optimizer(spec: NetworkSpec):
    keras = import_keras()
    if spec.optimizer == "sgd":
        return keras.optimizers.SGD(learning_rate=spec.learning_rate, momentum=spec.momentum)
    if spec.optimizer == "adam":
        return keras.optimizers.Adam(learning_rate=spec.learning_rate)
    if spec.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=spec.learning_rate, momentum=spec.momentum)
    return keras.optimizers.Adagrad(learning_rate=spec.learning_rate)


@contextmanager
def _tensorflow_left_out():
    """keras.utils.set_random_seed also seeds TensorFlow "if it is installed", importing it (seconds and
    hundreds of MB) even on JAX, where nothing here uses it: the blocks shuffle with numpy. On JAX, while
    seeding, TensorFlow reads as not installed (a None entry in sys.modules makes its import fail)."""
    if import_keras().backend.backend() != "jax" or "tensorflow" in sys.modules:
        yield
        return
    sys.modules["tensorflow"] = None
    try:
        yield
    finally:
        del sys.modules["tensorflow"]


def seeded_network(spec: NetworkSpec, seeded: bool = True):
    """(inputs, outputs) of the network, its weights drawn under spec.seed (which also seeds the epochs'
    shuffling): what a fresh model of this spec starts from. seeded=False leaves the process's random
    state alone (a model built while another run trains: engine/warm_up.py); its weights are then not
    the spec's, and must be set before it trains a run."""
    keras = import_keras()
    if seeded:
        with native_stderr_silenced(), _tensorflow_left_out():
            keras.utils.set_random_seed(spec.seed)
    inputs = keras.Input(shape=(INPUTS,), name="pixels")
    x = inputs
    for i, units in enumerate(spec.hidden_layers, start=1):
        x = keras.layers.Dense(units, activation=spec.activation, name=f"hidden_{i}")(x)
    outputs = keras.layers.Dense(CLASSES, activation="softmax", name="output")(x)
    return inputs, outputs


def build_model(spec: NetworkSpec, seeded: bool = True):
    """784 -> Dense(hidden, activation)... -> Dense(10, softmax), seeded so a seed reproduces a run.

    The model also trains on blocks of batches (engine/blocks.py), so fit's own steps_per_execution
    stays 1: one block is one call. XLA is on for TensorFlow too (Keras turns it off on CPU by default):
    it compiles the block's whole loop into one program.
    """
    keras = import_keras()
    from engine.block_model import BlockModel

    model = BlockModel(*seeded_network(spec, seeded), name="mnist_mlp")
    model.compile(
        optimizer=make_optimizer(spec),
        loss=spec.loss,
        metrics=["categorical_accuracy"],
        jit_compile=keras.backend.backend() in ("tensorflow", "jax"),
    )
    model.build_training_state()
    return model


def dense_layers(model) -> list:
    return [layer for layer in model.layers if hasattr(layer, "kernel")]
