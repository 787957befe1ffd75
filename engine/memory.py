"""Will a run fit in memory? An estimate of a training process's peak, from the spec's widths and batch size
and the data's size, checked against what the machine has free before anything is trained or queued.

Why: nothing else stops a spec that the rules allow but the machine cannot hold. 64 layers of 550 units at
batch 60,000 on 6,667 images peaked at 3.0 GB (every layer's output for the whole batch, kept for the
backward pass); on full MNIST the same spec is OOM-killed mid-compile, taking the worker with it. The
estimate errs a little high: the figures a refusal quotes are the ones that decide.

What a run holds at its peak (4-byte floats throughout):
- activations: for each example of a batch, every layer's input, output and gradient (3 copies of the
  widths 784 + hidden + 10); the evaluation batches hold two (no gradients);
- parameters: weights, their gradients and the optimizer's slots (momentum 1, Adam 2, ...);
- data: the three splits as float pixels and one-hot labels, twice (the arrays and the backend's own
  tensors), plus a block of up to 64 training batches and the one prefetched behind it;
- the runtime itself (TensorFlow or JAX with its compiled programs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.errors import MnistTuiError
from engine.mnist import CLASSES, INPUTS, TEST_IMAGES, TRAIN_IMAGES
from engine.spec import NetworkSpec

FLOAT = 4
ACTIVATION_COPIES = 3  # a layer's pre-activation, its output and the gradient flowing back through it
EVAL_COPIES = 2
RUNTIME_BYTES = 512 * 2**20  # the backend, its compiled programs and Python (measured: 0.4-0.6 GB RSS)
BLOCK_BATCHES = 64  # engine.blocks.BLOCK_BATCHES (not imported: that module imports Keras)
EVAL_BATCH = 2048  # engine.model.EVAL_BATCH_SIZE, the largest evaluation batch
OPTIMIZER_SLOTS = {"sgd": 0, "adam": 2, "rmsprop": 1, "adagrad": 1}


class MemoryRefused(MnistTuiError):
    """The estimated peak is more than the machine has available: refused before any work."""


@dataclass(frozen=True)
class MemoryEstimate:
    activations: int
    parameters: int
    data: int
    runtime: int

    @property
    def total(self) -> int:
        return self.activations + self.parameters + self.data + self.runtime

    def breakdown(self) -> str:
        parts = (("activations", self.activations), ("parameters", self.parameters), ("data", self.data))
        return ", ".join(f"{name} {size_text(size)}" for name, size in parts) + f", runtime {size_text(self.runtime)}"


def estimate(spec: NetworkSpec, train: int, validation: int, test: int) -> MemoryEstimate:
    """The peak memory of training `spec` on splits of these sizes (examples)."""
    widths = sum(spec.layer_sizes())
    batch = min(spec.batch_size, max(train, 1))
    eval_batch = min(EVAL_BATCH, max(train, validation, test, 1))
    activations = max(batch * ACTIVATION_COPIES, eval_batch * EVAL_COPIES) * widths * FLOAT
    params = spec.param_counts().total
    parameters = params * FLOAT * (2 + OPTIMIZER_SLOTS.get(spec.optimizer, 2) + (spec.momentum > 0))
    example = (INPUTS + CLASSES) * FLOAT
    blocks = 2 * min(BLOCK_BATCHES, math.ceil(train / batch)) * batch if train else 0
    data = (2 * (train + validation + test) + blocks) * example
    return MemoryEstimate(activations, parameters, data, RUNTIME_BYTES)


def planned_sizes(spec: NetworkSpec, subset: int | None) -> tuple[int, int, int]:
    """The split sizes of full MNIST for this spec and subset: what a job is checked against when it is
    queued, before its data is read (a smaller data file only makes the run smaller)."""
    validation = round(TRAIN_IMAGES * spec.validation_fraction)
    fit = TRAIN_IMAGES - validation
    return (min(subset, fit) if subset else fit), validation, TEST_IMAGES


def available_bytes() -> int | None:
    """Memory the machine can give a new process now (free plus reclaimable caches); None when unknown."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:  # no psutil reading on this platform: no check rather than a false refusal
        return None


def check_fits(spec: NetworkSpec, train: int, validation: int, test: int, what: str | None = None) -> MemoryEstimate:
    """Raise MemoryRefused, with the figures, when the estimated peak exceeds the available memory."""
    need = estimate(spec, train, validation, test)
    have = available_bytes()
    if have is not None and need.total > have:
        name = what or spec.name
        raise MemoryRefused(
            f"{name}: needs about {size_text(need.total)} of memory at its peak ({need.breakdown()}; batch "
            f"{min(spec.batch_size, train):,} x {sum(spec.layer_sizes()):,} units on {train:,} training images), "
            f"more than the {size_text(have)} available; lower --batch-size, the widths or --subset"
        )
    return need


def check_job_fits(spec: NetworkSpec, subset: int | None, what: str | None = None) -> MemoryEstimate:
    """check_fits at the sizes a job will train on (full MNIST unless --subset): a job that can never run
    is never queued."""
    return check_fits(spec, *planned_sizes(spec, subset), what=what)


def size_text(size: int) -> str:
    """Bytes in a few digits: '3.0 GB', '512 MB'."""
    if size >= 2**30:
        return f"{size / 2**30:.1f} GB"
    return f"{size / 2**20:.0f} MB"
