"""A Keras Model whose train_step also takes a block of batches, shape (k, batch, ...), and runs k SGD
steps inside one compiled loop (see engine/blocks.py for why). A plain batch trains as usual.

Each inner step is Keras's own train_step (loss, gradients, optimizer update, metrics), in order; only
the loop moves from Python into the compiled function.
"""

from __future__ import annotations

import numpy as np

from engine.backend import import_keras

keras = import_keras()
BACKEND = keras.backend.backend()


def _is_block(x) -> bool:
    return len(x.shape) == 3


class _Model(keras.Model):
    def build_training_state(self) -> None:
        """Build the compiled loss and metrics from one plain batch. Left to fit, Keras would build them
        from the first element it is given, a block, which the 784-input layer rejects. The metric
        values this leaves behind are reset when fit starts its first epoch."""
        n_in, n_out = self.inputs[0].shape[-1], self.outputs[0].shape[-1]
        x, y = np.zeros((1, n_in), "float32"), np.zeros((1, n_out), "float32")
        y_pred = self(x)
        self.compute_loss(x=x, y=y, y_pred=y_pred)
        self.compute_metrics(x, y, y_pred)


if BACKEND == "tensorflow":
    import tensorflow as tf

    class BlockModel(_Model):
        def train_step(self, data):
            x, y = data[0], data[1]
            if not _is_block(x):
                return super().train_step(data)
            step = super().train_step
            logs = step((x[0], y[0]))

            def body(i, logs):
                return i + 1, step((x[i], y[i]))

            _, logs = tf.while_loop(lambda i, _: i < tf.shape(x)[0], body, (tf.constant(1), logs))
            return logs

elif BACKEND == "jax":
    import jax

    class BlockModel(_Model):
        def train_step(self, state, data):
            x, y = data[0], data[1]
            if not _is_block(x):
                return super().train_step(state, data)
            step = super().train_step

            def body(state, batch):
                logs, state = step(state, batch)
                return state, logs

            state, logs = jax.lax.scan(body, state, (x, y))
            return jax.tree.map(lambda v: v[-1], logs), state  # the logs after the block's last step

else:
    BlockModel = _Model
