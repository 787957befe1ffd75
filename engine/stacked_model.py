"""K networks of one shape as one Keras model: every Dense layer's kernel is a (K, in, out) tensor, so a
training step is one batched matmul per layer instead of K small ones, and K SGD updates come from one
compiled program (engine/stacked.py trains it).

Why the numbers stay each network's own: the loss is the sum of the K networks' mean losses, so the
gradient reaching network k's weights is exactly the gradient of its own loss (the derivative of a sum is
1 for each term; a NaN in one network never reaches another's weights), and every Keras optimizer updates
each weight element by element. What differs from K separate runs is only float rounding (a batched
matmul may sum in another order).

Layouts. Training (`training=True`): each network sees its own batch, so one step's input is the row
numbers of the K batches one after another, (K * b, 1) int32, network-major, and its labels are
(b, K, 10). The images are gathered inside the compiled step from the training set, held by the model
as a non-trainable variable: gathered on the host, K networks' blocks are K times the bytes of one
run's (about 50 MB a block for 8 networks), and copying them cost more than the arithmetic.
Evaluation and prediction: every network sees the same images, (b, 784), with labels (b, 10). The
output is (b, K, 10) either way, batch first, so `predict` can concatenate batches. The model trains on
engine/blocks.py's blocks through engine/block_model.py's compiled loop: a block of steps is rank 3,
(steps, K * b, 1), as that loop expects. With a shared order (an option: the seeds then differ in
initial weights only) a step's rows are one batch, (b, 1), for every network.
"""

from __future__ import annotations

import numpy as np

from engine.backend import import_keras
from engine.block_model import BlockSteps
from engine.spec import CLASSES, INPUTS, NetworkSpec

keras = import_keras()
ops = keras.ops


def _labels_like(y_true, y_pred):
    """Labels shaped as the predictions, (b, K, classes): evaluation's (and a shared order's) are shared,
    (b, classes) or (b, 1, classes)."""
    if len(y_true.shape) == 2:
        y_true = ops.expand_dims(y_true, 1)
    return ops.broadcast_to(y_true, ops.shape(y_pred))


class StackedDense(keras.layers.Layer):
    """K Dense layers of one shape: kernel (K, in, out), bias (K, out), Keras's Dense arithmetic each."""

    def __init__(self, k: int, units: int, activation: str, **kwargs):
        super().__init__(**kwargs)
        self.k, self.units = k, units
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        n_in = input_shape[-1]
        self.kernel = self.add_weight(shape=(self.k, n_in, self.units), initializer="zeros", name="kernel")
        self.bias = self.add_weight(shape=(self.k, self.units), initializer="zeros", name="bias")

    def call(self, x, shared: bool = False):
        if shared:  # (b, in), the same images for every network: one matmul against all K kernels
            y = ops.einsum("bi,kio->kbo", x, self.kernel)
        else:  # (K, b, in)
            y = ops.matmul(x, self.kernel)
        return self.activation(ops.add(y, ops.expand_dims(self.bias, 1)))


