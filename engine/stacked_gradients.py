"""Per-layer gradient magnitudes of K stacked networks at once (engine/gradients.py does one network).

The loss differentiated is the sum of the networks' mean losses, so each network's kernels get exactly the
gradient of its own loss: mean |dL/dW| of layer l of network k is the mean over that network's slice of the
stacked kernel. One program per model, as in engine/gradients.py (on TensorFlow a graph without XLA).
"""

from __future__ import annotations

import weakref

import numpy as np

from engine.backend import backend_name

_probes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> its compiled probe


def stacked_kernel_gradients(model, x: np.ndarray, y: np.ndarray) -> list[list[float]]:
    """[network][layer] mean |dL/dW|, input side first, for each of the model's K networks."""
    kernels = [layer.kernel for layer in model.stack]
    if backend_name() == "tensorflow":
        per_layer = _tf_probe(model, kernels)(x, y)
    else:
        trainable = [v.value for v in model.trainable_variables]
        frozen = [v.value for v in model.non_trainable_variables]
        per_layer = _jax_probe(model, kernels)(trainable, frozen, x, y)
    table = np.stack([np.asarray(g) for g in per_layer], axis=1)  # (K, layers)
    return [[float(g) for g in row] for row in table]


def _tf_probe(model, kernels):
    probe = _probes.get(model)
    if probe is None:
        import tensorflow as tf

        model_ref = weakref.ref(model)

        def mean_abs_grads(x, y):
            m = model_ref()
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(m.loss(y, m(x, training=False)))
            return [tf.reduce_mean(tf.abs(g), axis=(1, 2)) for g in tape.gradient(loss, kernels)]

        # a plain graph, not XLA: compiling this stacked program took seconds, running it as a graph once an
        # epoch on PROBE_BATCH examples takes milliseconds (engine/stacked_model.py's _without_xla)
        probe = _probes[model] = tf.function(mean_abs_grads)
    return probe


def _jax_probe(model, kernels):
    probe = _probes.get(model)
    if probe is None:
        import jax
        import jax.numpy as jnp

        index = [next(i for i, v in enumerate(model.trainable_variables) if v is k) for k in kernels]
        model_ref = weakref.ref(model)

        def mean_abs_grads(trainable, frozen, x, y):
            def loss_of(values):
                m = model_ref()
                pred, _ = m.stateless_call(values, frozen, x, training=False)
                return jnp.mean(m.loss(y, pred))

            grads = jax.grad(loss_of)(trainable)
            return [jnp.mean(jnp.abs(grads[i]), axis=(1, 2)) for i in index]

        probe = _probes[model] = jax.jit(mean_abs_grads)
    return probe
