"""Typed events a training run emits, in order: Phase*, Started, (Progress*, EpochEnd)*, Finished.

They are plain frozen dataclasses so any listener (the CLI's JSON lines, the store, the TUI's messages)
can consume them without knowing about Keras.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from engine.status import RunStatus


@dataclass(frozen=True)
class Phase:
    """Set-up work before the first epoch: 'loading TensorFlow', 'loading MNIST', 'building model'."""

    message: str


@dataclass(frozen=True)
class Started:
    run_id: int | None
    epochs: int
    steps_per_epoch: int
    train_size: int
    val_size: int
    test_size: int
    backend: str
    device: str
    versions: dict = field(default_factory=dict)  # python, keras, backend library: for the answers' environment


@dataclass(frozen=True)
class Progress:
    """Within an epoch; emitted at most every few hundred milliseconds, never per batch."""

    epoch: int  # 1-based
    step: int
    steps: int
    loss: float | None = None
    accuracy: float | None = None


@dataclass(frozen=True)
class EpochEnd:
    epoch: int  # 1-based
    loss: float
    accuracy: float
    val_loss: float
    val_accuracy: float
    seconds: float
    # mean |dL/dW| of each hidden layer's kernel (and the output layer last), on a fixed batch
    gradients: list[float] | None = None

    def as_json(self) -> dict:
        return {"event": "epoch", **asdict(self)}


@dataclass(frozen=True)
class Finished:
    run_id: int | None
    status: RunStatus
    epochs_completed: int
    train_accuracy: float | None = None
    val_accuracy: float | None = None
    test_accuracy: float | None = None
    train_loss: float | None = None
    val_loss: float | None = None
    test_loss: float | None = None
    seconds_per_epoch: float | None = None
    first_epoch_seconds: float | None = None
    error: str | None = None
    extra: dict = field(default_factory=dict)
    predictions: bytes | None = None  # the final model's digit for each test image, one byte each (uint8)

    def as_json(self) -> dict:
        data = asdict(self)
        data.pop("predictions")  # a blob for the store, not for a JSON line
        data.update(data.pop("extra"))
        return {"event": "end", **data}


Event = Phase | Started | Progress | EpochEnd | Finished
