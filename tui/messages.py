"""Messages the training worker posts to the app (thread-safe `post_message`): one per engine event.

Each carries the RunRequest it belongs to, so a screen never confuses two runs of a queue.
"""

from __future__ import annotations

from textual.message import Message

from engine.events import EpochEnd, Finished, Progress, Started
from engine.runner import RunRequest


class RunMessage(Message):
    def __init__(self, request: RunRequest) -> None:
        super().__init__()
        self.request = request


class RunBegan(RunMessage):
    """The worker took `request` off the queue; `pending` is what still waits behind it."""

    def __init__(self, request: RunRequest, pending: list[RunRequest]) -> None:
        super().__init__(request)
        self.pending = pending


class RunPhase(RunMessage):
    """Set-up work before the first epoch: loading TensorFlow, loading MNIST, building the model."""

    def __init__(self, request: RunRequest, text: str) -> None:
        super().__init__(request)
        self.text = text


class RunStarted(RunMessage):
    def __init__(self, request: RunRequest, started: Started) -> None:
        super().__init__(request)
        self.started = started


class RunProgress(RunMessage):
    def __init__(self, request: RunRequest, progress: Progress) -> None:
        super().__init__(request)
        self.progress = progress

    def can_replace(self, message: Message) -> bool:
        # a burst of progress collapses to the newest: only the latest position matters on screen
        return isinstance(message, RunProgress)


class RunEpoch(RunMessage):
    def __init__(self, request: RunRequest, epoch: EpochEnd) -> None:
        super().__init__(request)
        self.epoch = epoch


class RunFinished(RunMessage):
    """The run ended and is stored (completed, cancelled, diverged or failed)."""

    def __init__(self, request: RunRequest, result: Finished) -> None:
        super().__init__(request)
        self.result = result


class RunError(RunMessage):
    """The run could not start (no data, store unwritable): nothing was stored; the queue is dropped."""

    def __init__(self, request: RunRequest, text: str) -> None:
        super().__init__(request)
        self.text = text


class QueueIdle(Message):
    """The worker has emptied the queue and ended."""
