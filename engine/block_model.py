"""A Keras Model whose train_step also takes a block element from engine/blocks.py: k batches of shape
(k, batch, ...), how many of them are real, and optionally the epoch's partial last batch (the tail).
It runs the real batches' SGD steps inside one compiled loop, then the tail's step if it is switched on
(see engine/blocks.py for why). A plain batch trains as usual.

Each inner step is Keras's own train_step (loss, gradients, optimizer update, metrics), in order; only
the loop moves from Python into the compiled function. Padding slots are never computed: the loop's trip
count is the element's real batch count.
"""

from __future__ import annotations

import os

import numpy as np

from engine.backend import import_keras

keras = import_keras()
BACKEND = keras.backend.backend()


def _unpack_block(data):
    """(x block, y block, x tail or None, y tail or None, meta) for a block element, else None."""
    if not isinstance(data, tuple | list) or len(data) != 3:
        return None
    x, y, meta = data
    if isinstance(x, tuple | list):
        (xb, xt), (yb, yt) = x, y
    else:
        xb, yb, xt, yt = x, y, None, None
    if len(xb.shape) != 3:
        return None
    return xb, yb, xt, yt, meta


class _Model(keras.Model):
    def build_training_state(self) -> None:
        """Build the compiled loss and metrics from one plain batch. Left to fit, Keras would build them
        from the first element it is given, a block, which the 784-input layer rejects. They need only
        the prediction's shape, so no forward pass is run (on JAX each op of one would compile on its
        own). The metric values this leaves behind are reset when fit starts its first epoch.
        Keras skips its own build once these are built, a private check in its trainer: the canary in
        tests/test_block_equivalence.py fails loudly on a Keras release that changes it."""
        n_in, n_out = self.inputs[0].shape[-1], self.outputs[0].shape[-1]
        x, y = np.zeros((1, n_in), "float32"), np.zeros((1, n_out), "float32")
        y_pred = np.full((1, n_out), 1 / n_out, "float32")
        self.compute_loss(x=x, y=y, y_pred=y_pred)
        self.compute_metrics(x, y, y_pred)


if BACKEND == "tensorflow":
    import tensorflow as tf

    class BlockSteps:
        def train_step(self, data):
            block = _unpack_block(data)
            if block is None:
                return super().train_step(data)
            xb, yb, xt, yt, meta = block
            step = super().train_step

            def body(i, logs):
                return i + 1, step((xb[i], yb[i]))

            # the metrics' current values only give the loop's logs their structure: every element
            # has at least one real step (or only a tail), which overwrites them
            start = (tf.constant(0), self.get_metrics_result())
            _, logs = tf.while_loop(lambda i, _: i < meta[0], body, start)
            if xt is not None:
                logs = tf.cond(meta[1] > 0, lambda: step((xt, yt)), lambda: logs)
            return logs

elif BACKEND == "jax":
    import jax
    import jax.numpy as jnp

    def _static_loop_wanted() -> bool:
        """On a GPU a loop whose trip count is data copies its condition back to the host at every step;
        one of the block's static length does not (XLA knows its trip count). The padding slots of the
        last block then run too, their results dropped. MNIST_TUI_STATIC_LOOP=1/0 forces either."""
        forced = os.environ.get("MNIST_TUI_STATIC_LOOP")
        if forced is not None:
            return forced.strip() not in ("", "0", "off", "false")
        return jax.devices()[0].platform == "gpu"

    STATIC_STEPS = _static_loop_wanted()

    def _static_steps(step, state, logs, xb, yb, real):
        """xb.shape[0] SGD steps, each kept only where it is one of the `real` ones: the same updates, in
        the same order, as the data-dependent loop (tested bit for bit)."""

        def body(i, carry):
            state, logs = carry
            new_logs, new_state = step(state, (xb[i], yb[i]))
            keep = i < real
            pick = lambda new, old: jnp.where(keep, new, old)  # noqa: E731
            return jax.tree.map(pick, new_state, state), jax.tree.map(pick, new_logs, logs)

        return jax.lax.fori_loop(0, xb.shape[0], body, (state, logs))

    class BlockSteps:
        def train_step(self, state, data):
            block = _unpack_block(data)
            if block is None:
                return super().train_step(state, data)
            xb, yb, xt, yt, meta = block
            step = super().train_step
            # the logs' structure for the loop carry, from an abstract trace (no computation)
            shapes = jax.eval_shape(step, state, (xb[0], yb[0]))[0]
            logs = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), shapes)

            def body(carry):
                i, state, _ = carry
                logs, state = step(state, (xb[i], yb[i]))
                return i + 1, state, logs

            if STATIC_STEPS:
                state, logs = _static_steps(step, state, logs, xb, yb, meta[0])
            else:
                start = (jnp.zeros((), jnp.int32), state, logs)
                _, state, logs = jax.lax.while_loop(lambda carry: carry[0] < meta[0], body, start)
            if xt is not None:

                def tail(state, logs):
                    logs, state = step(state, (xt, yt))
                    return state, logs

                state, logs = jax.lax.cond(meta[1] > 0, tail, lambda state, logs: (state, logs), state, logs)
            return logs, state


class BlockModel(BlockSteps, _Model):
    """BlockSteps is a plain mixin, not a keras.Model: Keras rewrites the bases of a Model subclass built
    as a functional model (this one), and engine/stacked_model.py's subclassed model shares the loop."""