class StackedModel(BlockSteps, keras.Model):
    def __init__(self, spec: NetworkSpec, k: int, train_images: int, shared_order: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.k, self.shared_order = k, shared_order
        self.images = self.add_weight(
            shape=(train_images, INPUTS), initializer="zeros", trainable=False, name="train_images"
        )
        widths = [*spec.hidden_layers]
        self.stack = [StackedDense(k, u, spec.activation, name=f"hidden_{i}") for i, u in enumerate(widths, 1)]
        self.stack.append(StackedDense(k, CLASSES, "softmax", name="output"))

    def call(self, x, training=False):
        shared = not training or self.shared_order
        if not training:
            h = x
        elif self.shared_order:  # row numbers (b, 1), one batch for every network -> images (b, 784)
            h = ops.take(self.images, ops.reshape(x, (-1,)), axis=0)
        else:  # row numbers (K * b, 1) -> images (K, b, 784)
            h = ops.reshape(ops.take(self.images, ops.reshape(x, (-1,)), axis=0), (self.k, -1, INPUTS))
        for i, layer in enumerate(self.stack):
            h = layer(h, shared=shared and i == 0)
        return ops.transpose(h, (1, 0, 2))  # (K, b, 10) -> (b, K, 10)

    def make_test_function(self, force=False):
        return _without_xla(self, super().make_test_function, force)

    def make_predict_function(self, force=False):
        return _without_xla(self, super().make_predict_function, force)

    def build_training_state(self) -> None:
        """As BlockModel's, for this model's own layouts (a subclassed model has no symbolic inputs)."""
        self(np.zeros((1, INPUTS), "float32"))
        x, y = np.zeros((1, INPUTS), "float32"), np.zeros((1, CLASSES), "float32")
        y_pred = np.full((1, self.k, CLASSES), 1 / CLASSES, "float32")
        self.compute_loss(x=x, y=y, y_pred=y_pred)
        self.compute_metrics(x, y, y_pred)


def _without_xla(model, make, force):
    """Evaluation and prediction as a plain TensorFlow graph, not an XLA program. On TensorFlow XLA compiles
    the stacked model's programs 3-6x slower than a single net's (its batched dots and the transposes
    around them: measured in bench/stack.py's notes), seconds each for evaluation, prediction and the
    gradient probe, while these run a few large batches an epoch, where a graph's per-op cost is nothing.
    Training keeps XLA: its thousands of small steps are where XLA pays. JAX compiles every program."""
    if keras.backend.backend() != "tensorflow" or not model.jit_compile:
        return make(force)
    model.jit_compile = False
    try:
        return make(force)
    finally:
        model.jit_compile = True


class StackedLoss:
    """The sum over networks of each one's mean loss, as a per-example value Keras then averages over b."""

    def __init__(self, name: str, k: int):
        self.base = keras.losses.get(name)
        self.k = k
        self.__name__ = f"stacked_{name}"

    def __call__(self, y_true, y_pred):
        return ops.sum(self.base(_labels_like(y_true, y_pred), y_pred), axis=1)  # (b, K) -> (b,)


class PerNetwork(keras.metrics.Metric):
    """One value per network, (K,): its mean loss ('net_loss') or its accuracy ('net_accuracy') so far."""

    def __init__(self, k: int, loss: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.k = k
        self.loss = keras.losses.get(loss) if loss else None
        self.total = self.add_variable(shape=(k,), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = _labels_like(y_true, y_pred)
        if self.loss is not None:
            values = self.loss(y_true, y_pred)
        else:
            values = ops.cast(ops.equal(ops.argmax(y_true, -1), ops.argmax(y_pred, -1)), "float32")
        self.total.assign_add(ops.sum(values, axis=0))  # (b, K) -> (K,)
        self.count.assign_add(ops.cast(ops.shape(values)[0], "float32"))

    def result(self):
        return ops.divide_no_nan(self.total, self.count)


def build_stacked_model(spec: NetworkSpec, k: int, x_train: np.ndarray, shared_order: bool = False) -> StackedModel:
    """A compiled stacked model for K networks of spec's shape, holding the training images (its weights
    are zero: set them with set_trainable before training). shared_order: every network trains on the
    same batches (the first layer is then one matmul against all K kernels, as in evaluation)."""
    from engine.model import make_optimizer

    model = StackedModel(spec=spec, k=k, train_images=len(x_train), shared_order=shared_order, name="mnist_mlp_stack")
    model.compile(
        optimizer=make_optimizer(spec),
        loss=StackedLoss(spec.loss, k),
        metrics=[PerNetwork(k, spec.loss, name="net_loss"), PerNetwork(k, name="net_accuracy")],
        jit_compile=keras.backend.backend() in ("tensorflow", "jax"),
    )
    model.build_training_state()
    model.images.assign(x_train)
    return model


def trainable_values(model) -> list[np.ndarray]:
    """Copies of the networks' weights (never the training images the model also holds)."""
    return [np.array(v.numpy()) for v in model.trainable_variables]


def set_trainable(model, values: list[np.ndarray]) -> None:
    for variable, value in zip(model.trainable_variables, values, strict=True):
        variable.assign(value)


def stack_weights(per_network: list[list[np.ndarray]]) -> list[np.ndarray]:
    """[[W1, b1, W2, b2, ...] of each network] -> the stacked model's weights, same order."""
    return [np.stack(parts) for parts in zip(*per_network, strict=True)]


def network_weights(stacked: list[np.ndarray], i: int) -> list[np.ndarray]:
    return [w[i] for w in stacked]
