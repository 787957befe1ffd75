"""The training queue and the work the training thread does.

The app adds RunRequests to a TrainingQueue from the UI thread; one Textual thread worker drains it, running
each request through engine.runner.Runner and relaying every engine event as a message (post_message is
thread-safe, so the UI never polls). Stopping sets the current run's cancel Event, which the engine checks
after every batch, and drops whatever still waits.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable

from textual.message import Message

from engine.data import load_splits
from engine.errors import MnistTuiError
from engine.events import EpochEnd, Event, Finished, Phase, Progress, Started
from engine.runner import Loader, Runner, RunRequest
from engine.store import Store
from engine.trainer import Trainer
from tui import messages as m

Post = Callable[[Message], None]


class TrainingQueue:
    """Pending requests plus the one running; safe to touch from the UI thread and the worker."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: deque[RunRequest] = deque()
        self.running: RunRequest | None = None
        self.busy = False  # a worker is draining the queue
        self.cancel = threading.Event()  # the running request's; a fresh one per run

    def add(self, requests: Iterable[RunRequest]) -> bool:
        """Queue requests; True when no worker is draining, so the caller must start one."""
        with self._lock:
            self._pending.extend(requests)
            if self.busy:
                return False
            self.busy = True
            return True

    def next(self) -> RunRequest | None:
        """The worker's side: the next request (with a fresh cancel Event), or None when drained."""
        with self._lock:
            if not self._pending:
                self.busy, self.running = False, None
                return None
            self.running = self._pending.popleft()
            self.cancel = threading.Event()
            return self.running

    def stop(self) -> int:
        """Cancel the running request and drop the waiting ones; returns how many were dropped."""
        with self._lock:
            dropped = len(self._pending)
            self._pending.clear()
            if self.running is not None:
                self.cancel.set()
            return dropped

    def pending(self) -> list[RunRequest]:
        with self._lock:
            return list(self._pending)


class Relay:
    """The runner's listener: engine events -> app messages, posted from the worker thread."""

    def __init__(self, request: RunRequest, post: Post) -> None:
        self.request, self.post = request, post

    def __call__(self, ev: Event) -> None:
        req = self.request
        if isinstance(ev, Progress):
            self.post(m.RunProgress(req, ev))
        elif isinstance(ev, EpochEnd):
            self.post(m.RunEpoch(req, ev))
        elif isinstance(ev, Phase):
            self.post(m.RunPhase(req, ev.message))
        elif isinstance(ev, Started):
            self.post(m.RunStarted(req, ev))
        elif isinstance(ev, Finished):
            self.post(m.RunFinished(req, ev))


def drain(queue: TrainingQueue, store: Store, trainer: Trainer, post: Post, loader: Loader = load_splits) -> None:
    """Run queued requests one after another until the queue is empty (runs in the worker thread)."""
    while (req := queue.next()) is not None:
        post(m.RunBegan(req, queue.pending()))
        try:
            # a stop while loading ends as 'cancelled' with no run stored (the runner checks before its row)
            Runner(store, trainer, loader).run(req, Relay(req, post), queue.cancel)
        except MnistTuiError as exc:  # no data, unusable store: every queued run would fail the same way
            queue.stop()
            post(m.RunError(req, str(exc)))
        except Exception as exc:  # a bug must not kill the worker silently or leave the UI waiting
            queue.stop()
            post(m.RunError(req, f"{exc.__class__.__name__}: {exc}"))
    post(m.QueueIdle())
