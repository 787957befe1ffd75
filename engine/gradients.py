"""Per-layer gradient magnitudes, the evidence for Part Two's vanishing-gradient hypothesis.

Keras 3 has no backend-neutral gradient call, so each backend gets its few lines. Measured once per
epoch on one fixed batch: cheap, and off the training hot path.
"""

from __future__ import annotations

import weakref

import numpy as np

from engine.backend import backend_name, import_keras
from engine.model import dense_layers


def mean_abs_kernel_gradients(model, x: np.ndarray, y: np.ndarray) -> list[float]:
    """mean |dL/dW| for each Dense kernel, input side first (the output layer is the last entry)."""
    keras = import_keras()
    loss_fn = keras.losses.get(model.loss) if isinstance(model.loss, str) else model.loss
    kernels = [layer.kernel for layer in dense_layers(model)]
    backend = backend_name()
    if backend == "tensorflow":
        return [float(g) for g in _tf_probe(model, loss_fn, kernels)(x, y)]
    if backend == "jax":
        trainable = [v.value for v in model.trainable_variables]
        frozen = [v.value for v in model.non_trainable_variables]
        return [float(g) for g in _jax_probe(model, loss_fn, kernels)(trainable, frozen, x, y)]
    raise RuntimeError(f"no gradient probe for backend {backend}")


_tf_probes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> its compiled probe
_jax_probes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _tf_probe(model, loss_fn, kernels):
    """One XLA program per model, as on JAX: run eagerly, the tape's ops cost 30-90 ms an epoch."""
    probe = _tf_probes.get(model)
    if probe is None:
        import tensorflow as tf

        model_ref = weakref.ref(model)  # the cache must not keep the model alive

        def mean_abs_grads(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(loss_fn(y, model_ref()(x, training=False)))
            return [tf.reduce_mean(tf.abs(g)) for g in tape.gradient(loss, kernels)]

        probe = _tf_probes[model] = tf.function(mean_abs_grads, jit_compile=True)
    return probe


def _jax_probe(model, loss_fn, kernels):
    """One compiled program per model (kept while the model lives, so every epoch and a reused model
    share it): op by op, JAX would compile each of the backward pass's ops on its own, seconds on the
    first epoch of every network."""
    probe = _jax_probes.get(model)
    if probe is None:
        import jax
        import jax.numpy as jnp

        index = [next(i for i, v in enumerate(model.trainable_variables) if v is k) for k in kernels]

        model_ref = weakref.ref(model)  # the cache must not keep the model alive

        def mean_abs_grads(trainable, frozen, x, y):
            def loss_of(values):
                pred, _ = model_ref().stateless_call(values, frozen, x, training=False)
                return jnp.mean(loss_fn(y, pred))

            grads = jax.grad(loss_of)(trainable)
            return [jnp.mean(jnp.abs(grads[i])) for i in index]

        probe = _jax_probes[model] = jax.jit(mean_abs_grads)
    return probe
